// The `memvec` command as users run it: the built binary (dist/cli.js, package.json "bin") in a child
// process, on real files: siftsmall as .fvecs (recall against its groundtruth), a generated .npy
// (exact answers against brute force) and JSON Lines (keys, metadata, object filters); stat, compact,
// export to a real pgvector (PGlite); usage errors exit 2, failures exit 1 with the MemvecError code,
// --json parses; Ctrl-C (a real SIGINT) or SIGKILL mid-import leaves the store at a commit; a progress bar
// on a terminal (a real pty through script(1)); and the same binary under Bun and Deno.
// Reads dist/: `npx tsup` first (npm test builds before it tests).
import { spawn } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadSiftSmall, SIFTSMALL_DIR } from '../data/fvecs.mjs';
import { HnswIndex, MemMapVector } from '../src/index.js';
import { randomVectors } from './support/random.js';
import { connectClient, startPgvector, type PgvectorServer } from './support/pgvector-server.js';
import { row } from './support/rows.js';

const REPO = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const CLI = join(REPO, 'dist', 'cli.js');
const BIN = join(REPO, 'node_modules', '.bin');
const DIR = join(REPO, '.tmp', 'cli-test');
const SIFT_BASE = join(SIFTSMALL_DIR, 'siftsmall_base.fvecs');
const SIFT_QUERY = join(SIFTSMALL_DIR, 'siftsmall_query.fvecs');

interface Ran {
  code: number | null;
  stdout: string;
  stderr: string;
}

type Runtime = 'node' | 'bun' | 'deno';
const RUNTIMES: Record<Runtime, string[]> = {
  // `node` from PATH: inside Bun or Deno (npm test runs this file there too) process.execPath is not Node.
  node: ['node', CLI],
  bun: [join(BIN, 'bun'), CLI],
  deno: [join(BIN, 'deno'), 'run', '-A', CLI],
};

interface RunOptions {
  runtime?: Runtime;
  /** Called with the child and each chunk of stderr as it arrives. */
  onStderr?: (child: ReturnType<typeof spawn>, stderrSoFar: string) => void;
}

function cli(args: string[], options: RunOptions = {}): Promise<Ran> {
  const [cmd, ...pre] = RUNTIMES[options.runtime ?? 'node'];
  return new Promise((done, fail) => {
    const child = spawn(cmd!, [...pre, ...args], { cwd: DIR, stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, NO_COLOR: '1' } });
    let stdout = '';
    let stderr = '';
    const timer = setTimeout(() => child.kill('SIGKILL'), 60_000);
    child.stdout!.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr!.on('data', (d: Buffer) => {
      stderr += d.toString();
      options.onStderr?.(child, stderr);
    });
    child.on('error', fail);
    child.on('close', (code) => {
      clearTimeout(timer);
      done({ code, stdout, stderr });
    });
  });
}

/** A failure: exit 1, one line on stderr naming the code, no stack trace. */
function expectFailure(ran: Ran, code: string): void {
  expect(ran.code, ran.stderr).toBe(1);
  const lines = ran.stderr.trim().split('\n').filter((l) => !/^(import|compact|export): /.test(l));
  expect(lines, ran.stderr).toHaveLength(1);
  expect(lines[0]).toContain(`: ${code}: `);
  expect(ran.stderr).not.toMatch(/^\s+at /m);
}

/** A usage error: exit 2, one line on stderr pointing at --help. */
function expectUsage(ran: Ran, message: string | RegExp): void {
  expect(ran.code, ran.stderr).toBe(2);
  expect(ran.stderr.trim().split('\n')).toHaveLength(1);
  expect(ran.stderr).toMatch(message);
  expect(ran.stderr).toContain('--help');
}

/** A NumPy .npy file (format 1.0), written here independently of the CLI's reader. */
function writeNpy(path: string, descr: string, shape: number[], data: ArrayBufferView, fortran = false): void {
  let dict = `{'descr': '${descr}', 'fortran_order': ${fortran ? 'True' : 'False'}, 'shape': (${shape.join(', ')}${shape.length === 1 ? ',' : ''}), }`;
  // The header (magic, version, length, dict, '\n') is padded with spaces to a multiple of 64 bytes.
  dict = dict.padEnd(Math.ceil((10 + dict.length + 1) / 64) * 64 - 10 - 1, ' ') + '\n';
  const head = new Uint8Array(10 + dict.length);
  head.set([0x93, ...Buffer.from('NUMPY'), 1, 0]);
  new DataView(head.buffer).setUint16(8, dict.length, true);
  head.set(Buffer.from(dict, 'latin1'), 10);
  writeFileSync(path, Buffer.concat([head, new Uint8Array(data.buffer, data.byteOffset, data.byteLength)]));
}

