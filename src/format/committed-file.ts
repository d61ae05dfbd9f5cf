/**
 * An open memvec file and its committed state, the same for both file kinds (the exact store's file and
 * the persistent HNSW index's): the file handle, the newest committed header and the slot holding it,
 * the path's writer lock, and the three ways that state ends or moves on:
 *
 * - commit(): the header-slot protocol (header-slots.ts). A failure before the header write leaves the
 *   committed state untouched; from the header write on, the outcome on disk is unknown, so the file
 *   closes itself (fail) and the owner is told, because it can no longer tell which state it holds.
 * - replace(): a whole new file renamed over the path (compaction), through the one atomic replace
 *   (storage/replace-file.ts), then the path reopened with the lock still held.
 * - close(): the handle and the lock let go.
 *
 * It knows header slots and files, never vectors or graphs: the owner supplies how a header is encoded
 * and what a reopened file must hold.
 */
import { MemvecError } from '../errors.js';
import { type Replacement, replaceFile } from '../storage/replace-file.js';
import type { StorageBackend, StorageFile, WriterLock } from '../storage/types.js';
import { commitHeader } from './header-slots.js';

export interface CommittedFileParts<H> {
  backend: StorageBackend;
  path: string;
  file: StorageFile;
  header: H;
  /** Which slot holds `header`; the next commit writes the other. */
  slot: number;
  /** The writer's hold on the path (storage/lock-file.ts); null for a reader, whose writes throw READ_ONLY. */
  lock: WriterLock | null;
  /** What the owner is called in errors: "the store at <path> is closed". */
  noun: 'store' | 'index';
  encode: (header: H) => Uint8Array;
  /** The file closed itself after a write whose outcome is unknown; `err` is why. */
  onFailed?: (err: unknown) => void;
}

/** How a compaction's rename ended, for the owner's check of the file it reopens. */
export type RenameOutcome = 'renamed' | 'not renamed' | 'unknown';

export class CommittedFile<H> {
  readonly path: string;
  private readonly backend: StorageBackend;
  private file: StorageFile | null;
  private committed: H;
  private committedSlot: number;
  private lock: WriterLock | null;
  readonly readOnly: boolean;
  private readonly noun: string;
  private readonly encode: (header: H) => Uint8Array;
  private readonly onFailed: ((err: unknown) => void) | undefined;

  constructor(parts: CommittedFileParts<H>) {
    this.backend = parts.backend;
    this.path = parts.path;
    this.file = parts.file;
    this.committed = parts.header;
    this.committedSlot = parts.slot;
    this.lock = parts.lock;
    this.readOnly = parts.lock === null;
    this.noun = parts.noun;
    this.encode = parts.encode;
    this.onFailed = parts.onFailed;
  }

  /** The newest committed header. */
  get header(): H {
    return this.committed;
  }

  get isOpen(): boolean {
    return this.file !== null;
  }

  /** The open file; CLOSED once closed (by the owner, or by itself after a failed write). */
  current(): StorageFile {
    if (this.file === null) throw new MemvecError('CLOSED', `the ${this.noun} at ${this.path} is closed`);
    return this.file;
  }

  /** The open file of a writer; CLOSED, or READ_ONLY for a reader. */
  writable(): StorageFile {
    const file = this.current();
    if (this.readOnly) throw new MemvecError('READ_ONLY', `the ${this.noun} at ${this.path} was opened read-only`);
    return file;
  }

  /** Makes what was written durable, then `next` the newest header: sync, the other slot, sync. */
  commit(file: StorageFile, next: H): void {
    const slot = 1 - this.committedSlot;
    commitHeader(file, slot, this.encode(next), (err) => this.fail(err));
    this.committed = next;
    this.committedSlot = slot;
  }

  /** The outcome on disk is unknown: let go of the file and the lock, and tell the owner. */
  fail(err: unknown): void {
    this.closeFile();
    this.lock?.release();
    this.lock = null;
    this.onFailed?.(err);
  }

  /**
   * A reader moves to a newer file or commit it has read and checked. The old handle is closed quietly
   * (a reader has nothing to flush), so the move cannot half-happen.
   */
  adopt(file: StorageFile, header: H, slot: number): void {
    this.current();
    this.closeFile();
    this.file = file;
    this.committed = header;
    this.committedSlot = slot;
  }

  /**
   * Replaces the file with a new one (compaction), through the one atomic replace: `write` fills it
   * beside the path, `stillWanted` may refuse at the last moment (aborted, owner closed), the new file
   * is renamed over the path, and the path is reopened with the lock, which stays held throughout, so
   * no other writer gets in between. `closeFirst` closes the handle before the rename (for platforms
   * that refuse to replace an open file), else it stays open (and readable) until the rename is done.
   * `reload` reads the reopened file's header and checks it is what the rename's outcome says the
   * path holds; it returns the header and its slot.
   *
   * Failing before the rename changes nothing and leaves this file open. A rename known not to have
   * happened throws its error with the old file open (reopened, if it was closed first). Any failure
   * to reopen, or a file `reload` refuses, closes this file for good (fail), because what the path
   * holds is no longer known; closed by the owner meanwhile, it stays closed (the file is whole).
   */
  async replace(
    suffix: string,
    write: Replacement['write'],
    stillWanted: () => void,
    closeFirst: boolean,
    reload: (file: StorageFile, outcome: RenameOutcome) => { header: H; slot: number },
  ): Promise<void> {
    this.writable();
    // null while the rename has not been reached: a failure then changed nothing.
    let outcome = null as RenameOutcome | null;
    let renameError: unknown;
    try {
      await replaceFile(this.backend, this.heldLock(), suffix, {
        write,
        beforeRename: () => {
          stillWanted();
          this.writable();
          if (closeFirst) this.closeFile();
          outcome = 'renamed';
        },
        onUnknownOutcome: () => (outcome = 'unknown'),
      });
    } catch (err) {
      if (outcome === null) throw err;
      if (outcome === 'renamed') outcome = 'not renamed';
      // Still open on the old file, which is still the path's: nothing changed.
      if (outcome === 'not renamed' && this.file !== null) throw err;
      renameError = err;
    }
    let file: StorageFile | null = null;
    try {
      if (this.lock === null) throw new MemvecError('CLOSED', `the ${this.noun} at ${this.path} was closed during compaction (its file is whole)`);
      this.closeFile();
      file = await this.backend.open(this.path, { lock: this.lock });
      const { header, slot } = reload(file, outcome ?? 'renamed');
      this.file = file;
      this.committed = header;
      this.committedSlot = slot;
    } catch (err) {
      this.file = file;
      if (this.lock === null) this.closeFile();
      else this.fail(renameError ?? err);
      throw renameError ?? err;
    }
    if (renameError !== undefined) throw renameError;
  }

  /** The path's writer lock, which compaction keeps across its rename; CLOSED once it was let go. */
  private heldLock(): WriterLock {
    if (this.lock === null) throw new MemvecError('CLOSED', `the ${this.noun} at ${this.path} is closed`);
    return this.lock;
  }

  /** Lets go of the handle (not of the lock), quietly: it is already failing or being replaced. */
  private closeFile(): void {
    const file = this.file;
    this.file = null;
    try {
      file?.close();
    } catch {
      // Nothing more to do with this handle; the error worth reporting is the one that got here.
    }
  }

  /** Releases the file and the writer lock. Every write was already durable: there is nothing to flush. */
  close(): void {
    const file = this.file;
    this.file = null;
    try {
      file?.close();
    } finally {
      this.lock?.release();
      this.lock = null;
    }
  }
}
