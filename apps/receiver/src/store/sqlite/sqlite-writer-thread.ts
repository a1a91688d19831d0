/**
 * The SQLite writer thread (a `worker_threads` worker started by `SqliteStore`). It owns the connection
 * every write of the store goes through: the group commit's COMMIT and its fsync (synchronous=FULL) block
 * this thread, not the event loop that answers HTTP requests.
 *
 * Calls arrive in batches ({@link ToWriter}); each runs on a {@link SqliteEngine}, whose group commit puts
 * everything that arrived meanwhile into one transaction. Outcomes go back after the commit, together
 * with the changes it announced and the commit counters.
 */
import { getHeapStatistics } from 'node:v8';
import { parentPort, workerData } from 'node:worker_threads';
import { loadMemoryTrim, type MemoryTrimBinding } from '../../memory/memory-trim.js';
import type { NewDelivery, StoreChange } from '../store.js';
import { SqliteEngine } from './sqlite-engine.js';
import {
  type FromWriter,
  serializeError,
  type ToWriter,
  type WriteCall,
  type WriteOutcome,
  type WriterMemoryRelease,
  type WriterMethod,
  type WriterThreadData,
} from './writer-protocol.js';

/** A structured clone turns a Buffer into a Uint8Array; better-sqlite3 binds Buffers as BLOBs. */
function withBufferBody(args: readonly unknown[]): unknown[] {
  const [delivery, ...rest] = args as [NewDelivery, ...unknown[]];
  const body = delivery.rawBody as Uint8Array;
  return [{ ...delivery, rawBody: Buffer.from(body.buffer, body.byteOffset, body.byteLength) }, ...rest];
}

/** The writer methods whose first argument is a delivery with its raw body. */
const DELIVERY_METHODS: ReadonlySet<WriterMethod> = new Set([
  'ingestPrepared',
  'quarantine',
  'storeSpooledPrepared',
]);

function serve(port: NonNullable<typeof parentPort>, data: WriterThreadData): void {
  let engine: SqliteEngine;
  try {
    engine = new SqliteEngine(data.engine);
  } catch (error) {
    port.postMessage({ type: 'failed', error: serializeError(error) } satisfies FromWriter);
    port.close();
    return;
  }

  let changes: StoreChange[] = [];
  let outcomes: WriteOutcome[] = [];
  let scheduled = false;

  const send = (): void => {
    scheduled = false;
    if (changes.length === 0 && outcomes.length === 0) return;
    const message: FromWriter = { type: 'outcomes', changes, outcomes, stats: engine.stats() };
    changes = [];
    outcomes = [];
    port.postMessage(message);
  };
  const schedule = (): void => {
    if (scheduled) return;
    scheduled = true;
    setImmediate(send);
  };

  engine.onChange((change) => {
    changes.push(change);
    schedule();
  });

  const run = ({ id, method, args }: WriteCall): void => {
    let result: Promise<unknown>;
    try {
      const callArgs = DELIVERY_METHODS.has(method) ? withBufferBody(args) : args;
      result = Reflect.apply(engine[method], engine, callArgs) as Promise<unknown>;
    } catch (error) {
      result = Promise.reject(error);
    }
    result.then(
      (value) => {
        outcomes.push({ id, ok: true, value });
        schedule();
      },
      (error: unknown) => {
        outcomes.push({ id, ok: false, error: serializeError(error) });
        schedule();
      },
    );
  };

  // Loaded on the first request only: a writer that is never asked does not load the addon.
  let memoryTrim: MemoryTrimBinding | null | undefined;
  const releaseMemory = (): WriterMemoryRelease | null => {
    memoryTrim ??= loadMemoryTrim().binding;
    if (!memoryTrim?.available) return null;
    const externalBytesBefore = getHeapStatistics().external_memory;
    memoryTrim.collect();
    memoryTrim.trim();
    return { externalBytesBefore, externalBytesAfter: getHeapStatistics().external_memory };
  };

  port.on('message', (message: ToWriter) => {
    if (message.type === 'calls') {
      for (const call of message.calls) run(call);
      return;
    }
    if (message.type === 'releaseMemory') {
      port.postMessage({ type: 'memoryReleased', release: releaseMemory() } satisfies FromWriter);
      return;
    }
    // close: commit what is queued, let the outcomes settle, send them, and end the thread.
    void engine.close().then(() =>
      setImmediate(() => {
        send();
        port.close();
      }),
    );
  });
}

if (parentPort === null) {
  throw new Error('sqlite-writer-thread.js runs as a worker thread started by SqliteStore, not on its own.');
}
serve(parentPort, workerData as WriterThreadData);
