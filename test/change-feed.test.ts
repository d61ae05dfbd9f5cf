// HnswIndex.changesSince on every backend this runtime has.
import { backendTargets } from './support/backends.js';
import { changeFeedSuite } from './suites/change-feed.suite.js';

for (const target of backendTargets()) changeFeedSuite(target);
