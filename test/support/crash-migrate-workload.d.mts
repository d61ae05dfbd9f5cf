import type { HnswIndexOptions } from '../../src/index.js';
import type { MigrationRecord } from '../../src/migrate/index.js';
export declare const CONFIG: HnswIndexOptions;
export declare const COUNT: number;
export declare const BATCH: number;
export declare function records(): Generator<MigrationRecord>;
