/**
 * The receiver's Prometheus metrics, on a registry of its own (several receivers in one
 * process, as in tests, do not collide). Labels are bounded: shop and event only ever come from
 * authenticated URLs; forged attempts are counted by reason, never by the attacker's values.
 */
import { Counter, collectDefaultMetrics, Gauge, Histogram, Registry } from 'prom-client';
import type { RelayStats } from '../store/postgres/pg-change-relay.js';
import type { HandlerBacklog, StoreStats } from '../store/store.js';

/** How one POST to /hooks ended. */
export type DeliveryOutcome =
  | 'stored'
  | 'quarantined'
  | 'spooled'
  | 'store_unavailable'
  | 'too_large'
  | 'rejected';

/** How a spooled delivery left the spool (or why it could not enter it). */
export type SpoolOutcome =
  | 'stored'
  | 'quarantined'
  | 'already_stored'
  | 'duplicate'
  | 'refused'
  | 'unreadable'
  | 'full'
  | 'write_failed';

/** Why a POST to /hooks was treated as forged (all answered with the same 404). */
export type ForgedReason = 'bad_token' | 'unknown_event' | 'bad_shop' | 'unknown_route';

export class ReceiverMetrics {
  readonly registry = new Registry();

  readonly deliveries = new Counter({
    name: 'srhooks_deliveries_total',
    help: 'Authentic deliveries received, by shop, event and outcome',
    labelNames: ['shop', 'event', 'outcome'] as const,
    registers: [this.registry],
  });

