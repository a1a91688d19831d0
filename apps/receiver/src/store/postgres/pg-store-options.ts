/**
 * What a PgStore is opened with (pg-store.ts): the server, the pool's limits and timeouts, the change
 * feed's sharing, whose clock times jobs, the migrations' index thresholds, the locks' and sessions'
 * idle limits, and how long the close (and the shutdown's bound) waits for a silent server.
 */
import type { JobClock } from './pg-jobs.js';

export interface PgStoreOptions {
  /** `postgres://user@host:port/db`. */
  url: string;
  /** Schema holding the tables (created if absent). Default: the server's search_path (usually `public`). */
  schema?: string;
  /** Connections in the pool. Default 10. */
  poolSize?: number;
  /** Give up opening a connection after this long (unreachable server → StoreUnavailableError). Default 2000 ms. */
  connectTimeoutMs?: number;
  /**
   * Give up waiting for a free pooled connection after this long. Default 10000 ms: a burst larger than
   * the pool queues instead of failing, while an unreachable server still fails each attempt within
   * connectTimeoutMs. Callers that must answer sooner put their own timeout around store calls.
   */
  acquireTimeoutMs?: number;
  /** Give up waiting for a query's answer after this long. Default 10000 ms. */
  queryTimeoutMs?: number;
  /**
   * Group commit: at most this many ingest/quarantine calls run at once; deliveries arriving meanwhile
   * wait and go together in the next call (one round trip, one transaction; set-based from 4 deliveries).
   * Default 2 (at most the pool size): fewer, larger calls cost less per delivery on both sides (bench,
   * 50 connections: 4.6 deliveries per call and 390 us of event-loop time per request with 5 calls in
   * flight, 10.6 and 284 us with 2), and a second call keeps ingest moving while one waits on a lock.
   */
  ingestConcurrency?: number;
  /** Most deliveries in one ingest call. Default 256. */
  maxBatch?: number;
  /**
   * Share the change feed with the other instances on this database and schema (pg_notify / LISTEN), so
   * `onChange` listeners (the inspector's live stream, job worker wake-ups) see their commits too.
   * Default true.
   */
  shareChanges?: boolean;
  /**
   * Whose clock times job leases (when a lease ends, whether it has ended) and due times (when a new,
   * retried, released or replayed job becomes due). Default 'server': the database server's, so that
   * receivers whose host clocks differ agree (see pg-jobs.ts, pg-job-clock-migration.ts). 'caller': the
   * `now` each call passes (a delivery's receivedAt, a retry's retryAt), as on SQLite; only for tests
   * that move time by passing `now`.
   */
  jobClock?: JobClock;
  /**
   * The text-search trigram index (pg-search-index.ts) is built before `migrate()` resolves while the
   * events table is at most this large, and concurrently in the background when larger. Default 8 MB.
   */
  searchIndexInlineMaxBytes?: number;
  /**
   * A migration's indexes (pg-migration-list.ts, version 11) are built in its transaction while their table is
   * at most this large, and with CREATE INDEX CONCURRENTLY when larger. Default 8 MB.
   */
  migrationIndexInlineMaxBytes?: number;
  /**
   * While migrating, how often the server is asked about the migration's connection (pg-connection.ts):
   * its state is reported as progress, and two checks unanswered fail the migration. Default 15000 ms.
   */
  migrationCheckMs?: number;
  /**
   * A shop's recovery or reconcile lock, or the prune lock, is released by the server once its holder's connection has been
   * silent this long (the holder cut off from the server; lock-session-guard.ts). Default 60000 ms.
   */
  lockIdleTimeoutMs?: number;
  /**
   * The server ends a session of this store idle inside a transaction this long
   * (`idle_in_transaction_session_timeout`), rolling it back: a receiver cut off mid-transaction does not
   * hold its row locks (a job the others would take over) for hours. Default 60000 ms.
   */
  idleInTransactionTimeoutMs?: number;
  /**
   * Closing: how long operations in flight, and connections saying goodbye (the change relay's listening
   * one too), get before the connections' sockets are destroyed (a server gone silent — a NAT or firewall
   * dropping the flow — never answers: the close, and the process's exit, waited for the query timeout,
   * and for a connection's goodbye for ever). Also how long a call of the background work's view
   * (forBackgroundWork) may go unanswered once the shutdown has begun. Default 2000 ms.
   */
  closeGraceMs?: number;
}

/** See {@link PgStoreOptions.closeGraceMs}. */
export const CLOSE_GRACE_MS = 2000;
