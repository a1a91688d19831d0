/**
 * Carries the store's change feed between receiver instances that share one PostgreSQL database, so each
 * instance's inspector live stream and job worker see what the others commit:
 *
 * - changes committed here are published with `pg_notify` on a channel of the schema, coalesced: one
 *   statement in flight, at most one per PUBLISH_INTERVAL_MS (what arrives meanwhile goes in the next,
 *   so a busy instance sends tens of statements a second, not one per commit), split into
 *   notifications under PostgreSQL's 8000-byte payload limit;
 * - a dedicated connection LISTENs on that channel and hands other instances' changes to `onRemote`
 *   (this instance's own come back too and are skipped: they were emitted locally at commit).
 *
 * A live view is best effort by nature: a failed publish is counted, not retried, and while the
 * listening connection is down remote changes are missed (pages reload what they show, workers still
 * poll); it reconnects by itself with backoff.
 *
 * A listening connection can also die silently: a NAT or firewall that drops the flow, a peer host gone,
 * leave the socket open with nothing arriving — no error, no end, `listening` 1, and every other instance's
 * change missed until the operating system's keepalive gives up (hours). So the listener is checked every
 * CHECK_INTERVAL_MS with a `SELECT 1` on that connection: one not answered within CHECK_TIMEOUT_MS counts
 * as lost (its socket destroyed) and the relay reconnects.
 *
 * Closing is bounded the way the store's close is (PgStore's closeGraceMs, 2 s, through the same
 * settledWithin/destroySocket as the lock releases): a publish in flight and the listener's goodbye get the
 * grace, then the listener's socket is destroyed. Before, a listener gone silent and not noticed yet held
 * the close for its check timeout (5 s), and a publish in flight for the pool's query timeout (10 s).
 * `cut()` closes at once (the store found the server silent, or its grace ran out).
 */
import { createHash, randomBytes } from 'node:crypto';
import type pg from 'pg';
import type { StoreChange } from '../store.js';
import { pgDriver } from './pg-driver.js';
import { destroySocket, settledWithin } from './pg-shop-locks.js';

/** Payloads stay under PostgreSQL's limit (8000 bytes) with room for the envelope. */
const MAX_PAYLOAD_BYTES = 7800;
const RECONNECT_DELAYS_MS = [250, 500, 1000, 2000, 5000] as const;
/** Publishes start at least this far apart: a live view needs no finer grain, and each costs a round trip. */
export const PUBLISH_INTERVAL_MS = 50;
/** How often the listening connection is checked, and how long its check may take before it counts as lost. */
export const CHECK_INTERVAL_MS = 10_000;
export const CHECK_TIMEOUT_MS = 5_000;
const CHANGE_KINDS = new Set(['delivery', 'job', 'event']);

export interface PgChangeRelayOptions {
  url: string;
  schema: string | null;
  connectTimeoutMs: number;
  /** Runs one statement (this relay's publishes go through the store's pool). */
  query: (text: string, values: unknown[]) => Promise<unknown>;
  /** Changes another instance committed. */
  onRemote: (changes: StoreChange[]) => void;
  /**
   * Listening again after the listening connection was lost (or its first LISTEN failed): other instances'
   * changes of the time in between were missed, and what shows them should be read again.
   */
  onResumed?: () => void;
  /** Waits before reconnecting the listener, one per failed attempt in a row (the last repeats). */
  reconnectDelaysMs?: readonly number[];
  /**
   * Closing: how long a publish in flight and the listener's goodbye get before its socket is destroyed
   * (the store's closeGraceMs; default CLOSE_GRACE_MS of pg-store-options.ts, 2 s).
   */
  closeGraceMs?: number;
  /** The listener's liveness check (defaults CHECK_INTERVAL_MS, CHECK_TIMEOUT_MS). */
  checkIntervalMs?: number;
  checkTimeoutMs?: number;
}

export interface RelayStats {
  /** Changes published, and the pg_notify statements that carried them. */
  published: number;
  statements: number;
  publishFailures: number;
  received: number;
  listening: boolean;
}

/** The NOTIFY channel of a schema: an identifier PostgreSQL keeps as is (lower case, 32 characters). */
export function changeChannel(schema: string | null): string {
  const digest = createHash('sha256')
    .update(schema ?? '')
    .digest('hex');
  return `srhooks_changes_${digest.slice(0, 16)}`;
}

/** The listening connection's `application_name`: which schema's relay it is (53 characters, under the 63 allowed). */
export const relayApplicationName = (channel: string) => `srhooks-change-relay ${channel}`;

