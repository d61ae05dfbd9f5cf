export declare function rng(seed: number): () => number;
export declare function randomVectors(n: number, dim: number, seed: number): Float32Array;
export declare function clusteredVectors(n: number, dim: number, clusters: number, seed: number, normalize?: boolean): Float32Array;
