/**
 * WriterLock values: every backend's lock is released at most once, and says whether it still holds.
 */
import type { WriterLock } from './types.js';

/** A lock of `path` that runs `release` the first time it is released. */
export function heldOnce(path: string, release: () => void): WriterLock {
  let held = true;
  return {
    path,
    get held() {
      return held;
    },
    release() {
      if (!held) return;
      held = false;
      release();
    },
  };
}
