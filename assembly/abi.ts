// The constants the facade must agree with, by id: src/engine/abi.ts ABI_CONSTANTS lists the same ids,
// and src/engine/abi-check.ts compares each value once per instance, when it loads.
import { ELEMENT_F32, bytesPerElement } from './element';
import { METRIC_COSINE, METRIC_DOT, METRIC_EUCLIDEAN } from './kernels';
import { MAX_DIMENSION, MAX_EF, MAX_LEVEL, MAX_M, MAX_TOP_K, MIN_M } from './limits';
import { ST_CAPACITY, ST_CORRUPT, ST_INVALID, ST_OK } from './hnsw-store';

export function abiConstant(id: i32): i32 {
  switch (id) {
    case 0: return ST_OK;
    case 1: return ST_CAPACITY;
    case 2: return ST_INVALID;
    case 3: return ST_CORRUPT;
    case 4: return METRIC_COSINE;
    case 5: return METRIC_EUCLIDEAN;
    case 6: return METRIC_DOT;
    case 7: return MAX_DIMENSION;
    case 8: return MIN_M;
    case 9: return MAX_M;
    case 10: return MAX_EF;
    case 11: return MAX_LEVEL;
    case 12: return MAX_TOP_K;
    case 13: return <i32>bytesPerElement(ELEMENT_F32);
    default: return i32.MIN_VALUE;
  }
}
