// Node: the MemMapVector suite on every backend Node has.
import { nodeBackendTargets } from './support/backends.js';
import { memMapVectorSuite } from './suites/memmap-vector.suite.js';

for (const target of nodeBackendTargets(['fs', 'memory'])) memMapVectorSuite(target);
