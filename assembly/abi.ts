// The constants the facade must agree with, by id: src/engine/abi.ts ABI_CONSTANTS lists the same ids,
// and src/engine/abi-check.ts compares each value once per instance, when it loads.
import { ELEMENT_F16, ELEMENT_F32, ELEMENT_I8, I8_HEADER_BYTES, bytesPerElement } from './element';
import { METRIC_COSINE, METRIC_DOT, METRIC_EUCLIDEAN } from './kernels';
import { MAX_DIMENSION, MAX_EF, MAX_LEVEL, MAX_M, MAX_TOP_K, MIN_M } from './limits';
import { ST_CAPACITY, ST_CORRUPT, ST_INVALID, ST_OK } from './hnsw-store';
import {
  FILTER_HOST, FILTER_NONE, FILTER_PROGRAM, RECORD_BYTES, OP_ALL, OP_AND, OP_EXISTS, OP_MATCH, OP_NOT, OP_OR,
  TAG_FALSE, TAG_NULL, TAG_NUMBER, TAG_STRING, TAG_TRUE,
} from './filter-eval';

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
    case 14: return OP_ALL;
    case 15: return OP_AND;
    case 16: return OP_OR;
    case 17: return OP_NOT;
    case 18: return OP_EXISTS;
    case 19: return OP_MATCH;
    case 20: return TAG_NULL;
    case 21: return TAG_FALSE;
    case 22: return TAG_TRUE;
    case 23: return TAG_NUMBER;
    case 24: return TAG_STRING;
    case 25: return FILTER_NONE;
    case 26: return FILTER_PROGRAM;
    case 27: return FILTER_HOST;
    case 28: return RECORD_BYTES;
    case 29: return ELEMENT_F32;
    case 30: return ELEMENT_F16;
    case 31: return ELEMENT_I8;
    case 32: return I8_HEADER_BYTES;
    default: return i32.MIN_VALUE;
  }
}
