/**
 * Picks a storage backend for the runtime we find ourselves in. Backends are imported lazily so that a
 * browser or edge bundle never pulls in node:fs or the native addon.
 */
import { MemvecError } from '../errors.js';
import { closestName, describe } from '../validate.js';
import type { BackendName, StorageBackend } from './types.js';

const BACKEND_NAMES: readonly BackendName[] = ['mmap', 'fs', 'deno', 'opfs', 'memory'];

export type BackendChoice = BackendName | StorageBackend;

const g = globalThis as { process?: { versions?: { node?: string } }; Deno?: unknown; Bun?: unknown };

export function detectRuntime(): 'node' | 'bun' | 'deno' | 'browser' | 'edge' {
  if (g.Bun !== undefined) return 'bun';
  if (g.Deno !== undefined) return 'deno';
  if (g.process?.versions?.node !== undefined) return 'node';
  // Edge runtimes look like browser workers (workerd defines WorkerGlobalScope) but have no OPFS:
  // Cloudflare's navigator.userAgent is fixed, and Vercel's edge runtime defines EdgeRuntime.
  const edge = globalThis as { navigator?: { userAgent?: unknown }; EdgeRuntime?: unknown };
  if (edge.navigator?.userAgent === 'Cloudflare-Workers' || typeof edge.EdgeRuntime === 'string') return 'edge';
  if (typeof (globalThis as { document?: unknown }).document !== 'undefined' || typeof (globalThis as { WorkerGlobalScope?: unknown }).WorkerGlobalScope !== 'undefined') return 'browser';
  return 'edge';
}

async function load(name: BackendName): Promise<StorageBackend> {
  switch (name) {
    case 'mmap':
      return (await import('./mmap.js')).createMmapBackend();
    case 'fs':
      return (await import('./fs.js')).fsBackend;
    case 'deno':
      return (await import('./deno.js')).denoBackend;
    case 'opfs':
      return (await import('./opfs.js')).opfsBackend;
    case 'memory':
      // One shared in-memory file system per process, so a store saved by path can be opened again.
      return (await import('./memory.js')).sharedMemoryBackend;
    default:
      // Not a backend at all (a typo), as opposed to a real one this runtime lacks (UNSUPPORTED).
      throw new MemvecError(
        'INVALID_ARGUMENT',
        `unknown storage backend ${describe(name)} (did you mean '${closestName(String(name), BACKEND_NAMES)}'? backends: ${BACKEND_NAMES.join(', ')})`,
      );
  }
}

let warnedNoAddon = false;

/**
 * Node and Bun: mmap through the native addon, else node:fs, saying why once per process (a missing
 * addon is a slower memvec, not a broken one, so it must not be silent nor repeat on every open).
 *
 * Bun gets the same addon rather than Bun.mmap. Measured in Bun 1.4.5 on a warm 1 GiB file: streaming
 * in 4 MiB chunks ran at the same speed either way (~17-22 GiB/s; node:fs ~10-16), and Bun.mmap won
 * only on tiny random reads (~0.1 µs of N-API call on 64 B). But Bun.mmap cannot msync, unmap,
 * create, resize or lock: its view stays mapped until GC, so a shrink would SIGBUS through it, and a
 * second writer would not be kept out.
 */
async function defaultFileBackend(): Promise<StorageBackend> {
  const { ADDON_PATH_ENV, loadNativeAddon } = await import('./native-addon.js');
  const loaded = loadNativeAddon();
  if (loaded.addon) return load('mmap');
  if (!warnedNoAddon) {
    warnedNoAddon = true;
    // Advice a user can follow in their own project (they cannot run memvec's build scripts there).
    console.warn(
      `memvec: native addon unavailable (${loaded.reason}); using node:fs, with which memvec works fully. ` +
        `For mmap, install memvec on a platform it ships a prebuilt addon for (linux-x64-gnu), ` +
        `or set ${ADDON_PATH_ENV}=/path/to/memvec.node`,
    );
  }
  return load('fs');
}

/** The caller's explicit backend, or the default for this runtime. */
export async function resolveBackend(choice?: BackendChoice): Promise<StorageBackend> {
  if (choice !== undefined && typeof choice !== 'string') return choice;
  if (choice !== undefined) return load(choice);
  const runtime = detectRuntime();
  if (runtime === 'deno') return load('deno');
  if (runtime === 'node' || runtime === 'bun') return defaultFileBackend();
  // OPFS sync access handles exist only inside dedicated Workers; a page's main thread gets memory.
  if (runtime === 'browser' && typeof (globalThis as { WorkerGlobalScope?: unknown }).WorkerGlobalScope !== 'undefined') return load('opfs');
  return load('memory');
}
