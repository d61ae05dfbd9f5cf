// The engine's exports: each module below owns one job; this file only re-exports them.
export { alloc, free } from './memory';
export { dot, l2sq, cosine, normSq, normalize, scoreBlock } from './kernels';
export { topkReset, topkDrain, topkNew, topkResetOn, topkMergeFrom } from './topk';
export { flatScanPart, flatScanCosine, flatScanCosineIds, flatScanCodes, flatScanCodesIds, flatEncode, queryCodeI8, queryCodeI8Bytes } from './flat';
export {
  hnswInit, hnswReserve, hnswInsert, hnswInsertStored, hnswTxBegin, hnswTxCommit, hnswTxRollback, hnswMarkDeleted,
  hnswSetReplaced, hnswReserveSearch, hnswSearch, hnswSearchBatch, hnswLoadReserve, hnswLoadFinish, hnswCount,
  hnswPoolUsed, hnswEntryPoint,
  hnswMaxLevel, hnswRngLo, hnswRngHi, hnswChunkSlots, hnswVecPtr, hnswLink0Ptr, hnswNormsPtr, hnswLevelsPtr,
  hnswUpperOffsetsPtr, hnswPoolPtr, hnswFlagsPtr, hnswAllowPtr, hnswQueryPtr, hnswOutIdsPtr, hnswOutDistsPtr,
  hnswMemoryLimitPages, hnswSetMemoryLimitPages, hnswReorder, hnswReorderMapPtr, hnswReorderRelease, hnswFilterAll,
  hnswSearchBatchPart, hnswThreadState, hnswThreadReserve, hnswBeginFilter,
} from './hnsw';
export { hnswParallelBegin, hnswParallelRowPtr, hnswParallelNormPtr, hnswParallelInsert, hnswParallelEnd } from './hnsw-parallel';
export { hnswKind, hnswStagePtr, hnswDecode, hnswRerank } from './hnsw-codes';
export { encodeF16, decodeF16, dotF16, l2sqF16, dotAndNormSqF32F16, lastNormSqOut } from './kernels-f16';
export { encodeI8, decodeI8, dotI8, l2sqI8, codeNormSqI8 } from './kernels-i8';
export { filterUse, filterStacks } from './filter-eval';
export { abiConstant } from './abi';
