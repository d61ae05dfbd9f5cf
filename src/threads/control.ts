/**
 * The control block a gang (gang.ts) and its workers (worker-source.ts) share: a small
 * SharedArrayBuffer apart from engine memory. Int32 words:
 */
/**
 * Changed by the owner to post a job; workers sleep on it. It holds the job's sequence number above
 * the number of workers taking part (low GEN_WORKER_BITS bits), so that a worker learns both from one
 * read: read separately, a worker waking late could see the next job's count and run that job twice.
 */
export const GEN = 0;
export const GEN_WORKER_BITS = 8;
/** Workers still running the current job; the owner sleeps (or spins) on it. */
export const PENDING = 1;
/** The job: an index into the export names the workers were given. */
export const FN = 2;
/**
 * Set by a worker whose call threw (a trap: memvec's bug). The first to set it writes its error text
 * (UTF-8) at ERROR_BYTE and the text's length in ERROR_LENGTH, which the owner's synchronous join can
 * read (a message would arrive only after the call returned).
 */
export const FAILED = 4;
/** Set (with a generation bump) to end the workers' loops. */
export const STOP = 5;
/** The job's arguments after the thread index: f64s from this byte offset. */
export const ARGS_BYTE = 64;
export const MAX_ARGS = 14;
/** Worker t's result is word RESULTS + t. */
export const RESULTS = 64;
/** Most threads a gang has, the owner's included (the engine's MAX_THREADS contexts; workers fit GEN's low bits). */
export const MAX_GANG = 1 << GEN_WORKER_BITS;
/** The failing worker's error text: its byte length, and the bytes (at most ERROR_MAX_BYTES). */
export const ERROR_LENGTH = 6;
export const ERROR_BYTE = (RESULTS + MAX_GANG) * 4;
export const ERROR_MAX_BYTES = 2048;
export const CONTROL_BYTES = ERROR_BYTE + ERROR_MAX_BYTES;
