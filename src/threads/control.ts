/**
 * The control block a gang (gang.ts) and its workers (worker-source.ts) share: a small
 * SharedArrayBuffer apart from engine memory. Int32 words:
 */
/** Bumped by the owner to post a job; workers sleep on it. */
export const GEN = 0;
/** Workers still running the current job; the owner sleeps (or spins) on it. */
export const PENDING = 1;
/** The job: an index into the export names the workers were given. */
export const FN = 2;
/** Workers 1..WORKERS take part in the job; the others skip it. */
export const WORKERS = 3;
/** Set by a worker whose call threw (a trap: memvec's bug); its error text follows by message. */
export const FAILED = 4;
/** Set (with a generation bump) to end the workers' loops. */
export const STOP = 5;
/** The job's arguments after the thread index: f64s from this byte offset. */
export const ARGS_BYTE = 64;
export const MAX_ARGS = 14;
/** Worker t's result is word RESULTS + t. */
export const RESULTS = 64;
/** Most threads a gang has, the owner's included (the engine's MAX_THREADS contexts). */
export const MAX_GANG = 256;
export const CONTROL_BYTES = (RESULTS + MAX_GANG) * 4;
