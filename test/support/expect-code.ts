// Assertions that a call fails with a MemvecError of a given code: the typed-error contract.
import { expect } from 'vitest';
import { MemvecError } from '../../src/errors.js';

function check(caught: unknown, code: string): void {
  expect(caught, `expected a MemvecError ${code}`).toBeInstanceOf(MemvecError);
  expect((caught as MemvecError).code).toBe(code);
}

/** `fn` throws synchronously. */
export function expectCode(fn: () => unknown, code: string): void {
  let caught: unknown;
  try {
    fn();
  } catch (err) {
    caught = err;
  }
  check(caught, code);
}

/** `fn` throws, synchronously or as a rejected promise. */
export async function expectCodeAsync(fn: () => unknown, code: string): Promise<void> {
  let caught: unknown;
  try {
    await fn();
  } catch (err) {
    caught = err;
  }
  check(caught, code);
}
