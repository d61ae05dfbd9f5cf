export declare const DIM: number;
export declare const ROWS: number;
export declare const CONFIG: { dimension: number; metric: 'euclidean'; M: number; efConstruction: number; threads: number };
export declare function rowOf(i: number, r: number): { key: string; vector: Float32Array };
export declare function applyOp(index: unknown, i: number): Promise<void>;
export declare function expectedAfter(n: number): Map<string, Float32Array>;
