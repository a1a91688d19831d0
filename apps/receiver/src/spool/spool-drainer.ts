/**
 * Moves spooled deliveries into the store, oldest first, once it takes them: at start (files a previous
 * run left), after each delivery spooled, and every `retryMs` (doubling up to `maxRetryMs`) while the
 * store is still unavailable. Each file is read, decoded as a delivery ingested directly would be
 * (spooled-content.ts), stored with `Store.storeSpooled` under its id — at most once, so a crash between
 * the commit and the file's removal stores nothing twice — and then removed.
 *
 * Files go in batches of `batchSize` (default 64; fewer when they hold `batchBytes`, default 4 MiB, as a
 * batch is held in memory whole): the batch's deliveries are decoded, then all handed to
 * the store at once, in arrival order, so they share its group commit (SQLite: one transaction, a
 * savepoint each; PostgreSQL: pg-spooled-ingest.ts, the ingest path's batched ingest function) instead of one
 * commit each; the stored files are then removed with one fsync of the folder. Each delivery still
 * succeeds or fails alone (its savepoint).
 *
 * Nothing stops the drain for good: an unreadable file is moved to `unreadable/` (logged; never deleted:
 * it may be the only copy of an acknowledged delivery, and counts against the spool's limit); a file the
 * store refuses for another reason than being unavailable is logged and left for the next round, behind
 * the others. Store unavailable: the round ends with that batch (what the store did take of it is
 * removed; the rest, in arrival order, is tried again later). `stop()` lets the batch under way finish;
 * what remains stays in the folder for the next start.
 *
 * A spooled Payment API notification (spool-format.ts, format 2) is drained by app mode's payment route
 * (`drainPaymentsWith`, app-mode/spooled-payment.ts): its filing rules run then, and it is stored as the
 * route would have stored it, under its spooled id, at most once. Without app mode's payment route (the
 * configuration changed), it is logged and left in the spool. A spooled app uninstall call (format 2,
 * source `app_uninstall`) is applied by app mode's uninstall route the same way (`drainUninstallsWith`,
 * app-mode/spooled-uninstall.ts): the shop marked uninstalled at the call's time, its `app_uninstalled`
 * event stored under the spooled id; without app mode it is logged and left in the spool.
 */
import type { WebhookEvent } from '@srhooks/contracts';
import { withStoreTimeout } from '../ingest/store-call.js';
import {
  type SpooledContent,
  type SpooledDelivery,
  type SpooledStoreResult,
  type Store,
  StoreUnavailableError,
} from '../store/store.js';
import {
  type DrainedPayment,
  type DrainedUninstall,
  type PaymentDrain,
  SpoolPaymentsOffError,
  SpoolUninstallsOffError,
  type UninstallDrain,
} from './app-mode-drains.js';
import type { Spool } from './spool.js';
import { isSpoolFolderGone, SpoolFileUnreadableError, spoolFolderGoneText } from './spool-errors.js';
import type { SpoolEntry } from './spool-format.js';

/** The log calls the drainer makes (a pino logger has them). */
export interface DrainLog {
  info(fields: object, message: string): void;
  warn(fields: object, message: string): void;
  error(fields: object, message: string): void;
}

export interface SpoolDrainerOptions {
  spool: Spool;
  store: Store;
  /** What the delivery is stored as (spooled-content.ts). */
  contentOf(delivery: SpooledDelivery): Promise<SpooledContent>;
  /**
   * The handlers that get a job for a new event of the shop's event (may read the store: app mode asks it
   * whether the shop has uninstalled the app; a failure leaves the delivery in the spool for the next try).
   */
  handlersFor(shop: string, event: WebhookEvent): string[] | Promise<string[]>;
  log: DrainLog;
  storeTimeoutMs: number;
  /** After each delivery drained (metrics). */
  onDrained?(delivery: SpooledDelivery, content: SpooledContent, result: SpooledStoreResult): void;
  /** After a payment notification was drained (metrics). */
  onPaymentDrained?(result: DrainedPayment): void;
  /** After an uninstall call was applied (metrics). */
  onUninstallDrained?(result: DrainedUninstall): void;
  /** After a file was moved to unreadable/ (metrics). */
  onUnreadable?(): void;
  /** First wait after the store was unavailable (default 1 s), doubled up to `maxRetryMs` (default 10 s). */
  retryMs?: number;
  maxRetryMs?: number;
  /** With nothing to drain, how often stale temporary files are looked for (default 60 s). */
  idleMs?: number;
  /** Files handed to the store together (default DRAIN_BATCH_SIZE). */
  batchSize?: number;
  /** A batch ends once its files hold this many bytes (default DRAIN_BATCH_BYTES); at least one file. */
  batchBytes?: number;
}

