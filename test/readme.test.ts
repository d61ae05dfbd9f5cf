// The README's TypeScript examples cannot drift from the API: every ```ts / ```typescript block is
// type-checked (strict) against the package's own types, must parse on the Node the package supports
// (Node 20 has no `using` declarations), and runs to completion in Node in an empty directory, unless
// the line before its fence is `<!-- readme-test: not run (why) -->` (a block that needs the network).
// New blocks are picked up by themselves.
import { spawnSync } from 'node:child_process';
import { mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { build, transformSync } from 'esbuild';
import { describe, expect, it } from 'vitest';

const REPO = resolve(dirname(fileURLToPath(import.meta.url)), '..');
// Inside the repository (git-ignored), so that `@types/node` and TypeScript resolve from its node_modules.
const DIR = join(REPO, '.tmp', 'readme-check');

interface Block {
  /** 1-based line of the README where the code starts. */
  line: number;
  code: string;
  file: string;
  run: boolean;
}

function readmeBlocks(): Block[] {
  const lines = readFileSync(join(REPO, 'README.md'), 'utf8').split('\n');
  const blocks: Block[] = [];
  for (let i = 0; i < lines.length; i++) {
    if (!/^```(ts|typescript)(\s.*)?$/.test(lines[i]!)) continue;
    const start = i + 1;
    let end = start;
    while (end < lines.length && !lines[end]!.startsWith('```')) end++;
    const run = !/^<!-- readme-test: not run \(.+\) -->$/.test(lines[i - 1] ?? '');
    blocks.push({ line: start + 1, code: lines.slice(start, end).join('\n'), file: `readme-line-${start + 1}.ts`, run });
    i = end;
  }
  return blocks;
}

/** `node` from PATH: this file also runs inside Bun and Deno, but the check is about Node. */
function node(args: string[], cwd = REPO): { status: number | null; output: string } {
  const out = spawnSync('node', args, { cwd, encoding: 'utf8', timeout: 60_000 });
  return { status: out.status, output: `${out.stdout}${out.stderr}` };
}

describe('README code blocks', () => {
  const blocks = readmeBlocks();
  rmSync(DIR, { recursive: true, force: true });
  mkdirSync(DIR, { recursive: true });
  // `export {}` makes each block a module of its own (top-level await, no shared names).
  for (const b of blocks) writeFileSync(join(DIR, b.file), `${b.code}\nexport {};\n`);

  it('there are TypeScript blocks to check', () => {
    expect(blocks.length).toBeGreaterThanOrEqual(2);
  });

  it('every block type-checks (strict) against the package types, `memvec` resolving to src/index.ts', () => {
    writeFileSync(
      join(DIR, 'tsconfig.json'),
      JSON.stringify({
        extends: '../../tsconfig.json',
        compilerOptions: {
          // Examples may show a value without using it.
          noUnusedLocals: false,
          noUnusedParameters: false,
          paths: { memvec: ['../../src/index.ts'], 'memvec/migrate': ['../../src/migrate/index.ts'], 'memvec/langchain': ['../../src/langchain/index.ts'], 'memvec/postgres': ['../../src/postgres/index.ts'] },
        },
        include: ['*.ts'],
      }),
    );
    const out = node([join(REPO, 'node_modules', 'typescript', 'bin', 'tsc'), '-p', join(DIR, 'tsconfig.json'), '--pretty', 'false']);
    // Errors point at readme-line-N.ts(row,col): the block starting at README line N.
    expect(out.output.trim(), out.output).toBe('');
    expect(out.status).toBe(0);
  }, 120_000);

  for (const b of blocks) {
    it(`the block at README line ${b.line} parses on the running Node once types are stripped`, () => {
      const js = transformSync(b.code, { loader: 'ts', format: 'esm', target: 'esnext' }).code;
      const file = join(DIR, b.file.replace(/\.ts$/, '.mjs'));
      writeFileSync(file, js);
      const out = node(['--check', file]);
      expect(out.output, `README line ${b.line}`).toBe('');
      expect(out.status).toBe(0);
    });
  }

  for (const b of blocks.filter((x) => x.run)) {
    it(`the block at README line ${b.line} runs in Node (memvec from src/, in an empty directory)`, async () => {
      const dir = join(DIR, `run-line-${b.line}`);
      mkdirSync(dir, { recursive: true });
      const bundle = join(dir, 'block.mjs');
      await build({
        entryPoints: [join(DIR, b.file)],
        outfile: bundle,
        bundle: true,
        platform: 'node',
        format: 'esm',
        external: ['node:*'],
        plugins: [{
          name: 'memvec-from-src',
          setup: (on) => on.onResolve({ filter: /^memvec(\/(migrate|langchain|postgres))?$/ }, (args) => ({
            path: join(REPO, 'src', args.path === 'memvec' ? 'index.ts' : `${args.path.slice('memvec/'.length)}/index.ts`),
          })),
        }],
      });
      const out = node([bundle], dir);
      expect(out.status, `README line ${b.line}:\n${out.output}`).toBe(0);
    }, 60_000);
  }
});