/** Changes → notification payloads, each under the size limit, in order. */
export function changePayloads(origin: string, changes: readonly StoreChange[]): string[] {
  const head = `{"o":${JSON.stringify(origin)},"c":[`;
  const payloads: string[] = [];
  let parts: string[] = [];
  let size = head.length + 2;
  for (const change of changes) {
    const part = JSON.stringify(change);
    const bytes = Buffer.byteLength(part) + 1;
    if (parts.length > 0 && size + bytes > MAX_PAYLOAD_BYTES) {
      payloads.push(`${head}${parts.join(',')}]}`);
      parts = [];
      size = head.length + 2;
    }
    parts.push(part);
    size += bytes;
  }
  if (parts.length > 0) payloads.push(`${head}${parts.join(',')}]}`);
  return payloads;
}

function isStoreChange(value: unknown): value is StoreChange {
  if (value === null || typeof value !== 'object') return false;
  const change = value as Record<string, unknown>;
  if (!CHANGE_KINDS.has(change.kind as string) || typeof change.status !== 'string') return false;
  if (change.kind === 'delivery') return typeof change.deliveryId === 'string';
  if (change.kind === 'job') return typeof change.jobId === 'string' && typeof change.eventId === 'string';
  return typeof change.eventId === 'string';
}

/** A notification's changes, or null when it is not one of ours or comes from `self`. */
export function parseChangePayload(payload: string | undefined, self: string): StoreChange[] | null {
  if (payload === undefined) return null;
  let parsed: unknown;
  try {
    parsed = JSON.parse(payload);
  } catch {
    return null;
  }
  const { o: origin, c: changes } = (parsed ?? {}) as { o?: unknown; c?: unknown };
  if (typeof origin !== 'string' || origin === self || !Array.isArray(changes)) return null;
  return changes.filter(isStoreChange);
}

/** The store's close grace (CLOSE_GRACE_MS of pg-store-options.ts, not imported: pg-store imports this module). */
const DEFAULT_CLOSE_GRACE_MS = 2000;

