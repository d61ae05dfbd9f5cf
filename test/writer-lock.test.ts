// One writer per path through the facade, on every backend this runtime has.
import { backendTargets } from './support/backends.js';
import { writerLockSuite } from './suites/writer-lock.suite.js';

for (const target of backendTargets()) writerLockSuite(target);
