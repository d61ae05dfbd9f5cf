/** What a runtime's worker threads look like to memvec (platform.ts makes them). */

/** A started worker, whatever the runtime's Worker is. */
export interface WorkerPort {
  /** Lets the process exit while this worker lives (a no-op where workers never hold it). */
  unref(): void;
  post(message: unknown): void;
  onMessage(listener: (message: unknown) => void): void;
  onError(listener: (err: unknown) => void): void;
  terminate(): void;
}

export interface ThreadHost {
  /** Cores this process may use (os.availableParallelism, navigator.hardwareConcurrency). */
  cores: number;
  /** How workers are started: 'worker_threads' or 'web-worker'. */
  kind: string;
  /** The worker source's side of the messages (see worker-source.ts): defines `post` and `first`. */
  channel: string;
  /** Whether the channel's readAt can read a file descriptor (worker_threads): workers read their share of a scan. */
  readsFiles: boolean;
  /** Starts a worker running `source` (worker-source.ts with this host's channel). */
  spawn(source: string): WorkerPort;
}