function cosine(a: Float32Array, b: Float32Array): number {
  let dot = 0, na = 0, nb = 0;
  for (let i = 0; i < a.length; i++) (dot += a[i]! * b[i]!), (na += a[i]! ** 2), (nb += b[i]! ** 2);
  return dot / Math.sqrt(na * nb);
}

const NPY_N = 3000;
const BIG_N = 40_000;
const NPY_DIM = 24;
const npyData = randomVectors(NPY_N, NPY_DIM, 5);

interface Doc {
  lang: string;
  year: number;
}
const DOCS = Array.from({ length: 500 }, (_, i) => ({
  key: `doc-${i}`,
  vector: Array.from(randomVectors(1, 16, 100 + i)),
  metadata: { lang: ['en', 'fr', 'de'][i % 3]!, year: 2000 + (i % 25) } satisfies Doc,
}));

beforeAll(() => {
  if (!existsSync(CLI)) throw new Error(`${CLI} is missing: build first (npx tsup)`);
  rmSync(DIR, { recursive: true, force: true });
  mkdirSync(DIR, { recursive: true });
  writeNpy(join(DIR, 'vectors.npy'), '<f4', [NPY_N, NPY_DIM], npyData);
  writeFileSync(join(DIR, 'docs.jsonl'), `${DOCS.map((d) => JSON.stringify(d)).join('\n')}\n`);
  // Large enough that importing it takes several seconds: the signal tests interrupt it midway.
  writeNpy(join(DIR, 'big.npy'), '<f4', [BIG_N, 32], randomVectors(BIG_N, 32, 9));
});

