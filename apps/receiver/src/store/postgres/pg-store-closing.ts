/**
 * How a PgStore ends (pg-store.ts): its close, bounded when the server went silent (a NAT or firewall
 * dropping the flow, its host gone: no answer, no error), and the receiver's shutdown bound of the views
 * its background work and its admin requests use (shutdown-bounded-store.ts).
 *
 * The close refuses new operations, lets those in flight finish, and ends every connection: what has not
 * finished within the close grace has its connection's socket destroyed — its operation fails at once
 * (nothing acknowledged depends on it: a delivery is answered 200 only after its commit, and the HTTP
 * server has answered every request before the store closes) — and a connection whose goodbye is not
 * answered within it is destroyed too, so no socket keeps the process from exiting.
 */
import type pg from 'pg';
import { boundedAfterShutdown, ShutdownGrace } from '../shutdown-bounded-store.js';
import type { ShutdownBoundCaller } from '../store-errors.js';
import type { PgChangeRelay } from './pg-change-relay.js';
import type { PgConnection, StoreClient } from './pg-connection.js';
import { destroySocket, settledWithin } from './pg-shop-locks.js';

export interface PgStoreClosingOptions {
  conn: PgConnection;
  /** The change relay (its listening connection is ended, or cut, with the others); null when not shared. */
  relay: PgChangeRelay | null;
  /** Connections holding (or waiting for) a reconcile lock (the store's set, filled by pg-shop-locks.ts). */
  reconcileLockClients: ReadonlySet<StoreClient>;
  /** PgStoreOptions.closeGraceMs. */
  graceMs: number;
}

export class PgStoreClosing {
  readonly #conn: PgConnection;
  readonly #relay: PgChangeRelay | null;
  readonly #reconcileLockClients: ReadonlySet<StoreClient>;
  readonly #graceMs: number;
  /** Bounds the views' calls once the receiver's shutdown has begun (beginShutdown, or close). */
  readonly #shutdownGrace: ShutdownGrace;
  /** A call of a view went unanswered for the close grace during the shutdown: the server is silent. */
  #serverSilent = false;
  /** The views handed out, one per caller (the background work's, the requests'). */
  readonly #views = new Map<ShutdownBoundCaller, object>();

  constructor(options: PgStoreClosingOptions) {
    this.#conn = options.conn;
    this.#relay = options.relay;
    this.#reconcileLockClients = options.reconcileLockClients;
    this.#graceMs = options.graceMs;
    this.#shutdownGrace = new ShutdownGrace(this.#graceMs, () => {
      this.#serverSilent = true;
    });
  }

  /** The receiver's shutdown has begun: the views' calls get at most the close grace from now on. */
  beginShutdown(): void {
    this.#shutdownGrace.begin();
  }

  /**
   * `store` as `caller` uses it: once the shutdown has begun, a call PostgreSQL does not answer within the
   * close grace rejects with StoreShutdownWaitError, and the server counts as silent (close cuts at once).
   */
  viewOf<S extends object>(store: S, caller: ShutdownBoundCaller): S {
    let view = this.#views.get(caller);
    if (view === undefined) {
      view = boundedAfterShutdown<S>(store, this.#shutdownGrace, caller);
      this.#views.set(caller, view);
    }
    return view as S;
  }

  /**
   * `other` (another store on this server, with connections of its own) bounded as the views are, but for
   * the methods in `except`; a call of it given up marks the server silent too. A new view at each call.
   */
  boundViewOf<S extends object>(other: S, caller: ShutdownBoundCaller, except: readonly (keyof S)[] = []): S {
    return boundedAfterShutdown<S>(other, this.#shutdownGrace, caller, except);
  }

  /** Ends every connection, bounded by the close grace (see the module comment). */
  async close(): Promise<void> {
    this.beginShutdown();
    if (this.#conn.closed) return;
    const grace = this.#graceMs;
    // Operations in flight finish, for at most the grace; then their connections are cut (they fail at once).
    // Once the background work found the server silent, at once: it would not answer within the grace either.
    const drained = this.#conn.drain();
    if (this.#serverSilent) this.#cutConnections();
    if (!(await settledWithin(drained, grace))) this.#cutConnections();
    // Then every connection says goodbye, all together for at most the grace again; what has not is destroyed
    // (a connect in flight is among them: it is ended, or cut, with the others).
    const ending = (async () => {
      await drained;
      await Promise.all([
        // A reconcile still calling the shop's API is not waited for; ending its connection ends its lock.
        ...[...this.#reconcileLockClients].map((client) => this.#end(client)),
        this.#relay?.close(),
      ]);
      await this.#conn.pool.end();
      // The pool ends its idle connections without waiting for their goodbye: waited for here.
      await Promise.all(
        [...this.#conn.poolClients, ...this.#conn.ownClients].map((client) => this.#end(client)),
      );
    })();
    if (!(await settledWithin(ending, grace))) this.#cutConnections();
  }

  /** Ends a connection; one whose goodbye is not answered within the close grace is destroyed. */
  async #end(client: pg.Client): Promise<void> {
    if (!(await settledWithin(client.end(), this.#graceMs))) destroySocket(client);
  }

  /** Destroys the socket of every connection this store has open (closing, the server silent). */
  #cutConnections(): void {
    for (const client of [...this.#conn.poolClients, ...this.#conn.ownClients, ...this.#reconcileLockClients])
      destroySocket(client);
    this.#relay?.cut();
  }
}