  readonly ingestDuration = new Histogram({
    name: 'srhooks_ingest_duration_seconds',
    help: 'Time from request start to answer for POST /hooks, by outcome',
    labelNames: ['outcome'] as const,
    buckets: [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
    registers: [this.registry],
  });

  readonly events = new Counter({
    name: 'srhooks_events_total',
    help: 'Events (orders / subscribers) stored from deliveries, duplicates included',
    labelNames: ['shop', 'event'] as const,
    registers: [this.registry],
  });

  readonly recoveredEvents = new Counter({
    name: 'srhooks_recovered_events_total',
    help: 'Events the receiver never got as deliveries and recovered from the shop API, by shop and event',
    labelNames: ['shop', 'event'] as const,
    registers: [this.registry],
  });

  readonly shopClockBehind = new Gauge({
    name: 'srhooks_shop_clock_behind_seconds',
    help: "How far the shop's clock was behind this receiver's at its last recovery pass (its API's Date header; 0 within 2 s or when ahead), by shop: recovery reads by the shop's clock",
    labelNames: ['shop'] as const,
    registers: [this.registry],
  });
  readonly recoveryFailures = new Counter({
    name: 'srhooks_recovery_failures_total',
    help: 'Recovery passes that failed (credentials, API errors, timeouts, store), by shop',
    labelNames: ['shop'] as const,
    registers: [this.registry],
  });

  /**
   * The watermark of each shop's last pass this process ran (set by the recovery service), so its own
   * pass shows at once; `observeRecoveryLag` takes the later of it and the store's.
   */
  readonly recoveryWatermarks = new Map<string, Date>();

  readonly duplicates = new Counter({
    name: 'srhooks_duplicate_events_total',
    help: 'Events whose dedupe key was seen before (recorded, not processed again)',
    labelNames: ['shop', 'event'] as const,
    registers: [this.registry],
  });

  readonly quarantined = new Counter({
    name: 'srhooks_quarantined_deliveries_total',
    help: 'Authentic deliveries that could not be decoded, stored in quarantine, by decode error code',
    labelNames: ['shop', 'event', 'code'] as const,
    registers: [this.registry],
  });

  readonly forgedAttempts = new Counter({
    name: 'srhooks_forged_attempts_total',
    help: 'Requests refused as not authentic: /hooks POSTs (wrong token, unknown event or malformed shop) and, in app mode, app requests and Payment API notifications (bad_token; stale, replayed)',
    labelNames: ['reason'] as const,
    registers: [this.registry],
  });

  readonly forbiddenAddresses = new Counter({
    name: 'srhooks_forbidden_addresses_total',
    help: 'POSTs to /hooks refused by the IP allow-list',
    registers: [this.registry],
  });

  readonly droppedConnections = new Counter({
    name: 'srhooks_dropped_connections_total',
    help: 'Client connections closed unanswered as they arrived because maxConnections (SRHOOKS_MAX_CONNECTIONS) were already open',
    registers: [this.registry],
  });

  readonly adminRefusals = new Counter({
    name: 'srhooks_admin_refusals_total',
    help: 'Admin API / inspector requests refused: a wrong credential, or an address throttled after too many',
    labelNames: ['reason'] as const,
    registers: [this.registry],
  });

  readonly pruned = new Counter({
    name: 'srhooks_pruned_total',
    help: 'Rows deleted by a prune, by kind and by what ran it: retention (SRHOOKS_RETENTION_DAYS) or admin (POST /admin/api/prune, srhooks prune)',
    labelNames: ['kind', 'by'] as const,
    registers: [this.registry],
  });

  readonly storeErrors = new Counter({
    name: 'srhooks_store_errors_total',
    help: 'Store calls that failed or timed out, by operation',
    labelNames: ['operation'] as const,
    registers: [this.registry],
  });

  readonly handlerAttempts = new Counter({
    name: 'srhooks_handler_attempts_total',
    help: 'Handler attempts by handler, type and outcome (succeeded, retry, dead, disable; stale: the store ignored the outcome, the attempt no longer held its job)',
    labelNames: ['handler', 'type', 'outcome'] as const,
    registers: [this.registry],
  });

  readonly handlerAttemptDuration = new Histogram({
    name: 'srhooks_handler_attempt_duration_seconds',
    help: 'Time one handler attempt took (for broker handlers: until the broker acknowledged), by handler and type',
    labelNames: ['handler', 'type'] as const,
    buckets: [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30],
    registers: [this.registry],
  });

  /**
   * Broker handlers: 1 while the handler's connection to its broker is up, else 0; and, for those that
   * can tell (amqp), 1 while the broker blocks publishing over that connection (RabbitMQ's
   * connection.blocked: a memory or disk alarm), else 0 — the connection stays up meanwhile, so the
   * first gauge alone says nothing is wrong (both read at scrape time).
   */
  observeHandlerConnections(
    handlers: () => Iterable<{ name: string; type: string; connected?: boolean; blocked?: boolean }>,
  ): void {
    this.#unregister('srhooks_handler_connected');
    this.#unregister('srhooks_handler_blocked');
    new Gauge({
      name: 'srhooks_handler_blocked',
      help: "1 while the broker blocks publishing over a broker handler's live connection (RabbitMQ connection.blocked: a memory or disk alarm), else 0 (amqp handlers only)",
      labelNames: ['handler', 'type'] as const,
      registers: [this.registry],
      collect() {
        for (const handler of handlers()) {
          if (handler.blocked === undefined) continue;
          this.set({ handler: handler.name, type: handler.type }, handler.blocked ? 1 : 0);
        }
      },
    });
    new Gauge({
      name: 'srhooks_handler_connected',
      help: "1 while a broker handler's connection is up, else 0 (broker handlers only)",
      labelNames: ['handler', 'type'] as const,
      registers: [this.registry],
      collect() {
        for (const handler of handlers()) {
          if (handler.connected === undefined) continue;
          this.set({ handler: handler.name, type: handler.type }, handler.connected ? 1 : 0);
        }
      },
    });
  }

  /**
   * Gauges read from the store's own counters at scrape time: write transactions, the writes they
   * carried, and commits slower than 5 ms (SQLite: the WAL fsync, so these are the disk's stalls).
   */
  /** A gauge read at scrape time; a reading of null leaves it unchanged. */
  /**
   * Removes a metric the observe* methods registered before, so they may be called again on the same
   * registry: the full receiver that takes over from the spool-only one (start-up/) keeps its metrics
   * (its counters go on from the spool-only receiver's counts) and observes its own store and spool.
   */
  #unregister(name: string): void {
    this.registry.removeSingleMetric(name);
  }

