/**
 * Time for long work: a clock for durations, and a way to let the event loop turn in the middle of
 * work (so an AbortSignal fired by a timer is seen, and the page or server stays responsive).
 */

/** Milliseconds, monotonic where the runtime has performance.now. */
export const now = (): number => (typeof performance !== 'undefined' ? performance.now() : Date.now());

/** Long work yields to the event loop this often, so an AbortSignal fired by a timer is seen. */
export const YIELD_MS = 20;

export function yieldToEventLoop(): Promise<void> {
  return new Promise((resolve) => {
    if (typeof setImmediate === 'function') setImmediate(resolve);
    else if (typeof MessageChannel === 'function') {
      // Browsers clamp nested setTimeout(0) to 4 ms; a message is delivered as soon as the loop turns.
      const channel = new MessageChannel();
      channel.port1.onmessage = () => {
        channel.port1.close();
        resolve();
      };
      channel.port2.postMessage(null);
    } else setTimeout(resolve, 0);
  });
}
