/**
 * The calling thread's side of the SQLite writer thread: starts it, hands it calls in batches (everything
 * called within one event-loop turn goes in one message), settles each call with the thread's outcome,
 * relays the changes its commits announce, and keeps its commit counters.
 *
 * If the thread dies (a bug, out of memory, the file cannot be opened), the calls it held are rejected
 * with StoreUnavailableError and the next call starts a new thread (at most one start per second), so the
 * store recovers by itself like the PostgreSQL pool does.
 */
import { once } from 'node:events';
import { Worker } from 'node:worker_threads';
import type { StoreChange, StoreStats } from '../store.js';
import { StoreUnavailableError } from '../store-errors.js';
import { addStoreStats, emptyStoreStats } from '../store-stats.js';
import type { SqliteEngine } from './sqlite-engine.js';
import {
  deserializeError,
  type FromWriter,
  type ToWriter,
  type WriteCall,
  type WriterMemoryRelease,
  type WriterMethod,
  type WriterThreadData,
} from './writer-protocol.js';
import { writerThreadEntry } from './writer-thread-entry.js';

interface Settle {
  resolve(value: unknown): void;
  reject(error: unknown): void;
}

/** After a thread failed, calls within this window are refused at once instead of starting another. */
export const DEFAULT_RESTART_DELAY_MS = 1000;

/** The writer thread's V8 young generation in MB (by default it grows to tens of MB under load). */
const WRITER_YOUNG_GENERATION_MB = 4;

export class SqliteWriterThread {
  readonly #data: WriterThreadData;
  readonly #onChanges: (changes: readonly StoreChange[]) => void;
  readonly #restartDelayMs: number;
  #worker: Worker | null = null;
  #nextId = 1;
  readonly #pending = new Map<number, Settle>();
  #unavailableOutcomes = 0;
  #queue: WriteCall[] = [];
  /** ArrayBuffers the queued calls hand over (moved to the thread, not copied). */
  #transfer: ArrayBuffer[] = [];
  #flushScheduled = false;
  #closing: Promise<void> | null = null;
  /** Why the last thread ended unexpectedly, and when (for the restart delay). */
  #failure: { error: Error; at: number } | null = null;
  /** Counters of threads that ended, plus the current thread's latest report. */
  #pastStats: StoreStats = emptyStoreStats();
  #stats: StoreStats = emptyStoreStats();
  /** Callers waiting for the thread's answer to releaseMemory, in order. */
  #releases: Array<(release: WriterMemoryRelease | null) => void> = [];

  constructor(
    data: WriterThreadData,
    onChanges: (changes: readonly StoreChange[]) => void,
    options: { restartDelayMs?: number } = {},
  ) {
    this.#data = data;
    this.#onChanges = onChanges;
    this.#restartDelayMs = options.restartDelayMs ?? DEFAULT_RESTART_DELAY_MS;
  }