describe('memvec import → search, on real files', () => {
  it('siftsmall (.fvecs) into a persistent HNSW index: recall@10 ≥ 0.95 against the groundtruth; stat', async () => {
    // On two threads (the CLI's and a worker): the recall below holds for a parallel build too.
    const imported = await cli(['import', SIFT_BASE, '--into', 'sift.mvi', '--metric', 'euclidean', '--M', '16', '--ef-construction', '200', '--quantization', 'f32', '--threads', '2', '--json']);
    expect(imported.code, imported.stderr).toBe(0);
    expect(JSON.parse(imported.stdout)).toMatchObject({ format: 'fvecs', kind: 'hnsw', dimension: 128, metric: 'euclidean', imported: 10_000, entries: 10_000 });
    // Not a terminal: plain progress lines, never on stdout.
    expect(imported.stderr).toMatch(/^import: 10,000 of 10,000 rows \(100%\), [\d,]+ rows\/s$/m);

    const searched = await cli(['search', 'sift.mvi', '--query-file', SIFT_QUERY, '--k', '10', '--ef', '64', '--json']);
    expect(searched.code, searched.stderr).toBe(0);
    const answers = JSON.parse(searched.stdout) as { key: string; score: number; distance: number }[][];
    const { groundtruth } = loadSiftSmall();
    expect(answers).toHaveLength(100);
    let hits = 0;
    answers.forEach((hits10, q) => {
      expect(hits10).toHaveLength(10);
      const got = new Set(hits10.map((h) => Number(h.key)));
      for (let j = 0; j < 10; j++) if (got.has(groundtruth.data[q * groundtruth.dim + j]!)) hits++;
      expect(hits10[0]!.score).toBeCloseTo(-hits10[0]!.distance, 6);
    });
    expect(hits / 1000).toBeGreaterThanOrEqual(0.95);

    const stat = await cli(['stat', 'sift.mvi', '--json']);
    expect(stat.code, stat.stderr).toBe(0);
    expect(JSON.parse(stat.stdout)).toMatchObject({ kind: 'hnsw', dimension: 128, metric: 'euclidean', M: 16, efConstruction: 200, entries: 10_000, deletedSlots: 0 });
    const human = await cli(['stat', 'sift.mvi']);
    expect(human.stdout).toMatch(/^kind\s+persistent HNSW index$/m);
    expect(human.stdout).toMatch(/^entries\s+10,000 live, 0 deleted slots$/m);
  });

  it('a generated .npy into an exact store (--exact): the exact top-k, as brute-force cosine ranks it', async () => {
    const imported = await cli(['import', 'vectors.npy', '--into', 'vectors.mvec', '--exact', '--batch-size', '700']);
    expect(imported.code, imported.stderr).toBe(0);
    expect(imported.stdout).toMatch(/^imported 3,000 rows \(24-d\) from vectors\.npy into vectors\.mvec \(exact store, cosine, f32\)/);
    const store = await MemMapVector.open(join(DIR, 'vectors.mvec'), { readOnly: true });
    expect(store.getTotalVectors()).toBe(NPY_N);
    expect(Array.from(store.getVectorByVectorId(1234)!)).toEqual(Array.from(row(npyData, NPY_DIM, 1234)));
    store.close();

    const query = randomVectors(1, NPY_DIM, 77);
    const ranked = Array.from({ length: NPY_N }, (_, i) => ({ key: String(i), score: cosine(query, row(npyData, NPY_DIM, i)) }))
      .sort((a, b) => b.score - a.score).slice(0, 5);
    const searched = await cli(['search', 'vectors.mvec', '--vector', JSON.stringify(Array.from(query)), '--k', '5', '--json']);
    expect(searched.code, searched.stderr).toBe(0);
    const hits = JSON.parse(searched.stdout) as { key: string; score: number }[];
    expect(hits.map((h) => h.key)).toEqual(ranked.map((r) => r.key));
    hits.forEach((h, i) => expect(h.score).toBeCloseTo(ranked[i]!.score, 5));

    const stat = await cli(['stat', 'vectors.mvec', '--json']);
    expect(JSON.parse(stat.stdout)).toMatchObject({ kind: 'exact', dimension: NPY_DIM, metric: 'cosine', validVectors: NPY_N, deletedVectors: 0 });
  });

  it('--quantization: an i8 index and an f16 exact store answer as f32 ones do; stat says the kind; another kind is refused', async () => {
    const query = JSON.stringify(Array.from(randomVectors(1, NPY_DIM, 78)));
    const answers: Record<string, unknown> = {};
    for (const [name, args] of [
      ['f32.mvi', []], ['i8.mvi', ['--quantization', 'i8']], ['f32.mvec', ['--exact']], ['f16.mvec', ['--exact', '--quantization', 'f16']],
    ] as const) {
      const imported = await cli(['import', 'vectors.npy', '--into', name, ...args, '--json']);
      expect(imported.code, imported.stderr).toBe(0);
      const kind = name.split('.')[0];
      expect(JSON.parse(imported.stdout)).toMatchObject({ quantization: kind, imported: NPY_N });
      expect(JSON.parse((await cli(['stat', name, '--json'])).stdout)).toMatchObject({ quantization: kind });
      // ef above the size: the index search is exhaustive, so every kind gives the exact answer.
      const searched = await cli(['search', name, '--vector', query, '--k', '5', ...(name.endsWith('.mvi') ? ['--ef', '4000'] : []), '--json']);
      expect(searched.code, searched.stderr).toBe(0);
      answers[name] = (JSON.parse(searched.stdout) as { key: string }[]).map((h) => h.key);
    }
    expect(answers['i8.mvi']).toEqual(answers['f32.mvi']);
    expect(answers['f16.mvec']).toEqual(answers['f32.mvec']);
    expect(answers['f32.mvi']).toEqual(answers['f32.mvec']);
    expectFailure(await cli(['import', 'vectors.npy', '--into', 'i8.mvi', '--quantization', 'f16']), 'INVALID_ARGUMENT');
    expectFailure(await cli(['import', 'vectors.npy', '--into', 'f16.mvec', '--exact', '--quantization', 'i8']), 'INVALID_ARGUMENT');
  });

  it('JSON Lines into an exact store: the vectors in file order, with a note that keys and metadata are not kept', async () => {
    const imported = await cli(['import', 'docs.jsonl', '--into', 'docs.mvec', '--exact']);
    expect(imported.code, imported.stderr).toBe(0);
    expect(imported.stderr).toContain('an exact store keeps vectors only');
    const store = await MemMapVector.open(join(DIR, 'docs.mvec'), { readOnly: true });
    expect(store.getTotalVectors()).toBe(DOCS.length);
    expect(Array.from(store.getVectorByVectorId(9)!)).toEqual(Array.from(Float32Array.from(DOCS[9]!.vector)));
    store.close();
  });

  it('JSON Lines keep their keys and metadata; --filter takes object filters; tables for people', async () => {
    const imported = await cli(['import', 'docs.jsonl', '--into', 'docs.mvi', '--metric', 'cosine', '--batch-size', '200']);
    expect(imported.code, imported.stderr).toBe(0);
    const index = await HnswIndex.open<Doc>(join(DIR, 'docs.mvi'), { readOnly: true });
    expect(index.size()).toBe(DOCS.length);
    expect(index.get('doc-7')?.metadata).toEqual(DOCS[7]!.metadata);
    index.close();

    const query = JSON.stringify(DOCS[43]!.vector);
    const filter = JSON.stringify({ lang: 'fr', year: { $gte: 2010 } });
    const searched = await cli(['search', 'docs.mvi', '--vector', query, '--k', '5', '--filter', filter, '--json']);
    expect(searched.code, searched.stderr).toBe(0);
    const hits = JSON.parse(searched.stdout) as { key: string; metadata: Doc }[];
    expect(hits).toHaveLength(5);
    for (const h of hits) expect(h.metadata.lang === 'fr' && h.metadata.year >= 2010, h.key).toBe(true);
    // doc-43 itself is French and from 2018: its own vector finds it first.
    expect(hits[0]!.key).toBe('doc-43');

    const human = await cli(['search', 'docs.mvi', '--vector', query, '--k', '3']);
    expect(human.code).toBe(0);
    const lines = human.stdout.trim().split('\n');
    expect(lines[0]).toMatch(/^rank\s+key\s+score\s+metadata$/);
    expect(lines[2]).toMatch(/^\s*1\s+doc-43\s+1\.0000\d+\s+\{"lang":"fr","year":2018\}$/);
    expect(lines).toHaveLength(5);
  });
});

