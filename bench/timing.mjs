// Timing helpers. Every number the bench prints comes from these clocks in the same run.

export const now = () => performance.now();

export function median(xs) {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
}

/**
 * Calls `fn(i)` repeatedly (i = 0, 1, ...) after `warmup` untimed calls, until at least `minReps` calls
 * and `minMs` of timed work, or `maxReps` calls. Returns per-call milliseconds (median, min, mean).
 */
export function timeCalls(fn, { warmup = 1, minReps = 3, maxReps = 1e9, minMs = 500 } = {}) {
  for (let i = 0; i < warmup; i++) fn(i);
  const samples = [];
  let total = 0;
  for (let i = 0; i < maxReps && (i < minReps || total < minMs); i++) {
    const t0 = now();
    fn(i);
    const dt = now() - t0;
    samples.push(dt);
    total += dt;
  }
  return { median: median(samples), min: Math.min(...samples), mean: total / samples.length, reps: samples.length };
}

/** As timeCalls, for a function returning a promise. */
export async function timeCallsAsync(fn, { warmup = 1, minReps = 3, maxReps = 1e9, minMs = 500 } = {}) {
  for (let i = 0; i < warmup; i++) await fn(i);
  const samples = [];
  let total = 0;
  for (let i = 0; i < maxReps && (i < minReps || total < minMs); i++) {
    const t0 = now();
    await fn(i);
    const dt = now() - t0;
    samples.push(dt);
    total += dt;
  }
  return { median: median(samples), min: Math.min(...samples), mean: total / samples.length, reps: samples.length };
}
