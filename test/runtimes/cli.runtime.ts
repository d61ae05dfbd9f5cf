/**
 * The `memvec` command from the installed tarball, the three ways a user starts it: `npx memvec`,
 * `bunx memvec` and `deno run -A npm:memvec`, each resolving the package's "bin" itself. Each imports a
 * real file (siftsmall's 100 queries, .fvecs), searches it, reads its stats, and keeps the exit codes.
 */
import { mkdirSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { SIFTSMALL_DIR } from '../../data/fvecs.mjs';
import { BIN, PROJECT } from './harness/project.js';
import { runProcess } from './harness/spawn.js';

const QUERIES = join(SIFTSMALL_DIR, 'siftsmall_query.fvecs');

const launchers: Array<{ name: string; cmd: string; args: string[] }> = [
  { name: 'npx memvec', cmd: 'npx', args: ['--no', 'memvec'] },
  { name: 'bunx memvec', cmd: join(BIN, 'bunx'), args: ['memvec'] },
  { name: 'deno run -A npm:memvec', cmd: join(BIN, 'deno'), args: ['run', '-A', 'npm:memvec'] },
];

describe.each(launchers)('$name (the installed package\'s bin)', ({ name, cmd, args }) => {
  const dir = join(PROJECT, `cli-${name.split(' ')[0]}`);
  const memvec = (...rest: string[]) => runProcess(cmd, [...args, ...rest], { cwd: PROJECT, timeoutMs: 120_000 });

  it('imports siftsmall queries into an index, finds each one first, stats it; exit codes 0 and 2', async () => {
    rmSync(dir, { recursive: true, force: true });
    mkdirSync(dir, { recursive: true });
    const store = join(dir, 'q.mvi');
    const imported = await memvec('import', QUERIES, '--into', store, '--metric', 'euclidean', '--json');
    expect(imported.code, imported.stderr).toBe(0);
    expect(JSON.parse(imported.stdout)).toMatchObject({ kind: 'hnsw', dimension: 128, imported: 100, entries: 100 });

    const searched = await memvec('search', store, '--query-file', QUERIES, '--k', '1', '--json');
    expect(searched.code, searched.stderr).toBe(0);
    const answers = JSON.parse(searched.stdout) as { key: string; distance: number }[][];
    expect(answers.map((a) => a[0]!.key)).toEqual(Array.from({ length: 100 }, (_, i) => String(i)));
    for (const a of answers) expect(a[0]!.distance).toBe(0);

    const stat = await memvec('stat', store);
    expect(stat.code, stat.stderr).toBe(0);
    expect(stat.stdout).toMatch(/^entries\s+100 live, 0 deleted slots$/m);

    const usage = await memvec('import', QUERIES);
    expect(usage.code).toBe(2);
    expect(usage.stderr).toContain('missing --into <store>');
  });
});