describe('memvec compact', () => {
  it('an index after upserts: reclaims every replaced slot, the file shrinks, the entries stay', async () => {
    expect((await cli(['import', 'docs.jsonl', '--into', 'churn.mvi'])).code).toBe(0);
    expect((await cli(['import', 'docs.jsonl', '--into', 'churn.mvi'])).code).toBe(0); // the same keys again: upserts
    const before = JSON.parse((await cli(['stat', 'churn.mvi', '--json'])).stdout) as { entries: number; deletedSlots: number; fileBytes: number };
    expect(before).toMatchObject({ entries: DOCS.length, deletedSlots: DOCS.length });
    const compacted = await cli(['compact', 'churn.mvi', '--json']);
    expect(compacted.code, compacted.stderr).toBe(0);
    expect(JSON.parse(compacted.stdout)).toMatchObject({ kind: 'hnsw', reclaimed: DOCS.length, live: DOCS.length, bytesBefore: before.fileBytes });
    const after = JSON.parse((await cli(['stat', 'churn.mvi', '--json'])).stdout) as { entries: number; deletedSlots: number; fileBytes: number };
    expect(after).toMatchObject({ entries: DOCS.length, deletedSlots: 0 });
    expect(after.fileBytes).toBeLessThan(before.fileBytes);
    const again = await cli(['compact', 'churn.mvi']);
    expect(again.stdout).toMatch(/nothing to reclaim/);
  });

  it('a snapshot (HnswIndex.save) is a store too: stat, search, and compact rewrites it in place', async () => {
    const index = await HnswIndex.create<Doc>({ dimension: 16 });
    await index.batchInsert(DOCS);
    index.deleteMany({ lang: 'de' });
    await index.save(join(DIR, 'docs.hnsw'));
    index.close();
    const stat = JSON.parse((await cli(['stat', 'docs.hnsw', '--json'])).stdout) as Record<string, unknown>;
    expect(stat).toMatchObject({ kind: 'snapshot', entries: 334, deletedSlots: 166, dimension: 16 });
    const searched = await cli(['search', 'docs.hnsw', '--vector', JSON.stringify(DOCS[43]!.vector), '--k', '1', '--json']);
    expect((JSON.parse(searched.stdout) as { key: string }[])[0]!.key).toBe('doc-43');
    const compacted = await cli(['compact', 'docs.hnsw', '--json']);
    expect(compacted.code, compacted.stderr).toBe(0);
    expect(JSON.parse(compacted.stdout)).toMatchObject({ kind: 'snapshot', reclaimed: 166, live: 334 });
    const again = await HnswIndex.load<Doc>(join(DIR, 'docs.hnsw'));
    expect(again.stats()).toMatchObject({ entries: 334, deletedSlots: 0 });
    expect(again.get('doc-43')?.metadata).toEqual(DOCS[43]!.metadata);
    again.close();
  });

  it('an exact store with deleted vectors: they are gone, the file shrinks', async () => {
    expect((await cli(['import', 'vectors.npy', '--into', 'deleted.mvec', '--exact'])).code).toBe(0);
    const store = await MemMapVector.open(join(DIR, 'deleted.mvec'));
    store.markDeleted(Array.from({ length: 1000 }, (_, i) => i * 2));
    store.close();
    const size = statSync(join(DIR, 'deleted.mvec')).size;
    const compacted = await cli(['compact', 'deleted.mvec']);
    expect(compacted.code, compacted.stderr).toBe(0);
    expect(compacted.stdout).toMatch(/reclaimed 1,000 deleted vectors; 2,000 live/);
    expect(statSync(join(DIR, 'deleted.mvec')).size).toBeLessThan(size);
    const stat = JSON.parse((await cli(['stat', 'deleted.mvec', '--json'])).stdout) as { validVectors: number; deletedVectors: number };
    expect(stat).toMatchObject({ validVectors: 2000, deletedVectors: 0 });
  });
});

