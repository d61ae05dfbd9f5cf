// The MemMapVector suite on every backend this runtime has, for each element kind.
import { QUANTIZATIONS } from '../src/engine/element-type.js';
import { backendTargets } from './support/backends.js';
import { memMapVectorSuite } from './suites/memmap-vector.suite.js';

for (const quantization of QUANTIZATIONS) for (const target of backendTargets()) memMapVectorSuite(target, quantization);
