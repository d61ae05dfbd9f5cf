/**
 * Counts the worker threads memvec starts in a browser, by watching the page's (or worker's) real
 * Worker class: each blob: module worker that posts memvec's `{ ready: true }` has instantiated the
 * engine on the shared memory and is waiting for jobs. engineInfo() saying threads > 1 does not prove
 * that: a worker that fails to start makes memvec fall back to one thread with the same answers.
 * Must run before memvec first looks at threads (it reads globalThis.Worker then).
 */
export function countReadyWorkers(): () => number {
  const g = globalThis as unknown as { Worker: typeof Worker };
  const Native = g.Worker;
  let ready = 0;
  g.Worker = class extends Native {
    constructor(url: string | URL, options?: WorkerOptions) {
      super(url, options);
      if (String(url).startsWith('blob:')) {
        this.addEventListener('message', (event: MessageEvent) => {
          if ((event.data as { ready?: unknown } | null)?.ready === true) ready++;
        });
      }
    }
  };
  return () => ready;
}