describe('memvec export --postgres (PGlite + pgvector)', () => {
  let server: PgvectorServer;
  beforeAll(async () => {
    server = await startPgvector();
  });
  afterAll(async () => {
    await server?.close();
  });

  it('the table holds every entry with its metadata, and pgvector ranks as memvec does', async () => {
    const exported = await cli(['export', 'docs.mvi', '--postgres', server.url, '--table', 'cli_docs', '--json']);
    expect(exported.code, exported.stderr).toBe(0);
    expect(JSON.parse(exported.stdout)).toMatchObject({ table: 'cli_docs', copied: DOCS.length, dimension: 16, metric: 'cosine', m: 16, efConstruction: 200 });
    const client = await connectClient(server.url);
    try {
      const { rows } = await client.query<{ n: string }>('SELECT count(*) AS n FROM cli_docs');
      expect(Number(rows[0]!.n)).toBe(DOCS.length);
      const meta = await client.query<{ metadata: Doc }>(`SELECT metadata FROM cli_docs WHERE key = 'doc-7'`);
      expect(meta.rows[0]!.metadata).toEqual(DOCS[7]!.metadata);
      await client.query('SET enable_indexscan = off');
      const nearest = await client.query<{ key: string }>('SELECT key FROM cli_docs ORDER BY embedding <=> $1 LIMIT 1', [JSON.stringify(DOCS[42]!.vector)]);
      expect(nearest.rows[0]!.key).toBe('doc-42');
    } finally {
      await client.end();
    }
  });

  it('a bad table name is INVALID_ARGUMENT (exit 1); an unreachable server is IO, without the URL', async () => {
    expectFailure(await cli(['export', 'docs.mvi', '--postgres', server.url, '--table', 'bad name; drop']), 'INVALID_ARGUMENT');
    const secret = 'postgres://me:s3cret@127.0.0.1:1/nowhere';
    const ran = await cli(['export', 'docs.mvi', '--postgres', secret, '--table', 'cli_docs']);
    expectFailure(ran, 'IO');
    expect(ran.stderr).not.toContain('s3cret');
  });
});

