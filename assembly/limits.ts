// The engine's limits: the same values as src/limits.ts, which the facade checks against these
// (through abiConstant, assembly/abi.ts) when it loads the module.

export const MAX_DIMENSION: i32 = 65536;
export const MIN_M: i32 = 2;
/** 128, as the facade enforces: layer-0 lists hold 2·M ids, and scratch sized for them. */
export const MAX_M: i32 = 128;
export const MAX_EF: i32 = 1 << 20;
/** Levels past this are clamped: with M = 2 it is reached with probability about 2^-33. */
export const MAX_LEVEL: i32 = 48;
/** Entries the top-k heap of the exact scans may hold. */
export const MAX_TOP_K: i32 = 1 << 26;