  #gauge<S>(stats: () => S | null, name: string, help: string, read: (s: S) => number): void {
    this.#unregister(name);
    new Gauge({
      name,
      help,
      registers: [this.registry],
      collect() {
        const current = stats();
        if (current !== null) this.set(read(current));
      },
    });
  }

  readonly spoolDeliveries = new Counter({
    name: 'srhooks_spool_deliveries_total',
    help: 'The delivery spool (SRHOOKS_SPOOL_DIR): deliveries drained into the store (stored, quarantined, already_stored; duplicate: a payment notification filed under another shop already; refused: an app uninstall call not applied, replayed or superseded by an install), moved aside as unreadable, or not spooled (full, write_failed)',
    labelNames: ['outcome'] as const,
    registers: [this.registry],
  });

  /** The delivery spool: deliveries waiting in it, their bytes, damaged files moved aside (at scrape time). */
  observeSpool(figures: () => { deliveries: number; bytes: number; unreadableFiles: number }): void {
    this.#gauge(
      figures,
      'srhooks_spool_waiting_deliveries',
      'Deliveries waiting in the spool for the store',
      (f) => f.deliveries,
    );
    this.#gauge(figures, 'srhooks_spool_waiting_bytes', "Bytes of the spool's files", (f) => f.bytes);
    this.#gauge(
      figures,
      'srhooks_spool_unreadable_files',
      "Damaged spool files in the spool's unreadable/ folder, waiting for an operator (never deleted automatically)",
      (f) => f.unreadableFiles,
    );
  }

  observeStore(stats: () => StoreStats): void {
    const gauge = (name: string, help: string, read: (s: StoreStats) => number) =>
      this.#gauge(stats, name, help, read);
    gauge('srhooks_store_commits', 'Write transactions committed by this process', (s) => s.commits);
    gauge(
      'srhooks_store_committed_writes',
      'Writes those transactions carried (group commit)',
      (s) => s.items,
    );
    gauge('srhooks_store_slow_commits', 'Commits that took longer than 5 ms', (s) => s.slowCommits);
    gauge(
      'srhooks_store_longest_commit_seconds',
      'The longest commit so far',
      (s) => s.longestCommitMs / 1000,
    );
  }

  /**
   * The memory trimmer (src/memory): whether it runs (the addon loaded), and its collections and trims
   * so far; `trimmer` is null where it does not run.
   */
  observeMemoryTrimmer(trimmer: { trims: number; collections: number } | null): void {
    const stats = () => trimmer ?? { trims: 0, collections: 0 };
    this.#unregister('srhooks_memory_trim_available');
    new Gauge({
      name: 'srhooks_memory_trim_available',
      help: "1 when the memory-trim addon runs (a burst's memory is given back), else 0",
      registers: [this.registry],
      collect() {
        this.set(trimmer === null ? 0 : 1);
      },
    });
    this.#gauge(
      stats,
      'srhooks_memory_collections',
      'Bursts after which the heaps were collected and the freed memory given back',
      (s) => s.collections,
    );
    this.#gauge(stats, 'srhooks_memory_trims', "Calls of glibc's malloc_trim after bursts", (s) => s.trims);
  }

  /**
   * `srhooks_dead_letters{handler}`, `srhooks_jobs_waiting{handler}` and `srhooks_jobs_running{handler}`, read from the store when
   * /metrics is scraped, so every instance on one database reports the same figures. A reading is kept
   * for `maxAgeMs` (scrapes of several instances, or several scrapers, cost one query per period); a
   * read that fails or takes over `timeoutMs` keeps the previous figures. Configured handlers are
   * always reported (0 when they have none); handlers that only old jobs name appear while they have some.
   */
  observeHandlerBacklog(
    read: () => Promise<HandlerBacklog[]>,
    configured: readonly string[],
    options: { maxAgeMs?: number; timeoutMs?: number } = {},
  ): void {
    const current = cachedRead(read, options);
    const gauge = (name: string, help: string, pick: (row: HandlerBacklog) => number) => {
      this.#unregister(name);
      new Gauge({
        name,
        help,
        labelNames: ['handler'] as const,
        registers: [this.registry],
        async collect() {
          const rows = await current();
          if (rows === null) return;
          this.reset();
          for (const handler of configured) this.set({ handler }, 0);
          for (const row of rows) this.set({ handler: row.handler }, pick(row));
        },
      });
    };
    gauge(
      'srhooks_dead_letters',
      'Dead-lettered jobs per handler, in the store (all instances; replay them after fixing the cause)',
      (row) => row.dead,
    );
    gauge(
      'srhooks_jobs_waiting',
      'Jobs waiting per handler, in the store (all instances): runnable now or at their retry time',
      (row) => row.waiting,
    );
    gauge(
      'srhooks_jobs_running',
      'Jobs running per handler, in the store (all instances): leased by a worker now, also one whose worker died until its lease expires',
      (row) => row.running,
    );
  }

  /**
   * `srhooks_recovery_lag_seconds{shop}`: now minus the shop's recovery watermark, the watermark read
   * from the store when /metrics is scraped (kept as `observeHandlerBacklog` keeps its figures; a pass of
   * this process counts at once, see `recoveryWatermarks`), for the
   * shops this receiver recovers (`shops`). With several receivers on one store a shop's pass runs on one
   * of them per interval, and moves the watermark in the store: every instance reports the same lag, not
   * the age of the last pass it ran itself (which grew without bound on an instance whose turns the
   * others took, and was missing on one that never ran a pass).
   */
  observeRecoveryLag(
    read: () => Promise<readonly { shop: string; watermark: Date | null }[]>,
    shops: () => readonly string[],
    options: { maxAgeMs?: number; timeoutMs?: number } = {},
  ): void {
    const current = cachedRead(read, options);
    const own = this.recoveryWatermarks;
    this.#unregister('srhooks_recovery_lag_seconds');
    new Gauge({
      name: 'srhooks_recovery_lag_seconds',
      help: 'Now minus the recovery watermark (everything changed before it was read from the shop API), by shop; read from the store, the same on every instance',
      labelNames: ['shop'] as const,
      registers: [this.registry],
      async collect() {
        const latest = new Map<string, number>();
        for (const { shop, watermark } of (await current()) ?? []) {
          if (watermark !== null) latest.set(shop, watermark.getTime());
        }
        for (const [shop, watermark] of own) {
          latest.set(shop, Math.max(latest.get(shop) ?? 0, watermark.getTime()));
        }
        const now = Date.now();
        this.reset();
        for (const shop of shops()) {
          const watermark = latest.get(shop);
          if (watermark !== undefined) this.set({ shop }, Math.max(0, (now - watermark) / 1000));
        }
      },
    });
  }

  /** PostgreSQL: the change feed shared with the other instances (see PgChangeRelay). */
  observeChangeRelay(stats: () => RelayStats | null): void {
    const gauge = (name: string, help: string, read: (s: RelayStats) => number) =>
      this.#gauge(stats, name, help, read);
    gauge(
      'srhooks_change_relay_listening',
      "1 while this instance receives the other instances' changes (LISTEN connection up), else 0",
      (s) => (s.listening ? 1 : 0),
    );
    gauge('srhooks_change_relay_published', 'Changes published to the other instances', (s) => s.published);
    gauge(
      'srhooks_change_relay_publish_failures',
      'Changes that could not be published (the other instances missed them live)',
      (s) => s.publishFailures,
    );
    gauge('srhooks_change_relay_received', 'Changes received from the other instances', (s) => s.received);
  }

  constructor(options: { defaultMetrics?: boolean } = {}) {
    if (options.defaultMetrics !== false) {
      collectDefaultMetrics({ register: this.registry, prefix: 'srhooks_' });
    }
  }
}

/**
 * A store reading for gauges collected at scrape time: kept for `maxAgeMs` (default 5 s: scrapes of
 * several instances, or several scrapers, cost one query per period); a read that fails or takes over
 * `timeoutMs` (default 2 s) gives the previous reading (null before the first).
 */
function cachedRead<T>(
  read: () => Promise<T>,
  options: { maxAgeMs?: number; timeoutMs?: number },
): () => Promise<T | null> {
  const maxAgeMs = options.maxAgeMs ?? 5_000;
  const timeoutMs = options.timeoutMs ?? 2_000;
  let cached: { at: number; value: T } | null = null;
  let reading: Promise<T | null> | null = null;
  return () => {
    if (cached !== null && Date.now() - cached.at < maxAgeMs) return Promise.resolve(cached.value);
    reading ??= (async () => {
      let timer: NodeJS.Timeout | undefined;
      try {
        const value = await Promise.race([
          read(),
          new Promise<never>((_, reject) => {
            timer = setTimeout(() => reject(new Error('timed out')), timeoutMs);
          }),
        ]);
        cached = { at: Date.now(), value };
        return value;
      } catch {
        return cached?.value ?? null;
      } finally {
        clearTimeout(timer);
        reading = null;
      }
    })();
    return reading;
  };
}
