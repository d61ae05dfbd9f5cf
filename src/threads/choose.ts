/**
 * How many threads an index or store runs its parallel calls on, and why: the `threads` option if
 * given (1 opts out), else every core this process may use; 1 wherever workers or the engine's threads
 * build are unavailable (platform.ts says why), with no error.
 */
import { MAX_GANG } from './control.js';
import { threadPlatform, type ThreadPlatform } from './platform.js';
import { threadsModule } from './threads-module.js';

export interface ThreadChoice {
  threads: number;
  reason: string;
  /** Set when threads > 1: the threads build and how workers start. */
  module: WebAssembly.Module | null;
  platform: ThreadPlatform;
}

export async function chooseThreads(requested: number | undefined): Promise<ThreadChoice> {
  const platform = await threadPlatform();
  if (requested === 1) return { threads: 1, reason: 'threads: 1 was asked for', module: null, platform };
  if (platform.host === null) return { threads: 1, reason: platform.reason, module: null, platform };
  const threads = Math.min(requested ?? platform.host.cores, MAX_GANG);
  if (threads === 1) return { threads: 1, reason: `${platform.reason}: one core`, module: null, platform };
  const module = await threadsModule();
  if (typeof module === 'string') return { threads: 1, reason: module, module: null, platform };
  return { threads, reason: platform.reason, module, platform };
}
