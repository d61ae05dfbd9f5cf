export declare const SIFTSMALL_DIR: string;
export interface Rows<T> {
  data: T;
  count: number;
  dim: number;
}
export declare function readFvecs(path: string): Rows<Float32Array>;
export declare function readIvecs(path: string): Rows<Int32Array>;
export declare function loadSiftSmall(): {
  base: Rows<Float32Array>;
  queries: Rows<Float32Array>;
  groundtruth: Rows<Int32Array>;
};
