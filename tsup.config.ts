/**
 * One package, four builds, chosen by the export conditions in package.json:
 *   dist/index.js + index.cjs  Node, Bun, Deno, and anything unnamed ("default"): every backend;
 *                              node: built-ins stay imports and are loaded lazily by the backends.
 *   dist/browser.js            no node: import anywhere: opfs (in a Worker) and memory backends.
 *   dist/workerd.js            as browser, and the WASM is imported as a module (./memvec-simd.wasm),
 *                              because workerd forbids compiling WASM from bytes.
 *   dist/edge-light.js         as workerd, with Vercel's `./memvec-simd.wasm?module` import.
 * All four embed or import the same engine and export the same API; the three ESM-only builds reuse
 * index.d.ts through a one-line re-export.
 *
 * Subpaths (memvec/migrate, memvec/langchain, memvec/postgres): ESM + CJS + types, importing the core as 'memvec', so
 * they run against whichever build the caller's own `memvec` import resolved to and share its classes
 * and MemvecError (instanceof works across them). No engine code is bundled into a subpath.
 */
import { copyFileSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import type { Plugin } from 'esbuild';
import { defineConfig, type Options } from 'tsup';

type Entry = 'default' | 'browser' | 'workerd' | 'edge-light';

// tsup builds the configs below concurrently into the same dist/, so none of them may clean it:
// it is emptied once here, when the config loads.
rmSync('dist', { recursive: true, force: true });

const storageDir = resolve('src/storage');

/**
 * For the browser and edge builds: the Node/Bun file backends become a stub that throws UNSUPPORTED,
 * the WASM source becomes the runtime's own (imported .wasm module on workerd and edge-light), and any
 * `node:` import that is still reachable fails the build, so no future import can sneak one in.
 */
function webPlatform(entry: Exclude<Entry, 'default'>): Plugin {
  return {
    name: `memvec-${entry}`,
    setup(build) {
      build.onResolve({ filter: /^\.\/(fs|mmap|native-addon)\.js$/ }, (args) =>
        dirname(args.importer) === storageDir ? { path: resolve('src/runtime/server-backends.unavailable.ts') } : undefined,
      );
      // Worker threads: the web Worker (or none); node:worker_threads is for the default build.
      build.onResolve({ filter: /^\.\/spawn-node\.js$/ }, () => ({ path: resolve('src/runtime/spawn-node.unavailable.ts') }));
      if (entry !== 'browser') {
        build.onResolve({ filter: /^\.\/wasm-source\.js$/ }, () => ({ path: resolve(`src/engine/wasm-source.${entry}.ts`) }));
        // No worker threads on workerd or edge-light: their bundles leave out the threads engine.
        build.onResolve({ filter: /^\.\/threads-module\.js$/ }, () => ({ path: resolve('src/runtime/threads-module.unavailable.ts') }));
        // Kept as written: the host (wrangler, workerd, Next.js) imports the module next to the bundle.
        build.onResolve({ filter: /\.wasm(\?module)?$/ }, (args) => ({ path: args.path, external: true }));
      }
      build.onResolve({ filter: /^node:/ }, (args) => ({
        errors: [{ text: `${args.path} imported by ${args.importer}: the ${entry} build must not depend on Node built-ins` }],
      }));
    },
  };
}

const srcDir = resolve('src');
// Resolved files of the core that a subpath may name relatively (directly, or through a helper it
// bundles, e.g. validate.ts throwing MemvecError): each is re-exported by src/index.ts, so it becomes
// an import of 'memvec'.
const CORE_MODULES = new Set(['index.ts', 'errors.ts', 'hnsw-index.ts', 'memmap-vector.ts'].map((f) => join(srcDir, f)));

/** Keeps the core out of a subpath bundle: the shared modules become 'memvec', the engine and storage fail the build. */
const subpathUsesCore: Plugin = {
  name: 'memvec-subpath',
  setup(build) {
    build.onResolve({ filter: /^\.\.?\// }, (args) => {
      const target = resolve(args.resolveDir, args.path).replace(/\.js$/, '.ts');
      if (CORE_MODULES.has(target)) return { path: 'memvec', external: true };
      if (target.startsWith(join(srcDir, 'engine', 'engine')) || target.startsWith(join(srcDir, 'storage'))) {
        return { errors: [{ text: `${args.path} imported by ${args.importer}: a subpath must reach the engine and storage through 'memvec'` }] };
      }
      return undefined;
    });
  },
};

/**
 * The `memvec` command (dist/cli.js, package.json "bin"): the CLI and the postgres exporter it runs,
 * bundled, with the core imported as ./index.js next to it, the file the package's default export
 * resolves to, rather than by the package's own name, which not every runtime resolves from inside
 * the package (self-reference). pg stays an optional peer, loaded only by `memvec export`.
 */
const cliUsesCore: Plugin = {
  name: 'memvec-cli',
  setup(build) {
    build.onResolve({ filter: /^memvec$/ }, () => ({ path: './index.js', external: true }));
    build.onResolve({ filter: /^\.\.?\// }, (args) => {
      const target = resolve(args.resolveDir, args.path).replace(/\.js$/, '.ts');
      return CORE_MODULES.has(target) ? { path: './index.js', external: true } : undefined;
    });
  },
};

function subpath(name: string, entry: string, external: Array<string | RegExp> = []): Options {
  return {
    ...common,
    entry: { [name]: entry },
    format: ['esm', 'cjs'],
    dts: true,
    external: ['memvec', ...external],
    esbuildPlugins: [subpathUsesCore],
  };
}

const common: Options = {
  sourcemap: true,
  clean: false,
  target: 'es2022',
};

function web(entry: Exclude<Entry, 'default'>): Options {
  return {
    ...common,
    entry: { [entry]: 'src/index.ts' },
    format: ['esm'],
    platform: entry === 'browser' ? 'browser' : 'neutral',
    define: { __MEMVEC_ENTRY__: JSON.stringify(entry) },
    esbuildPlugins: [webPlatform(entry)],
    async onSuccess() {
      writeFileSync(join('dist', `${entry}.d.ts`), `export * from './index.js';\n`);
      if (entry !== 'browser') copyFileSync('build/memvec.wasm', join('dist', 'memvec-simd.wasm'));
    },
  };
}

export default defineConfig([
  {
    ...common,
    entry: { index: 'src/index.ts' },
    format: ['esm', 'cjs'],
    dts: true,
    define: { __MEMVEC_ENTRY__: JSON.stringify('default') },
    // node: built-ins stay imports; backends load them lazily so browser bundles never pull them in.
    external: [/^node:/],
    // The CJS build has no import.meta; native-addon.ts knows and falls back to __dirname, so esbuild's
    // warning about it is noise in every install.
    esbuildOptions(options) {
      options.logOverride = { ...options.logOverride, 'empty-import-meta': 'silent' };
    },
  },
  web('browser'),
  web('workerd'),
  web('edge-light'),
  subpath('migrate', 'src/migrate/index.ts'),
  // @langchain/core is an optional peer dependency: imported, never bundled.
  subpath('langchain', 'src/langchain/index.ts', [/^@langchain\/core(\/|$)/]),
  // pg is an optional peer dependency, imported (lazily, for a connection string) and never bundled.
  subpath('postgres', 'src/postgres/index.ts', [/^pg$/]),
  // The shebang comes from src/cli/main.ts; tsup makes a file that starts with one executable.
  { ...common, entry: { cli: 'src/cli/main.ts' }, format: ['esm'], platform: 'node', external: ['pg', /^node:/], esbuildPlugins: [cliUsesCore] },
]);