/** Spooled deliveries handed to the store together: one group commit instead of one commit each. */
export const DRAIN_BATCH_SIZE = 64;
/**
 * The bytes of a batch's files at most (unless one file is larger): a batch is held in memory whole, and
 * spooled bodies can be large (up to the body hard limit: quarantined `too_large`).
 */
export const DRAIN_BATCH_BYTES = 4 * 1024 * 1024;

/** A spool file read: its name and delivery. */
interface ReadFile {
  readonly name: string;
  readonly entry: SpoolEntry;
}

/** A file whose delivery the store holds now, with its log fields: removed next. */
interface StoredFile {
  readonly file: ReadFile;
  readonly fields: object;
}

/** What one batch did. */
interface BatchOutcome {
  drained: number;
  left: number;
  unavailable: boolean;
  /** Its files whose deliveries the store took, in arrival order. */
  stored: StoredFile[];
}

type RoundOutcome = 'empty' | 'unavailable' | 'left';

/** The error's code and message for a log line (never the delivery's data, never a stack). */
function errorFields(error: unknown): { code?: string; message: string } {
  const code = (error as { code?: unknown } | null)?.code;
  return {
    ...(typeof code === 'string' ? { code } : {}),
    message: error instanceof Error ? error.message : String(error),
  };
}

/** A call's value, or what it threw. */
type Settled<T> = { ok: true; value: T } | { ok: false; error: unknown };

function settle<T>(call: Promise<T>): Promise<Settled<T>> {
  return call.then(
    (value) => ({ ok: true, value }),
    (error: unknown) => ({ ok: false, error }),
  );
}

/** The error's code (a store error's, a driver's), or its class name when it has none. */
function errorCode(error: unknown): string {
  const code = (error as { code?: unknown } | null)?.code;
  if (typeof code === 'string') return code;
  return error instanceof Error ? error.name : typeof error;
}

export class SpoolDrainer {
  readonly #options: SpoolDrainerOptions;
  readonly #retryMs: number;
  readonly #maxRetryMs: number;
  readonly #idleMs: number;
  readonly #batchSize: number;
  readonly #batchBytes: number;
  #running: Promise<void> | null = null;
  #stopped = false;
  /** Ends the current wait: set while waiting. */
  #wakeUp: (() => void) | null = null;
  /** Whether the current wait ends when a delivery is spooled (not while backing off from the store). */
  #wakeable = false;
  #woken = false;
  #drainPayment: PaymentDrain | null = null;
  #drainUninstall: UninstallDrain | null = null;

  constructor(options: SpoolDrainerOptions) {
    this.#options = options;
    this.#retryMs = options.retryMs ?? 1000;
    this.#maxRetryMs = options.maxRetryMs ?? 10_000;
    this.#idleMs = options.idleMs ?? 60_000;
    this.#batchSize = Math.max(1, Math.floor(options.batchSize ?? DRAIN_BATCH_SIZE));
    this.#batchBytes = Math.max(0, options.batchBytes ?? DRAIN_BATCH_BYTES);
  }

  /** App mode's payment route: how spooled payment notifications are stored. */
  drainPaymentsWith(drain: PaymentDrain): void {
    this.#drainPayment = drain;
  }

  /** App mode's uninstall route: how spooled uninstall calls are applied. */
  drainUninstallsWith(drain: UninstallDrain): void {
    this.#drainUninstall = drain;
  }