describe('exit codes and errors', () => {
  it('usage errors exit 2 with one line pointing at --help (and a JSON error with --json)', async () => {
    expectUsage(await cli(['frobnicate']), /unknown command 'frobnicate'/);
    expectUsage(await cli(['import', 'docs.jsonl', '--into', 'x.mvi', '--frob']), /Unknown option '--frob'/);
    expectUsage(await cli(['import', 'docs.jsonl']), /missing --into <store>/);
    expectUsage(await cli(['import', '--into', 'x.mvi']), /missing <file>/);
    expectUsage(await cli(['import', 'docs.jsonl', '--into', 'x.mvi', '--quantization', 'int8']), /--quantization must be one of f32, f16, i8, got 'int8'/);
    expectUsage(await cli(['import', 'docs.jsonl', '--into', 'x.mvi', '--metric', 'manhattan']), /--metric must be one of cosine, euclidean, dot/);
    expectUsage(await cli(['import', 'docs.jsonl', '--into', 'x.mvi', '--M', '1']), /--M must be an integer from 2 to 128/);
    expectUsage(await cli(['import', 'vectors.npy', '--into', 'x.mvec', '--exact', '--M', '8']), /--M cannot be used with --exact/);
    expectUsage(await cli(['import', 'docs.jsonl', '--into', 'x.mvi', '--threads', '0']), /--threads must be an integer from 1 to 256/);
    expectUsage(await cli(['import', 'vectors.npy', '--into', 'x.mvec', '--exact', '--threads', '2']), /--threads cannot be used with --exact/);
    expectUsage(await cli(['import', 'data.csv', '--into', 'x.mvi']), /cannot tell the format of 'data.csv'/);
    expectUsage(await cli(['search', 'docs.mvi']), /exactly one of --vector and --query-file/);
    expectUsage(await cli(['search', 'docs.mvi', '--vector', '[1,2', '--k', '3']), /--vector is not valid JSON/);
    expectUsage(await cli(['search', 'docs.mvi', '--vector', '[1]', '--k', '0']), /--k must be an integer/);
    expectUsage(await cli(['search', 'docs.mvi', '--vector', '[1]', '--filter', '[1]']), /--filter must be a JSON object/);
    expectUsage(await cli(['search', 'vectors.mvec', '--vector', JSON.stringify(Array(NPY_DIM).fill(1)), '--filter', '{}']), /--filter needs an HNSW index/);
    expectUsage(await cli(['export', 'docs.mvi', '--table', 't']), /missing --postgres <url>/);
    expect(existsSync(join(DIR, 'x.mvi')) || existsSync(join(DIR, 'x.mvec'))).toBe(false);

    const json = await cli(['import', 'docs.jsonl', '--into', 'x.mvi', '--quantization', 'pq', '--json']);
    expect(json.code).toBe(2);
    expect(JSON.parse(json.stdout)).toEqual({ error: { code: 'USAGE', message: expect.stringContaining('--quantization must be one of f32, f16, i8') } });
  });

  it('--help for memvec and each command exits 0 and lists the options', async () => {
    const top = await cli(['--help']);
    expect(top.code).toBe(0);
    for (const name of ['import', 'search', 'stat', 'compact', 'export']) expect(top.stdout).toContain(`  ${name} `);
    const help = await cli(['search', '--help']);
    expect(help.code).toBe(0);
    expect(help.stdout).toMatch(/^Usage: memvec search <store>/);
    for (const flag of ['--vector', '--query-file', '--k', '--ef', '--filter', '--json', '--verbose']) expect(help.stdout).toContain(flag);
    expect((await cli([])).code).toBe(2);
  });

  it('failures exit 1 with the MemvecError code on one line; --verbose adds the stack; --json gives the code', async () => {
    expectFailure(await cli(['stat', 'missing.mvi']), 'IO');
    expectFailure(await cli(['search', 'sift.mvi', '--vector', '[1, 2, 3]']), 'DIMENSION_MISMATCH');
    const query = JSON.stringify(DOCS[0]!.vector);
    expectFailure(await cli(['search', 'docs.mvi', '--vector', query, '--filter', '{"year":{"$after":2020}}']), 'INVALID_ARGUMENT');
    expectFailure(await cli(['search', 'sift.mvi', '--query-file', 'vectors.npy']), 'DIMENSION_MISMATCH');
    // A JSON Lines file whose rows disagree: nothing of the failing batch is committed.
    writeFileSync(join(DIR, 'ragged.jsonl'), '{"key":"a","vector":[1,2]}\n\n{"key":"b","vector":[1,2,3]}\n');
    const ragged = await cli(['import', 'ragged.jsonl', '--into', 'ragged.mvi']);
    expectFailure(ragged, 'DIMENSION_MISMATCH');
    expect(ragged.stderr).toContain('ragged.jsonl: line 3');
    // Every line is checked before the store is created.
    expect(existsSync(join(DIR, 'ragged.mvi'))).toBe(false);
    // A row memvec itself refuses (a zero vector for cosine) in a later batch: the batches before it
    // are committed, and the error says so; the store holds exactly them.
    writeFileSync(join(DIR, 'zero.jsonl'), '{"key":"a","vector":[1,2]}\n{"key":"b","vector":[0,0]}\n');
    const partial = await cli(['import', 'zero.jsonl', '--into', 'partial.mvi', '--batch-size', '1']);
    expectFailure(partial, 'INVALID_VECTOR');
    expect(partial.stderr).toContain('(the 1 rows before its batch were committed to partial.mvi)');
    expect(partial.stderr).not.toMatch(/^import: /m); // no progress was shown, so no progress line after the error
    const kept = await HnswIndex.open(join(DIR, 'partial.mvi'), { readOnly: true });
    expect(kept.keys()).toEqual(['a']);
    kept.close();
    // A zero vector has no cosine direction: memvec's own check, pointed at the file's row.
    const zeros = new Float32Array(4 * 8).fill(1);
    zeros.fill(0, 2 * 8, 3 * 8);
    writeNpy(join(DIR, 'zero.npy'), '<f4', [4, 8], zeros);
    const zero = await cli(['import', 'zero.npy', '--into', 'zero.mvi']);
    expectFailure(zero, 'INVALID_VECTOR');
    expect(zero.stderr).toContain('zero.npy, row 2');
    // It failed in its first batch: the store it was creating is gone, not left behind empty.
    expect(existsSync(join(DIR, 'zero.mvi'))).toBe(false);

    // .npy other than float32, 2-D, C order: refused, saying what it holds.
    writeNpy(join(DIR, 'f64.npy'), '<f8', [2, 3], new Float64Array(6).fill(1));
    const f64 = await cli(['import', 'f64.npy', '--into', 'f64.mvi']);
    expectFailure(f64, 'INVALID_ARGUMENT');
    expect(f64.stderr).toMatch(/holds float64 \('<f8'\); memvec import reads float32 \('<f4'\) only/);
    writeNpy(join(DIR, 'fortran.npy'), '<f4', [2, 3], new Float32Array(6).fill(1), true);
    expect((await cli(['import', 'fortran.npy', '--into', 'f.mvi'])).stderr).toMatch(/Fortran \(column-major\) order/);
    writeNpy(join(DIR, 'cube.npy'), '<f4', [2, 2, 2], new Float32Array(8).fill(1));
    expect((await cli(['import', 'cube.npy', '--into', 'f.mvi'])).stderr).toMatch(/has shape \(2, 2, 2\); memvec import reads a 2-D array/);
    writeFileSync(join(DIR, 'short.npy'), readFileSync(join(DIR, 'vectors.npy')).subarray(0, 1000));
    expectFailure(await cli(['import', 'short.npy', '--into', 'f.mvi']), 'INVALID_ARGUMENT');
    expect(existsSync(join(DIR, 'f.mvi')) || existsSync(join(DIR, 'f64.mvi'))).toBe(false);

    // The wrong kind of file: memvec names what it is.
    const wrong = await cli(['import', 'vectors.npy', '--into', 'docs.mvi', '--exact']);
    expectFailure(wrong, 'CORRUPT_FILE');
    expect(wrong.stderr).toContain('persistent memvec HNSW index');

    // Another writer holds the index: LOCKED at once, nothing imported.
    const holder = await HnswIndex.open(join(DIR, 'docs.mvi'));
    try {
      const locked = await cli(['import', 'docs.jsonl', '--into', 'docs.mvi', '--json']);
      expectFailure(locked, 'LOCKED');
      expect(JSON.parse(locked.stdout)).toEqual({ error: { code: 'LOCKED', message: expect.any(String) } });
    } finally {
      holder.close();
    }

    // A reader that stops early (| head) ends the output quietly.
    const piped = await new Promise<Ran>((done, fail) => {
      const child = spawn('sh', ['-c', `node ${CLI} search sift.mvi --query-file ${SIFT_QUERY} --k 50 | head -n 3`], { cwd: DIR });
      let stdout = '';
      let stderr = '';
      child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
      child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
      child.on('error', fail);
      child.on('close', (code) => done({ code, stdout, stderr }));
    });
    expect(piped.stdout.split('\n')[0]).toBe('query 0:');
    expect(piped.stderr).toBe('');

    const verbose = await cli(['stat', 'missing.mvi', '--verbose']);
    expect(verbose.code).toBe(1);
    expect(verbose.stderr).toMatch(/^\s+at /m);
  });
});

