// The MemMapVector suite on every backend this runtime has.
import { backendTargets } from './support/backends.js';
import { memMapVectorSuite } from './suites/memmap-vector.suite.js';

for (const target of backendTargets()) memMapVectorSuite(target);
