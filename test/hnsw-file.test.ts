// The persistent HnswIndex suite on every backend this runtime has.
import { backendTargets } from './support/backends.js';
import { hnswFileSuite } from './suites/hnsw-file.suite.js';

for (const target of backendTargets()) hnswFileSuite(target);
