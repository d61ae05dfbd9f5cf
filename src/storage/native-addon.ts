/**
 * Finds and loads memvec's Node-API addon (native/, built by scripts/build-native.mjs), once per
 * process. Only src/storage/mmap.ts imports this, and only lazily, so a browser bundle never sees it.
 * A missing or broken addon is not an error here: the caller gets the reason and falls back to node:fs.
 */
import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

/** An open file inside the addon: an opaque, type-tagged External. */
export type NativeFile = { readonly __memvecNativeFile: never };

/** What native/src/bindings.rs exports. Offsets and sizes are plain numbers (exact to 2^53). */
export interface NativeAddon {
  /** Opens; a writer takes flock(LOCK_EX | LOCK_NB) and throws code LOCKED if another writer has it. Readers take no lock. */
  open(path: string, create: boolean, readOnly: boolean, windowBits?: number): NativeFile;
  /** Unlocks, unmaps and closes. Idempotent. */
  close(file: NativeFile): void;
  /** A writer's length is exact; a reader looks again each time (a writer elsewhere may grow it). */
  size(file: NativeFile): number;
  /** memcpy from the mapping into `into`, split at window boundaries; short only at EOF. */
  read(file: NativeFile, offset: number, into: Uint8Array): number;
  /** The open file's descriptor (addons built before it existed lack it). */
  fd?(file: NativeFile): number;
  /** pwrite: grows the file; a full disk is an ENOSPC error, never a SIGBUS. */
  write(file: NativeFile, offset: number, data: Uint8Array): void;
  truncate(file: NativeFile, size: number): void;
  /** msync(MS_SYNC) of the mapped windows, then fdatasync. */
  sync(file: NativeFile): void;
}

export type AddonLoad = { addon: NativeAddon; path: string } | { addon: null; reason: string };

/** Names the .node file to load instead of searching for it (tests point it at a missing path). */
export const ADDON_PATH_ENV = 'MEMVEC_NATIVE_ADDON';

const REQUIRED: ReadonlyArray<keyof NativeAddon> = ['open', 'close', 'size', 'read', 'write', 'truncate', 'sync'];

let loaded: AddonLoad | undefined;

export function loadNativeAddon(): AddonLoad {
  loaded ??= tryLoad();
  return loaded;
}

function tryLoad(): AddonLoad {
  const override = process.env[ADDON_PATH_ENV];
  const path = override || findAddon();
  if (!path) return { addon: null, reason: `no native/${binaryNames()[0]} next to memvec` };
  try {
    const addon = createRequire(join(moduleDir(), 'noop.js'))(path) as Partial<NativeAddon>;
    const missing = REQUIRED.filter((name) => typeof addon[name] !== 'function');
    if (missing.length > 0) return { addon: null, reason: `${path} lacks ${missing.join(', ')}: rebuild it` };
    return { addon: addon as NativeAddon, path };
  } catch (err) {
    return { addon: null, reason: `could not load ${path}: ${err instanceof Error ? err.message.split('\n')[0] : String(err)}` };
  }
}

/** The names napi-rs gives the binary on this platform (scripts/build-native.mjs builds one of them). */
function binaryNames(): string[] {
  const base = `memvec.${process.platform}-${process.arch}`;
  return process.platform === 'linux' ? [`${base}-gnu.node`, `${base}-musl.node`] : [`${base}.node`];
}

/** native/ sits at the package root: two levels up from src/storage/, one up from dist/. */
function findAddon(): string | undefined {
  let dir = moduleDir();
  for (let up = 0; up < 4; up++) {
    for (const name of binaryNames()) {
      const candidate = join(dir, 'native', name);
      if (existsSync(candidate)) return candidate;
    }
    dir = dirname(dir);
  }
  return undefined;
}

function moduleDir(): string {
  // ESM has import.meta.url; tsup's CJS build leaves it empty but has __dirname.
  const url = (import.meta as { url?: string }).url;
  if (typeof url === 'string' && url.startsWith('file:')) return dirname(fileURLToPath(url));
  return typeof __dirname === 'string' ? __dirname : process.cwd();
}