export class PgChangeRelay {
  /** Tells this instance's notifications from the others'. */
  readonly origin = randomBytes(9).toString('base64url');
  readonly channel: string;
  readonly #options: PgChangeRelayOptions;
  readonly #reconnectDelaysMs: readonly number[];
  #queue: StoreChange[] = [];
  #publishing: Promise<void> | null = null;
  #lastPublishAt = Number.NEGATIVE_INFINITY;
  #listener: pg.Client | null = null;
  /** The listener being ended by close (cut() destroys it). */
  #closing: pg.Client | null = null;
  #wantListening = false;
  #failuresInARow = 0;
  /** A listening connection was lost, or a LISTEN failed, since the last one that succeeded. */
  #gap = false;
  #reconnectTimer: NodeJS.Timeout | null = null;
  #checkTimer: NodeJS.Timeout | null = null;
  #closed = false;
  readonly #stats: RelayStats = {
    published: 0,
    statements: 0,
    publishFailures: 0,
    received: 0,
    listening: false,
  };

  constructor(options: PgChangeRelayOptions) {
    this.#options = options;
    this.channel = changeChannel(options.schema);
    this.#reconnectDelaysMs = options.reconnectDelaysMs ?? RECONNECT_DELAYS_MS;
  }

  stats(): RelayStats {
    return { ...this.#stats };
  }

  /** Publishes committed changes to the other instances (coalesced; never throws). */
  publish(changes: readonly StoreChange[]): void {
    if (this.#closed || changes.length === 0) return;
    this.#queue.push(...changes);
    if (this.#publishing === null) this.#publishing = this.#drain();
  }

  /** Starts listening for other instances' changes (idempotent); resolves once LISTEN ran or failed. */
  async listen(): Promise<void> {
    if (this.#closed || this.#wantListening) return;
    this.#wantListening = true;
    await this.#connect();
  }

  /**
   * Sends what is queued, stops listening. Bounded: the publish in flight and the listener's goodbye get
   * the close grace each, then the listener's socket is destroyed (a server gone silent never answers).
   */
  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    if (this.#reconnectTimer) clearTimeout(this.#reconnectTimer);
    this.#stopChecks();
    const grace = this.#options.closeGraceMs ?? DEFAULT_CLOSE_GRACE_MS;
    if (this.#publishing) await settledWithin(this.#publishing, grace);
    const listener = this.#listener;
    this.#listener = null;
    this.#stats.listening = false;
    if (!listener) return;
    this.#closing = listener;
    // A listener gone silent (not noticed yet) would never answer the goodbye: its socket is destroyed.
    if (!(await settledWithin(listener.end(), grace))) destroySocket(listener);
    this.#closing = null;
  }

  /**
   * Closes at once, waiting for nothing (the store found its server silent): no more publishes or
   * reconnects, and the listener's socket — also one close() is still ending — is destroyed.
   */
  cut(): void {
    this.#closed = true;
    if (this.#reconnectTimer) clearTimeout(this.#reconnectTimer);
    this.#stopChecks();
    this.#stats.listening = false;
    for (const client of [this.#listener, this.#closing]) if (client) destroySocket(client);
    this.#listener = null;
  }

  async #drain(): Promise<void> {
    // One statement at a time, spaced: what arrives meanwhile goes in the next (fewer, fuller notifications).
    await Promise.resolve(); // the commits of this turn join the first statement
    while (this.#queue.length > 0) {
      const wait = this.#lastPublishAt + PUBLISH_INTERVAL_MS - performance.now();
      if (wait > 0 && !this.#closed) await new Promise((resolve) => setTimeout(resolve, wait));
      this.#lastPublishAt = performance.now();
      const changes = this.#queue;
      this.#queue = [];
      try {
        await this.#options.query('SELECT pg_notify($1, payload) FROM unnest($2::text[]) AS payload', [
          this.channel,
          changePayloads(this.origin, changes),
        ]);
        this.#stats.published += changes.length;
        this.#stats.statements++;
      } catch {
        this.#stats.publishFailures += changes.length;
      }
    }
    this.#publishing = null;
  }

  async #connect(): Promise<void> {
    if (this.#closed) return;
    const client = new (pgDriver().Client)({
      connectionString: this.#options.url,
      connectionTimeoutMillis: this.#options.connectTimeoutMs,
      keepAlive: true,
      // The channel names the schema's relay in pg_stat_activity (an operator's, or a test's, query).
      application_name: relayApplicationName(this.channel),
    });
    let failed = false;
    const lost = () => {
      if (failed) return;
      failed = true;
      if (this.#listener === client) {
        this.#listener = null;
        this.#stopChecks();
      }
      this.#stats.listening = false;
      this.#gap = true;
      client.end().catch(() => {});
      this.#scheduleReconnect();
    };
    client.on('error', lost);
    client.on('end', lost);
    client.on('notification', (message) => {
      if (message.channel !== this.channel) return;
      const changes = parseChangePayload(message.payload, this.origin);
      if (changes === null || changes.length === 0) return;
      this.#stats.received += changes.length;
      this.#options.onRemote(changes);
    });
    try {
      await client.connect();
      await client.query(`LISTEN ${this.channel}`);
    } catch {
      lost();
      return;
    }
    if (this.#closed) {
      failed = true;
      await client.end().catch(() => {});
      return;
    }
    this.#listener = client;
    this.#failuresInARow = 0;
    this.#stats.listening = true;
    this.#startChecks(client, lost);
    if (this.#gap) {
      this.#gap = false;
      this.#options.onResumed?.();
    }
  }

  /** Checks `client` every interval while it is the listener; `lost` when a check fails or takes too long. */
  #startChecks(client: pg.Client, lost: () => void): void {
    this.#stopChecks();
    const timeoutMs = this.#options.checkTimeoutMs ?? CHECK_TIMEOUT_MS;
    let checking = false;
    this.#checkTimer = setInterval(() => {
      if (checking || this.#listener !== client) return;
      checking = true;
      let deadline: NodeJS.Timeout | undefined;
      const expired = new Promise<never>((_, reject) => {
        deadline = setTimeout(() => reject(new Error('listener check timed out')), timeoutMs);
      });
      Promise.race([client.query('SELECT 1'), expired])
        .catch(() => {
          if (this.#listener !== client) return;
          // A silent socket ends only when destroyed: client.end() would wait for an answer that never comes.
          destroySocket(client);
          lost();
        })
        .finally(() => {
          clearTimeout(deadline);
          checking = false;
        });
    }, this.#options.checkIntervalMs ?? CHECK_INTERVAL_MS);
    this.#checkTimer.unref();
  }

  #stopChecks(): void {
    if (this.#checkTimer) clearInterval(this.#checkTimer);
    this.#checkTimer = null;
  }

  #scheduleReconnect(): void {
    if (this.#closed || this.#reconnectTimer !== null) return;
    const delays = this.#reconnectDelaysMs;
    const delay = delays[Math.min(this.#failuresInARow, delays.length - 1)] ?? 1000;
    this.#failuresInARow++;
    this.#reconnectTimer = setTimeout(() => {
      this.#reconnectTimer = null;
      void this.#connect();
    }, delay);
    this.#reconnectTimer.unref();
  }
}
