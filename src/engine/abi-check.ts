/**
 * The check an engine instance passes before anything uses it: the module exports every function the
 * facade calls (abi.ts EXPORTED_FUNCTIONS) and its memory, and each shared constant (status codes,
 * metric ids, limits, element size) has the same value on both sides. A mismatch means a build of the
 * engine and the facade that do not belong together: memvec's fault, so INTERNAL, raised at load
 * instead of as a wrong answer later.
 */
import { MemvecError } from '../errors.js';
import { ABI_CONSTANTS, EXPORTED_FUNCTIONS, type EngineExports } from './abi.js';

export function checkEngineExports(exports: Record<string, unknown>): EngineExports {
  const missing: string[] = EXPORTED_FUNCTIONS.filter((name) => typeof exports[name] !== 'function');
  if (!(exports['memory'] instanceof WebAssembly.Memory)) missing.push('memory');
  if (missing.length > 0) {
    throw new MemvecError('INTERNAL', `memvec's WASM engine does not export ${missing.join(', ')}: the build is broken`);
  }
  const e = exports as unknown as EngineExports;
  const wrong = ABI_CONSTANTS.filter(({ id, value }) => e.abiConstant(id) !== value).map(
    ({ id, name, value }) => `${name} is ${e.abiConstant(id)} in the engine, ${value} in the facade`,
  );
  if (wrong.length > 0) {
    throw new MemvecError('INTERNAL', `memvec's WASM engine and its TypeScript disagree: ${wrong.join('; ')}`);
  }
  return e;
}
