/**
 * Progress on stderr, with no dependency: on a terminal a bar redrawn in place (done/total, rate, time
 * left); otherwise (a pipe, a CI log) a plain line every few seconds, so logs stay readable and a
 * script watching them still sees the work move. Never on stdout: that is the result's.
 */
import { count, duration } from './output.js';

export interface Progress {
  /** `done` of `total` units; `note` is appended (e.g. how much is committed). */
  update(done: number, note?: string): void;
  /** The final state (always drawn), ending the bar's line. */
  finish(done: number, note?: string): void;
  /** After a failure: the final state only if progress was shown at all (else the error speaks alone). */
  stop(done: number, note?: string): void;
}

export interface ProgressOptions {
  label: string;
  total: number;
  /** Plural unit name: rows, entries, vectors. */
  unit: string;
  /** Default: whether stderr is a terminal. */
  tty?: boolean;
  /** Seconds between plain lines when not on a terminal. Default 2. */
  every?: number;
}

const BAR = 24;
const REDRAW_MS = 100;

export function createProgress(options: ProgressOptions): Progress {
  const { label, total, unit } = options;
  const tty = options.tty ?? Boolean(process.stderr.isTTY);
  const everyMs = (options.every ?? 2) * 1000;
  const start = Date.now();
  // The first plain line comes after `every` seconds (a short job prints only its final line); the bar at once.
  let last = tty ? 0 : start;
  let lastDone = -1;
  let shown = false;

  const stats = (done: number) => {
    const seconds = (Date.now() - start) / 1000;
    const rate = seconds > 0 ? done / seconds : 0;
    const left = rate > 0 ? (total - done) / rate : Infinity;
    const pct = total > 0 ? Math.min(100, Math.floor((100 * done) / total)) : 100;
    return { rate, left, pct };
  };

  const draw = (done: number, note: string | undefined, final: boolean) => {
    shown = true;
    const { rate, left, pct } = stats(done);
    const tail = `${count(Math.round(rate))} ${unit}/s${final ? '' : `, ${duration(left)} left`}${note ? `, ${note}` : ''}`;
    if (tty) {
      const filled = total > 0 ? Math.round((BAR * Math.min(done, total)) / total) : BAR;
      const bar = `${'█'.repeat(filled)}${'░'.repeat(BAR - filled)}`;
      process.stderr.write(`\r${label} ${bar} ${String(pct).padStart(3)}% ${count(done)}/${count(total)} ${unit}, ${tail}\x1b[K${final ? '\n' : ''}`);
    } else {
      process.stderr.write(`${label}: ${count(done)} of ${count(total)} ${unit} (${pct}%), ${tail}\n`);
    }
  };

  return {
    update(done, note) {
      const now = Date.now();
      if (now - last < (tty ? REDRAW_MS : everyMs) || done === lastDone) return;
      last = now;
      lastDone = done;
      draw(done, note, false);
    },
    finish(done, note) {
      draw(done, note, true);
    },
    stop(done, note) {
      if (shown) draw(done, note, true);
    },
  };
}
