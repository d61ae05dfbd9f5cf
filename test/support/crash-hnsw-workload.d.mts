export declare const CONFIG: { dimension: number; M: number; efConstruction: number; seed: number; threads: number };
export declare const CHECKPOINT_LOG_BYTES: number;
export declare function applyOp(index: unknown, i: number, compactEvery?: number): Promise<void>;
export declare function observe(index: unknown): string;
