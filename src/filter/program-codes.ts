/**
 * The opcodes and value tags of filter programs, as assembly/filter-eval.ts defines them (the engine
 * binding checks at load that both sides agree).
 */
export const OP = { ALL: 1, AND: 2, OR: 3, NOT: 4, EXISTS: 5, MATCH: 6 } as const;
export const TAG = { NULL: 1, FALSE: 2, TRUE: 3, NUMBER: 4, STRING: 5 } as const;
/** OP_MATCH's bits: the path is missing somewhere, or a candidate is null, false, true. */
export const MATCH_BITS = { MISSING: 1, NULL: 2, FALSE: 4, TRUE: 8 } as const;
/** What a filtered search runs (hnswSearch's `filtered`): none, a program, a JS callback. */
export const FILTER = { NONE: 0, PROGRAM: 1, HOST: 2 } as const;
/** Bytes of one instruction record of a filter program (layout: assembly/filter-eval.ts). */
export const RECORD_BYTES = 64;