  start(): void {
    if (this.#running || this.#stopped) return;
    this.#running = this.#run();
  }

  /** A delivery was spooled: drain soon (at once when idle; after the current wait when backing off). */
  wake(): void {
    this.#woken = true;
    if (this.#wakeable) this.#wakeUp?.();
  }

  /** Stops after the batch under way; resolves when the drainer has stopped. */
  async stop(): Promise<void> {
    this.#stopped = true;
    this.#wakeUp?.();
    await this.#running;
  }

  /** One pass over the folder now (tests; the loop calls it too). */
  async drainOnce(): Promise<RoundOutcome> {
    const { spool, log } = this.#options;
    await spool.countUnreadable();
    const staleTemp = await spool.removeStaleTemp();
    if (staleTemp > 0)
      log.warn({ spool: { staleTemp } }, 'removed temporary spool files a crash left behind');
    const listed = await spool.list();
    if (listed.length === 0) return 'empty';
    let drained = 0;
    let left = 0;
    // The stored files of a batch are removed while the next batch is read and stored (one removal at a
    // time); the round waits for the last one. A removal that fails is thrown from here: the files stay,
    // and the next round finds their deliveries stored already.
    let removal: Promise<unknown> = Promise.resolve(null);
    const removed = async () => {
      const failure = await removal;
      if (failure !== null) throw failure;
    };
    try {
      for (const names of this.#batches(listed)) {
        if (this.#stopped) return 'left';
        const batch = await this.#drainBatch(names);
        drained += batch.drained;
        left += batch.left;
        await removed();
        removal = this.#removeStored(batch.stored).then(
          () => null,
          (error: unknown) => error,
        );
        if (batch.unavailable) {
          await removed();
          if (drained > 0) this.#logRound(drained);
          return 'unavailable';
        }
      }
      await removed();
    } finally {
      await removal;
    }
    if (drained > 0) this.#logRound(drained);
    return left > 0 ? 'left' : 'empty';
  }

  /** The files in batches, in order: `batchSize` files, or fewer holding `batchBytes` (at least one). */
  *#batches(names: string[]): Generator<string[]> {
    let batch: string[] = [];
    let bytes = 0;
    for (const name of names) {
      batch.push(name);
      bytes += this.#options.spool.bytesOf(name) ?? 0;
      if (batch.length >= this.#batchSize || bytes >= this.#batchBytes) {
        yield batch;
        batch = [];
        bytes = 0;
      }
    }
    if (batch.length > 0) yield batch;
  }

  /** Removes the stored files (one fsync of the folder), then logs each delivery stored. */
  async #removeStored(stored: StoredFile[]): Promise<void> {
    if (stored.length === 0) return;
    await this.#options.spool.removeAll(stored.map(({ file }) => file.name));
    for (const { file, fields } of stored) {
      this.#options.log.info({ deliveryId: file.entry.delivery.id, ...fields }, 'spooled delivery stored');
    }
  }

  #logRound(drained: number): void {
    this.#options.log.info(
      { spool: { drained, ...this.#options.spool.figures() } },
      'spool drained into the store',
    );
  }

  /**
   * One batch, in arrival order: the files read (a damaged one moved aside), then stored — runs of
   * webhook deliveries together, a payment notification alone, in its place — and the stored files
   * removed. Store unavailable: the batch ends there.
   */
  async #drainBatch(names: string[]): Promise<BatchOutcome> {
    const outcome: BatchOutcome = { drained: 0, left: 0, unavailable: false, stored: [] };
    const files: ReadFile[] = [];
    // read side by side (the thread pool's reads overlap), kept in arrival order
    for (const read of await Promise.all(names.map((name) => this.#readFile(name)))) {
      if (read === 'left') outcome.left += 1;
      else if (read !== 'gone' && read !== 'unreadable') files.push(read);
    }
    let from = 0;
    while (from < files.length && !outcome.unavailable) {
      const first = files[from] as ReadFile;
      let to = from + 1;
      if (first.entry.source === 'webhook') {
        while (to < files.length && (files[to] as ReadFile).entry.source === 'webhook') to += 1;
      }
      const run = files.slice(from, to);
      const stored =
        first.entry.source === 'webhook'
          ? await this.#storeDeliveries(run.map((file) => file.entry.delivery))
          : [await settle(this.#storeOne(first.entry))];
      this.#settleRun(run, stored, outcome);
      from = to;
    }
    return outcome;
  }

  /** The file's delivery; `unreadable` when it was moved aside, `gone` / `left` when it is not there / not read now. */
  async #readFile(name: string): Promise<ReadFile | 'gone' | 'unreadable' | 'left'> {
    const { spool, log } = this.#options;
    try {
      return { name, entry: await spool.read(name) };
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') return 'gone';
      if (!(error instanceof SpoolFileUnreadableError)) {
        log.error(
          { spool: { file: name }, err: errorFields(error) },
          'spool file could not be read; tried again later',
        );
        return 'left';
      }
      const target = await spool.moveAside(name);
      this.#options.onUnreadable?.();
      log.error(
        { spool: { file: name, movedTo: target, reason: error.detail } },
        'unreadable spool file moved aside: its delivery was not stored',
      );
      return 'unreadable';
    }
  }

  /**
   * What the store did with each file of a run: a stored one is counted (its file is removed after the
   * batch), a refused one is logged and left, an unavailable store ends the batch.
   */
  #settleRun(run: ReadFile[], stored: Settled<object>[], outcome: BatchOutcome): void {
    run.forEach((file, index) => {
      const result = stored[index] as Settled<object>;
      if (result.ok) {
        outcome.stored.push({ file, fields: result.value });
        outcome.drained += 1;
      } else if (result.error instanceof StoreUnavailableError) {
        outcome.unavailable = true;
      } else {
        // The code only: a store's message may quote the delivery's data (personal data stays out of logs).
        this.#options.log.error(
          { deliveryId: file.entry.delivery.id, err: { code: errorCode(result.error) } },
          'spooled delivery refused by the store; left in the spool and tried again later',
        );
        outcome.left += 1;
      }
    });
  }