  /**
   * Runs `method` in the writer thread; settles after its transaction committed (or failed). `transfer`:
   * ArrayBuffers inside `args` that this thread gives up (they move to the writer thread instead of
   * being copied, and are unusable here afterwards).
   */
  call<M extends WriterMethod>(
    method: M,
    args: Parameters<SqliteEngine[M]>,
    transfer: readonly ArrayBuffer[] = [],
  ): ReturnType<SqliteEngine[M]> {
    return new Promise((resolve, reject) => {
      if (this.#closing) {
        reject(new StoreUnavailableError('the SQLite store is closed'));
        return;
      }
      const id = this.#nextId++;
      this.#pending.set(id, { resolve, reject });
      this.#queue.push({ id, method, args });
      if (transfer.length > 0) this.#transfer.push(...transfer);
      if (!this.#flushScheduled) {
        this.#flushScheduled = true;
        setImmediate(() => this.#flush());
      }
    }) as ReturnType<SqliteEngine[M]>;
  }

  stats(): StoreStats {
    return addStoreStats(this.#pastStats, this.#stats);
  }

  /** How many calls the thread answered with StoreUnavailableError so far (readiness drops its cache on a change). */
  get unavailableOutcomes(): number {
    return this.#unavailableOutcomes;
  }

  /**
   * Asks a running thread to collect its heap and give the freed memory back (it holds the bodies it
   * stored until its next collection, which an idle thread may not run for a long time). Resolves with
   * what the thread held before and after; null when no thread runs, the store is closing (it never
   * starts a thread for this), the thread ended first, or the memory-trim addon is not available.
   */
  releaseMemory(): Promise<WriterMemoryRelease | null> {
    if (this.#closing || this.#worker === null) return Promise.resolve(null);
    const worker = this.#worker;
    return new Promise((resolve) => {
      this.#releases.push(resolve);
      worker.postMessage({ type: 'releaseMemory' } satisfies ToWriter);
    });
  }

  /** Sends what is queued, lets the thread commit it and end. Later calls are refused. */
  close(): Promise<void> {
    if (this.#closing) return this.#closing;
    this.#closing = (async () => {
      this.#flush();
      const worker = this.#worker;
      if (worker === null) return;
      worker.ref();
      const exited = once(worker, 'exit');
      worker.postMessage({ type: 'close' } satisfies ToWriter);
      await exited;
    })();
    return this.#closing;
  }

  #flush(): void {
    this.#flushScheduled = false;
    if (this.#queue.length === 0) return;
    const calls = this.#queue;
    const transfer = this.#transfer;
    this.#queue = [];
    this.#transfer = [];
    const worker = this.#workerOrNull();
    if (worker === null) {
      const error =
        this.#failure?.error ?? new StoreUnavailableError('the SQLite writer thread is not running');
      for (const call of calls) this.#settle(call.id, (settle) => settle.reject(error));
      return;
    }
    worker.ref();
    worker.postMessage({ type: 'calls', calls } satisfies ToWriter, transfer);
  }

  /**
   * Starts the thread now, before a write needs it, so loading it does not fall on the first write's
   * time. Unreferenced while no call waits: an idle thread does not keep the process alive.
   */
  start(): void {
    if (this.#closing) return;
    const worker = this.#workerOrNull();
    if (worker !== null && this.#pending.size === 0) worker.unref();
  }

  /** Whether the thread runs now. */
  get running(): boolean {
    return this.#worker !== null;
  }

  #workerOrNull(): Worker | null {
    if (this.#worker !== null) return this.#worker;
    if (this.#failure !== null && Date.now() - this.#failure.at < this.#restartDelayMs) return null;
    const worker = new Worker(writerThreadEntry(), {
      workerData: this.#data,
      // The thread only holds the batch in hand: a small young generation keeps its heap (and the
      // process's RSS) from growing with the message rate.
      resourceLimits: { maxYoungGenerationSizeMb: WRITER_YOUNG_GENERATION_MB },
    });
    worker.on('message', (message: FromWriter) => this.#receive(message));
    worker.on('error', (error) => {
      this.#failure = {
        error: new StoreUnavailableError(`the SQLite writer thread failed: ${error.message}`, {
          cause: error,
        }),
        at: Date.now(),
      };
    });
    worker.on('exit', (code) => this.#exited(worker, code));
    this.#worker = worker;
    return worker;
  }

  #receive(message: FromWriter): void {
    if (message.type === 'failed') {
      this.#failure = { error: deserializeError(message.error), at: Date.now() };
      return;
    }
    if (message.type === 'memoryReleased') {
      this.#releases.shift()?.(message.release);
      return;
    }
    this.#failure = null;
    this.#stats = message.stats;
    if (message.changes.length > 0) this.#onChanges(message.changes);
    for (const outcome of message.outcomes) {
      if (!outcome.ok && outcome.error.code === 'store_unavailable') this.#unavailableOutcomes++;
      this.#settle(outcome.id, (settle) =>
        outcome.ok ? settle.resolve(outcome.value) : settle.reject(deserializeError(outcome.error)),
      );
    }
    // Unreferenced once no call waits, unless closing: the close awaits the thread's exit, and an
    // unreferenced thread would let a process with nothing else to do end first (exit code 13).
    if (this.#pending.size === 0 && !this.#closing) this.#worker?.unref();
  }

  #exited(worker: Worker, code: number): void {
    if (this.#worker !== worker) return;
    this.#worker = null;
    this.#pastStats = this.stats();
    this.#stats = emptyStoreStats();
    for (const resolve of this.#releases.splice(0)) resolve(null);
    if (this.#pending.size === 0) return;
    // Calls the thread held but never answered: nothing of theirs is acknowledged as stored.
    const error =
      this.#failure?.error ??
      new StoreUnavailableError(
        this.#closing ? 'the SQLite store is closed' : `the SQLite writer thread exited (code ${code})`,
      );
    if (this.#failure === null && !this.#closing) this.#failure = { error, at: Date.now() };
    for (const id of [...this.#pending.keys()]) this.#settle(id, (settle) => settle.reject(error));
  }

  #settle(id: number, action: (settle: Settle) => void): void {
    const settle = this.#pending.get(id);
    if (settle === undefined) return;
    this.#pending.delete(id);
    action(settle);
  }
}
