/**
 * Messages between `SqliteStore` (calling thread) and its writer thread (`sqlite-writer-thread.ts`).
 * Everything crosses by structured clone: Dates stay Dates, Buffers arrive as Uint8Arrays, class
 * instances (errors) arrive as plain objects, so errors travel as {@link SerializedError}.
 */
import type { StoreChange, StoreStats } from '../store.js';
import {
  ErasedEventReplayError,
  PaymentClaimConflictError,
  PruneInProgressError,
  StoreConfigError,
  StoreConflictError,
  StoreError,
  StoreNotFoundError,
  StoreUnavailableError,
  StoreVersionError,
} from '../store-errors.js';
import type { SqliteEngine, SqliteEngineOptions } from './sqlite-engine.js';

/** Store methods the writer thread runs: every write (through its group commit), a ping that proves the thread answers, and the write-readiness probe. */
export const WRITER_METHODS = [
  'ingestPrepared',
  'quarantine',
  'storeSpooledPrepared',
  'reprocessPrepared',
  'recordDecodeFailure',
  'claimJobs',
  'completeJob',
  'failJob',
  'releaseJob',
  'extendLease',
  'extendLeases',
  'markStarted',
  'replayEvent',
  'replayDeadLetters',
  'pruneChunk',
  'pruneBindingChunk',
  'erasePersonalData',
  'revokeAdminSession',
  'setEventVerification',
  'disableHandler',
  'enableHandler',
  'recordRecoveryPass',
  'rebuildSearchTextPage',
  'recordSearchTextVersions',
  'ping',
  'probeWrite',
] as const satisfies ReadonlyArray<keyof SqliteEngine>;

export type WriterMethod = (typeof WRITER_METHODS)[number];

export interface WriterThreadData {
  readonly engine: SqliteEngineOptions;
}

export interface WriteCall {
  readonly id: number;
  readonly method: WriterMethod;
  readonly args: readonly unknown[];
}

export type SerializedError = {
  /** The class to rebuild: one of the store's error classes, TypeError, or Error. */
  readonly kind: string;
  readonly message: string;
  readonly code?: string;
  /** StoreUnavailableError's own fields (`damaged`, `detail`), which the message alone does not carry. */
  readonly damaged?: boolean;
  readonly detail?: string;
};

export type WriteOutcome =
  | { readonly id: number; readonly ok: true; readonly value: unknown }
  | { readonly id: number; readonly ok: false; readonly error: SerializedError };

/** Calling thread → writer thread. */
export type ToWriter =
  | { readonly type: 'calls'; readonly calls: readonly WriteCall[] }
  /** The process is quiet after a burst: collect this thread's heap and give the freed memory back. */
  | { readonly type: 'releaseMemory' }
  | { readonly type: 'close' };

/** What the writer thread held outside its JS heap (the bodies it stored) before and after it released memory. */
export interface WriterMemoryRelease {
  readonly externalBytesBefore: number;
  readonly externalBytesAfter: number;
}

/** Writer thread → calling thread. `changes` were committed before the outcomes are settled. */
export type FromWriter =
  | {
      readonly type: 'outcomes';
      readonly changes: readonly StoreChange[];
      readonly outcomes: readonly WriteOutcome[];
      readonly stats: StoreStats;
    }
  | { readonly type: 'failed'; readonly error: SerializedError }
  /** The answer to `releaseMemory`: null where the memory-trim addon is not available. */
  | { readonly type: 'memoryReleased'; readonly release: WriterMemoryRelease | null };

const STORE_ERRORS: Record<string, new (...args: never[]) => StoreError> = {
  StoreError,
  StoreUnavailableError,
  StoreNotFoundError,
  StoreConflictError,
  ErasedEventReplayError,
  StoreConfigError,
  StoreVersionError,
  PaymentClaimConflictError,
  PruneInProgressError,
};

export function serializeError(error: unknown): SerializedError {
  if (error instanceof StoreUnavailableError)
    return {
      kind: error.name,
      message: error.message,
      code: error.code,
      damaged: error.damaged,
      detail: error.detail,
    };
  if (error instanceof StoreError) return { kind: error.name, message: error.message, code: error.code };
  const code = (error as { code?: unknown } | null)?.code;
  return {
    kind: error instanceof TypeError ? 'TypeError' : 'Error',
    message: error instanceof Error ? error.message : String(error),
    ...(typeof code === 'string' ? { code } : {}),
  };
}

/** The error as the writer thread threw it: same class, code and message (the stack is this thread's). */
export function deserializeError(error: SerializedError): Error {
  const storeClass = STORE_ERRORS[error.kind];
  if (storeClass !== undefined) {
    // The base constructor takes (code, message) as given; new.target keeps the subclass and its name.
    const rebuilt = Reflect.construct(StoreError, [error.code ?? 'store_error', error.message], storeClass);
    if (rebuilt instanceof StoreUnavailableError)
      Object.assign(rebuilt, { damaged: error.damaged === true, detail: error.detail ?? error.message });
    return rebuilt;
  }
  const rebuilt = error.kind === 'TypeError' ? new TypeError(error.message) : new Error(error.message);
  if (error.code !== undefined) Object.assign(rebuilt, { code: error.code });
  return rebuilt;
}