  /**
   * Webhook deliveries, all decoded first, then handed to the store in arrival order in the same turn
   * (they share its group commit); each one's log fields, or why it was not stored.
   */
  async #storeDeliveries(deliveries: SpooledDelivery[]): Promise<Settled<object>[]> {
    const contents = await Promise.all(
      deliveries.map((delivery) => settle(this.#options.contentOf(delivery))),
    );
    // Which handlers get jobs may need a store read (app mode: has the shop uninstalled the app?): all of
    // them first too, so the store calls below still go out in arrival order in one turn.
    const handlers = await Promise.all(
      deliveries.map((delivery) =>
        settle(
          withStoreTimeout(
            'spool drain: handlers of the delivery',
            Promise.resolve(this.#options.handlersFor(delivery.shop, delivery.event)),
            this.#options.storeTimeoutMs,
          ),
        ),
      ),
    );
    const calls = deliveries.map((delivery, index) => {
      const content = contents[index] as Settled<SpooledContent>;
      const names = handlers[index] as Settled<string[]>;
      if (!content.ok) return Promise.resolve(content);
      if (!names.ok) return Promise.resolve(names);
      return settle(this.#storeDelivery(delivery, content.value, names.value));
    });
    return Promise.all(calls);
  }

  /** A decoded webhook delivery stored; its log fields. Counted once the store holds it, before the file goes. */
  async #storeDelivery(
    delivery: SpooledDelivery,
    content: SpooledContent,
    handlers: string[],
  ): Promise<object> {
    const result: SpooledStoreResult = await withStoreTimeout(
      'spool drain',
      this.#options.store.storeSpooled(delivery, content, handlers),
      this.#options.storeTimeoutMs,
    );
    this.#options.onDrained?.(delivery, content, result);
    return {
      shop: delivery.shop,
      event: delivery.event,
      // The metric's outcomes (srhooks_spool_deliveries_total): already_stored, quarantined, stored.
      outcome: result.alreadyStored ? 'already_stored' : 'failure' in content ? 'quarantined' : 'stored',
      events: result.events.length,
      duplicates: result.duplicates,
      alreadyStored: result.alreadyStored,
    };
  }

  /** A payment notification or an uninstall call: handed to app mode; its log fields. */
  #storeOne(entry: SpoolEntry): Promise<object> {
    return entry.source === 'app_uninstall'
      ? this.#applyUninstall(entry.delivery)
      : this.#storePayment(entry.delivery);
  }

  /** An uninstall call: applied by app mode's uninstall route; its log fields. */
  async #applyUninstall(delivery: SpooledDelivery): Promise<object> {
    if (this.#drainUninstall === null) throw new SpoolUninstallsOffError();
    const result = await this.#drainUninstall(delivery);
    this.#options.onUninstallDrained?.(result);
    return { source: 'app_uninstall', ...result, alreadyStored: result.outcome === 'already_stored' };
  }

  /** A payment notification: filed and stored by app mode's payment route; its log fields. */
  async #storePayment(delivery: SpooledDelivery): Promise<object> {
    if (this.#drainPayment === null) throw new SpoolPaymentsOffError();
    const result = await this.#drainPayment(delivery);
    this.#options.onPaymentDrained?.(result);
    return { source: 'payment_notification', ...result, alreadyStored: result.outcome === 'already_stored' };
  }

  async #run(): Promise<void> {
    let backoff = this.#retryMs;
    while (!this.#stopped) {
      let outcome: RoundOutcome;
      this.#woken = false;
      try {
        outcome = await this.drainOnce();
      } catch (error) {
        // the folder itself failed (listing, removing): logged, tried again like an unavailable store
        const { dir } = this.#options.spool;
        if (isSpoolFolderGone(error, dir))
          this.#options.log.error(
            { spool: { dir, code: 'spool_folder_gone' } },
            `spool drain failed: ${spoolFolderGoneText(dir)}`,
          );
        else this.#options.log.error({ err: errorFields(error) }, 'spool drain failed; tried again later');
        outcome = 'unavailable';
      }
      if (this.#stopped) break;
      if (outcome === 'empty') {
        backoff = this.#retryMs;
        if (!this.#woken) await this.#wait(this.#idleMs, true);
      } else {
        await this.#wait(backoff, false);
        if (outcome === 'unavailable') backoff = Math.min(backoff * 2, this.#maxRetryMs);
      }
    }
  }

  #wait(ms: number, wakeable: boolean): Promise<void> {
    return new Promise((resolve) => {
      const done = () => {
        clearTimeout(timer);
        this.#wakeUp = null;
        this.#wakeable = false;
        resolve();
      };
      const timer = setTimeout(done, ms);
      this.#wakeUp = done;
      this.#wakeable = wakeable;
    });
  }
}
