// The few assertions the shared runtime suite needs. vitest is not available inside a browser Worker
// or workerd, so the suite carries its own: small, exact, and with messages that say what differed.

export class CheckFailed extends Error {
  override name = 'CheckFailed';
}

export function ok(condition: unknown, message: string): asserts condition {
  if (!condition) throw new CheckFailed(message);
}

function show(value: unknown): string {
  try {
    return JSON.stringify(value, (_k, v: unknown) => (ArrayBuffer.isView(v) ? Array.from(v as unknown as ArrayLike<number>) : v));
  } catch {
    return String(value);
  }
}

/** Structural equality of JSON-like values and typed arrays (as arrays). */
export function equal(actual: unknown, expected: unknown, what: string): void {
  const a = show(actual);
  const e = show(expected);
  if (a !== e) throw new CheckFailed(`${what}: expected ${e.slice(0, 400)}, got ${a.slice(0, 400)}`);
}

export function close(actual: number, expected: number, tolerance: number, what: string): void {
  if (!(Math.abs(actual - expected) <= tolerance)) {
    throw new CheckFailed(`${what}: expected ${expected} ± ${tolerance}, got ${actual}`);
  }
}

interface ErrorClass {
  new (...args: never[]): Error;
}

/** `fn` must throw (or reject with) an instance of `errorClass` whose `code` is `code`. */
export async function throwsCode(fn: () => unknown, errorClass: ErrorClass, code: string, what: string): Promise<void> {
  let caught: unknown;
  try {
    await fn();
  } catch (err) {
    caught = err;
  }
  if (caught === undefined) throw new CheckFailed(`${what}: expected a ${errorClass.name} ${code}, nothing was thrown`);
  if (!(caught instanceof errorClass)) {
    throw new CheckFailed(`${what}: expected a ${errorClass.name} ${code}, got ${String(caught)}`);
  }
  const got = (caught as { code?: unknown }).code;
  if (got !== code) throw new CheckFailed(`${what}: expected code ${code}, got ${String(got)} (${(caught as Error).message})`);
}
