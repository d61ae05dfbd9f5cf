/**
 * memvec compact <store>: reclaims what deletes and upserts left behind, all or nothing (memvec
 * writes the compacted file beside the old one and renames it over it). Ctrl-C changes nothing.
 */
import { stat } from 'node:fs/promises';
import { isMemvecError, MemvecError } from '../index.js';
import type { Command } from './command.js';
import { closeStore, openStore } from './open-store.js';
import { bytes, count } from './output.js';
import { createProgress } from './progress.js';

export const compactCommand: Command = {
  spec: {
    name: 'compact',
    summary: 'Reclaims the space of deleted and replaced entries.',
    usage: '<store> [options]',
    positionals: ['store'],
    options: {},
    more: 'A snapshot (HnswIndex.save) is rewritten in place too. Ctrl-C leaves the store as it was.\n\nExamples:\n  memvec compact docs.mvi\n  memvec compact vectors.mvec --json',
  },

  async run({ args, out, signal }) {
    const path = args.positionals[0]!;
    const before = (await stat(path).catch(() => null))?.size;
    const store = await openStore(path, { write: true, signal });
    let reclaimed: number;
    let live: number;
    try {
      const total = store.kind === 'exact' ? store.store.stat().totalVectors : store.index.size();
      const progress = createProgress({ label: 'compact', total, unit: store.kind === 'exact' ? 'vectors' : 'entries' });
      let done = 0;
      const onProgress = (d: number): void => {
        done = d;
        progress.update(d);
      };
      try {
        if (store.kind === 'exact') {
          const deleted = store.store.stat().deletedVectors;
          const kept = await store.store.compact({ signal, onProgress });
          reclaimed = deleted;
          live = kept.length;
        } else {
          ({ reclaimed } = await store.index.compact({ signal, onProgress }));
          // A snapshot has no file of its own to follow: save the compacted index over it (atomically).
          if (store.kind === 'snapshot' && reclaimed > 0) await store.index.save(path);
          live = store.index.size();
        }
      } catch (err) {
        progress.stop(done);
        if (isMemvecError(err, 'ABORTED') && signal.aborted) throw new MemvecError('ABORTED', `interrupted: ${path} is unchanged`, { cause: err });
        throw err;
      }
      progress.finish(done);
    } finally {
      closeStore(store);
    }
    const after = (await stat(path)).size;
    const unit = store.kind === 'exact' ? 'deleted vectors' : 'deleted slots';
    out.result({ path, kind: store.kind, reclaimed, live, bytesBefore: before, bytesAfter: after }, () =>
      reclaimed === 0
        ? `${path}: nothing to reclaim (${count(live)} live, ${bytes(after)})`
        : `${path}: reclaimed ${count(reclaimed)} ${unit}; ${count(live)} live; ${bytes(before ?? 0)} → ${bytes(after)}`,
    );
  },
};
