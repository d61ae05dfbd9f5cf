export declare const DIM: number;
export declare function applyToModel(model: { rows: Float32Array[]; deleted: Set<number> }, i: number): void;
export declare function applyToStore(db: unknown, i: number): Promise<void>;