describe('Ctrl-C and progress', () => {
  it('SIGINT mid-import aborts through the AbortSignal: exit 1 ABORTED, the store keeps exactly its last commit', async () => {
    const n = BIG_N;
    let sent = false;
    const ran = await cli(['import', 'big.npy', '--into', 'big.mvi', '--batch-size', '1000', '--ef-construction', '100'], {
      onStderr: (child, stderr) => {
        // The first plain progress line that reports a commit: the import is under way, part of it durable.
        if (!sent && /, [1-9][\d,]* committed$/m.test(stderr)) {
          sent = true;
          // By pid, not child.kill(): Deno's child_process then reports a SIGINT exit whatever the code was.
          process.kill(child.pid!, 'SIGINT');
        }
      },
    });
    expect(sent, ran.stderr).toBe(true);
    expect(ran.code, ran.stderr).toBe(1);
    const m = new RegExp(`: ABORTED: interrupted: (\\d+) of ${BIG_N} rows were committed to big\\.mvi, which keeps them`).exec(ran.stderr);
    expect(m, ran.stderr).not.toBeNull();
    const committed = Number(m![1]);
    expect(committed).toBeGreaterThan(0);
    expect(committed).toBeLessThan(n);
    expect(committed % 1000).toBe(0);

    const index = await HnswIndex.open(join(DIR, 'big.mvi'));
    try {
      expect(index.size()).toBe(committed);
      expect(index.has('0') && index.has(String(committed - 1))).toBe(true);
      expect(index.has(String(committed))).toBe(false);
    } finally {
      index.close(); // a writer could open it: the interrupted import released its lock
    }
  });

  it('SIGKILL mid-import: the store opens at a whole batch, at least the last one reported committed', async () => {
    let reported = -1;
    const ran = await cli(['import', 'big.npy', '--into', 'killed.mvi', '--batch-size', '1000', '--ef-construction', '100'], {
      onStderr: (child, stderr) => {
        const m = /, ([1-9][\d,]*) committed$/m.exec(stderr);
        if (reported < 0 && m) {
          reported = Number(m[1]!.replaceAll(',', ''));
          process.kill(child.pid!, 'SIGKILL');
        }
      },
    });
    expect(reported, ran.stderr).toBeGreaterThan(0);
    expect(ran.code).not.toBe(0);
    // A writer opens it: the dead import's lock is taken over.
    const index = await HnswIndex.open(join(DIR, 'killed.mvi'));
    try {
      const size = index.size();
      expect(size % 1000).toBe(0);
      expect(size).toBeGreaterThanOrEqual(reported);
      expect(size).toBeLessThan(BIG_N);
      expect(index.has(String(size - 1)) && !index.has(String(size))).toBe(true);
    } finally {
      index.close();
    }
  });

  it('on a terminal (a pty from script(1)): a bar redrawn in place with the rate and the time left', async () => {
    const command = `node ${CLI} import ${SIFT_QUERY} --into tty.mvi --batch-size 10`;
    const ran = await new Promise<Ran>((done, fail) => {
      const child = spawn('script', ['-qec', command, '/dev/null'], { cwd: DIR, stdio: ['ignore', 'pipe', 'pipe'] });
      let stdout = '';
      child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
      child.on('error', fail);
      child.on('close', (code) => done({ code, stdout, stderr: '' }));
    });
    expect(ran.code, ran.stdout).toBe(0);
    expect(ran.stdout).toMatch(/\rimport [█░]{24} +\d+% [\d,]+\/100 rows, [\d,]+ rows\/s, [\d.]+ s left/);
    expect(ran.stdout).toMatch(/\rimport █{24} 100% 100\/100 rows, [\d,]+ rows\/s\x1b\[K/);
  });
});

describe.each(['bun', 'deno'] as const)('the same binary in %s', (runtime) => {
  it('imports, searches and stats as in Node, and keeps the exit codes', async () => {
    const store = `${runtime}.mvi`;
    const imported = await cli(['import', 'vectors.npy', '--into', store, '--metric', 'dot', '--json'], { runtime });
    expect(imported.code, imported.stderr).toBe(0);
    expect(JSON.parse(imported.stdout)).toMatchObject({ kind: 'hnsw', metric: 'dot', imported: NPY_N, entries: NPY_N });
    const query = JSON.stringify(Array.from(row(npyData, NPY_DIM, 17)));
    const [inRuntime, inNode] = await Promise.all([
      cli(['search', store, '--vector', query, '--k', '5', '--json'], { runtime }),
      cli(['search', store, '--vector', query, '--k', '5', '--json']),
    ]);
    expect(inRuntime.code, inRuntime.stderr).toBe(0);
    expect(JSON.parse(inRuntime.stdout)).toEqual(JSON.parse(inNode.stdout));
    const stat = await cli(['stat', store, '--json'], { runtime });
    expect(JSON.parse(stat.stdout)).toMatchObject({ kind: 'hnsw', entries: NPY_N, dimension: NPY_DIM });
    expectUsage(await cli(['search', store, '--k', 'ten', '--vector', query], { runtime }), /--k must be an integer/);
    expectFailure(await cli(['stat', 'missing.mvi'], { runtime }), 'IO');
  });
});
