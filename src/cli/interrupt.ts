/**
 * Ctrl-C during long work: the first SIGINT aborts the command's AbortSignal, so memvec stops at its
 * next check and rolls back the commit in progress (the store keeps its last commit) and the command
 * exits as a failure with ABORTED. A second Ctrl-C quits at once: every commit is crash-safe, so even
 * that leaves the store at a commit.
 */
export interface Interrupt {
  readonly signal: AbortSignal;
  /** Stops listening (the process's default SIGINT handling returns). */
  dispose(): void;
}

export function onInterrupt(note: (line: string) => void): Interrupt {
  const controller = new AbortController();
  const handler = (): void => {
    if (controller.signal.aborted) process.exit(130);
    note('\nmemvec: interrupted; stopping (Ctrl-C again to quit now)');
    controller.abort();
  };
  process.on('SIGINT', handler);
  return {
    signal: controller.signal,
    dispose: () => void process.off('SIGINT', handler),
  };
}
