export { MemvecError, isMemvecError } from './errors.js';
export type { MemvecErrorCode } from './errors.js';
