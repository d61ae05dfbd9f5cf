// Compiles the AssemblyScript engine to WebAssembly, three times from one source:
//   build/memvec.wasm          SIMD (f32x4): what every current runtime runs
//   build/memvec-scalar.wasm   no SIMD at all: for runtimes without WASM SIMD (Safari < 16.4, CPUs without SSE4.1)
//   build/memvec-threads.wasm  SIMD + threads (atomics), on an imported shared memory: the engine of an index
//                              or store that runs on worker threads (src/threads/). Its start function is
//                              exported (_start) instead of run at instantiation: only the instance that owns
//                              the memory may run it (it initializes the allocator); a worker's instance on the
//                              same memory never does, and never allocates (docs/threads-spike.md section 1).
// and embeds each as base64 in its own generated TS module (src/engine/wasm-*.generated.ts), so the
// package loads its WASM with no file access and no bundler configuration, and a runtime downloads
// only the build it runs. tsup copies build/memvec.wasm to dist/memvec-simd.wasm for the runtimes
// that must import WASM as a module (workerd, Vercel edge).
//
// `--relaxed` also builds build/memvec-relaxed.wasm (f32x4.relaxed_madd) for measuring. It is not
// shipped: on the machines we measured it was no faster than plain SIMD (the scans are memory-bound and
// four independent accumulators already hide the add latency), and Node 20 rejects it without a flag.
// scripts/measure-wasm-variants.mjs compares the builds.
import { execFile } from 'node:child_process';
import { mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const asc = join(dirname(createRequire(import.meta.url).resolve('assemblyscript/package.json')), 'bin', 'asc.js');
mkdirSync(join(root, 'build'), { recursive: true });

const variants = [
  { name: 'simd', file: 'memvec.wasm', features: ['simd'], wat: true },
  { name: 'scalar', file: 'memvec-scalar.wasm', features: [] },
  {
    name: 'threads', file: 'memvec-threads.wasm', features: ['simd', 'threads'], wat: true,
    // 65536 pages: the whole 4 GiB may be grown into, as the unshared builds may.
    extra: ['--importMemory', '--sharedMemory', '--initialMemory', '1', '--maximumMemory', '65536', '--exportStart', '_start'],
  },
];
if (process.argv.includes('--relaxed')) variants.push({ name: 'relaxed', file: 'memvec-relaxed.wasm', features: ['simd', 'relaxed-simd'] });

// --runtime minimal: the TLSF allocator (heap.alloc/realloc/free) with no automatic GC; the engine only
//   uses unmanaged memory, so nothing is ever collected behind our back.
// --use abort=: no env.abort import. The module's imports are env.filterHost (a function filter
//   called back as a search reaches slots) and, in the threads build, env.memory and env.futexWait (a
//   lock's slow path, assembly/locks.ts); src/engine/engine.ts supplies them when it instantiates.
// The builds are independent processes: run them side by side.
await Promise.all(
  variants.map(async ({ file, features, wat, extra = [] }) => {
    const out = join(root, 'build', file);
    const args = [asc, 'assembly/index.ts', '-o', out, '-O3', '--noAssert', '--runtime', 'minimal', '--use', 'abort='];
    if (features.length > 0) args.push('--enable', features.join(','));
    args.push(...extra);
    if (wat) args.push('-t', join(root, 'build', file.replace(/\.wasm$/, '.wat')));
    const { stderr } = await promisify(execFile)(process.execPath, args, { cwd: root, maxBuffer: 64 << 20 }).catch((err) => {
      process.stderr.write(err.stderr ?? '');
      throw new Error(`build-wasm: asc failed for ${file}`);
    });
    if (stderr) process.stderr.write(stderr);
  }),
);

// The scalar build must load where SIMD does not, or it fails in exactly the runtimes it exists for.
// V8 turns WASM SIMD off on CPUs without SSE4.1; --no-enable-sse4-1 makes this Node one of those.
const check = `const b = require('fs').readFileSync(process.argv[1]); process.exit(WebAssembly.validate(b) ? 0 : 1)`;
const noSimd = (file) =>
  promisify(execFile)(process.execPath, ['--no-enable-sse4-1', '-e', check, join(root, 'build', file)]).then(() => true, () => false);
if (!(await noSimd('memvec-scalar.wasm'))) throw new Error('build-wasm: memvec-scalar.wasm does not validate in a V8 without SIMD');
if (await noSimd('memvec.wasm')) throw new Error('build-wasm: a V8 without SIMD accepts memvec.wasm: is SIMD enabled?');

// A worker thread's instance must never allocate (docs/threads-spike.md section 1): TLSF run from a
// second instance rebuilds the allocator over the owner's live heap and nothing traps. So walk the call
// graph of the jobs a worker runs (src/engine/engine.ts JOBS) in the threads build and fail the build
// if any of them can reach the allocator or grow memory.
{
  const wat = readFileSync(join(root, 'build', 'memvec-threads.wat'), 'utf8');
  const bodies = new Map();
  const starts = [...wat.matchAll(/^ \(func (\$\S+)/gm)];
  starts.forEach((m, i) => bodies.set(m[1], wat.slice(m.index, i + 1 < starts.length ? starts[i + 1].index : wat.length)));
  const exported = (name) => wat.match(new RegExp(`\\(export "${name}" \\(func (\\$\\S+)\\)\\)`))?.[1];
  for (const job of ['hnswSearchBatchPart', 'hnswParallelInsert', 'flatScanPart']) {
    const root = exported(job);
    if (root === undefined) throw new Error(`build-wasm: the threads build does not export the worker job ${job}`);
    const seen = new Set([root]);
    const path = new Map([[root, job]]);
    for (const fn of seen) {
      const body = bodies.get(fn) ?? '';
      // An indirect call could go anywhere: refuse it too rather than follow it.
      const bad = /~lib\/rt\/tlsf/.test(fn) ? 'the allocator' : body.includes('memory.grow') ? 'memory.grow' : body.includes('call_indirect') ? 'an indirect call' : null;
      if (bad !== null) {
        throw new Error(`build-wasm: worker job ${job} can reach ${bad} through ${path.get(fn)}: a worker must never allocate or grow memory`);
      }
      for (const [, callee] of body.matchAll(/\bcall (\$\S+)/g)) {
        if (!seen.has(callee)) {
          seen.add(callee);
          path.set(callee, `${path.get(fn)} -> ${callee}`);
        }
      }
    }
  }
}

for (const { name, file } of variants) {
  if (name === 'relaxed') continue;
  const bytes = readFileSync(join(root, 'build', file));
  writeFileSync(
    join(root, 'src', 'engine', `wasm-${name}.generated.ts`),
    `// Generated by scripts/build-wasm.mjs from assembly/ (build/${file}): do not edit.\n` +
      `export const wasmBase64 = '${bytes.toString('base64')}';\n`,
  );
  console.log(`build-wasm: build/${file} (${name}, ${bytes.length} bytes)`);
}
// The single-build file of earlier versions, if a checkout still has it.
rmSync(join(root, 'src', 'engine', 'wasm-bytes.generated.ts'), { force: true });
