/**
 * The inspector's live stream (Server-Sent Events): every client gets the store's change feed as
 * `event: change` messages carrying ids and statuses only (no personal data; the page fetches what it
 * shows through authenticated fragment requests), a comment line as heartbeat so proxies keep the
 * connection open, and a clean end when the receiver shuts down.
 *
 * The feed reports this process's commits and, with PostgreSQL, the other instances' on the same
 * database and schema (relayed by the store, best effort: see PgChangeRelay).
 *
 * A stream opened with a session cookie lives no longer than its session: it ends when the session
 * expires, at once when it logs out on this instance (endSession), and within `sessionCheckMs` plus
 * the revocation cache when it logs out on another instance of the store (`isRevoked`, checked for the
 * open streams' sessions every `sessionCheckMs`). A stream opened with the bearer token has no session.
 * A stream ended for its session gets a last message first, `event: session-ended` with
 * `{"reason":"expired"|"logged_out"}`, because EventSource cannot read the status of its reconnect (a
 * 401 only shows as an error): the page then says the session ended and links to the login form.
 * A stream ended by shutdown gets none (the page reconnects to the receiver that comes back).
 *
 * With PostgreSQL, other instances' changes come through the store's relay, which misses those committed
 * while its listening connection was down. When it listens again (`Store.onChangeGap`) every stream is
 * ended as at shutdown: its client reconnects and reads again what it shows (the inspector's pages fetch
 * their rows again after a lost connection, `srhooks events tail` catches up), instead of going on without
 * the deliveries and job outcomes of the gap.
 */
import type { ServerResponse } from 'node:http';
import type { Store, StoreChange } from '../store/store.js';

export const DEFAULT_HEARTBEAT_MS = 15_000;
/** How often the open streams' sessions are checked for a logout made on another instance. */
export const DEFAULT_SESSION_CHECK_MS = 5000;
/** setTimeout's longest delay; a later expiry is found by the periodic check instead. */
const MAX_TIMER_MS = 2 ** 31 - 1;
/** Tells EventSource how long to wait before reconnecting. */
const RETRY_MS = 3000;

/** Why a stream's session ended, as its last message says. */
export type SessionEndReason = 'expired' | 'logged_out';

/** The SSE event that ends a stream whose session ended. */
export const SESSION_ENDED_EVENT = 'session-ended';

function sessionEndedMessage(reason: SessionEndReason): string {
  return `event: ${SESSION_ENDED_EVENT}\ndata: ${JSON.stringify({ reason })}\n\n`;
}

/** The browser session a stream was opened with (what the stream needs of an AdminSession). */
export interface StreamSession {
  id: string;
  expiresAt: Date;
}

interface Client {
  response: ServerResponse;
  heartbeat: NodeJS.Timeout;
  session: StreamSession | null;
  expiry: NodeJS.Timeout | null;
}

export interface LiveStreamOptions {
  store: Store;
  heartbeatMs?: number;
  /** Whether a session was logged out (on any instance); checked every `sessionCheckMs` for open streams. */
  isRevoked?: (session: StreamSession) => Promise<boolean>;
  /** Default 5 s. */
  sessionCheckMs?: number;
}

export class LiveStream {
  readonly #clients = new Set<Client>();
  readonly #heartbeatMs: number;
  readonly #unsubscribe: () => void;
  readonly #isRevoked: ((session: StreamSession) => Promise<boolean>) | undefined;
  readonly #sessionCheck: NodeJS.Timeout | null;
  #checking = false;
  #closed = false;

  constructor(options: LiveStreamOptions) {
    this.#heartbeatMs = options.heartbeatMs ?? DEFAULT_HEARTBEAT_MS;
    const unsubscribeChanges = options.store.onChange((change) => this.#broadcast(change));
    const unsubscribeGaps = options.store.onChangeGap?.(() => this.#endAll());
    this.#unsubscribe = () => {
      unsubscribeChanges();
      unsubscribeGaps?.();
    };
    this.#isRevoked = options.isRevoked;
    this.#sessionCheck = options.isRevoked
      ? setInterval(() => void this.#checkSessions(), options.sessionCheckMs ?? DEFAULT_SESSION_CHECK_MS)
      : null;
    this.#sessionCheck?.unref();
  }

  get clientCount(): number {
    return this.#clients.size;
  }

  /**
   * Takes over a response: writes SSE headers (plus `headers`) and keeps it until the client leaves,
   * close(), or the end of `session` (expiry, endSession, a revocation found by the periodic check).
   */
  attach(
    response: ServerResponse,
    headers: Record<string, string>,
    session: StreamSession | null = null,
  ): void {
    if (this.#closed) {
      response.writeHead(503, {
        ...headers,
        'content-type': 'text/plain; charset=utf-8',
        'retry-after': '5',
      });
      response.end('The receiver is shutting down.\n');
      return;
    }
    response.writeHead(200, {
      ...headers,
      'content-type': 'text/event-stream; charset=utf-8',
      'cache-control': 'no-store',
      'x-accel-buffering': 'no',
    });
    response.write(`retry: ${RETRY_MS}\n: connected\n\n`);
    const client: Client = {
      response,
      heartbeat: setInterval(() => this.#write(client, ': heartbeat\n\n'), this.#heartbeatMs),
      session,
      expiry: null,
    };
    if (session) {
      const left = session.expiresAt.getTime() - Date.now();
      if (left <= 0) {
        clearInterval(client.heartbeat);
        response.end(sessionEndedMessage('expired'));
        return;
      }
      if (left <= MAX_TIMER_MS) client.expiry = setTimeout(() => this.#end(client, 'expired'), left);
    }
    this.#clients.add(client);
    response.on('close', () => this.#drop(client));
  }

  /** Ends the streams of a session (logged out on this instance, unless `reason` says otherwise); returns how many. */
  endSession(sessionId: string, reason: SessionEndReason = 'logged_out'): number {
    let ended = 0;
    for (const client of [...this.#clients]) {
      if (client.session?.id !== sessionId) continue;
      this.#end(client, reason);
      ended += 1;
    }
    return ended;
  }

  /** Ends the streams whose session expired or was logged out on any instance (one check per session). */
  async #checkSessions(): Promise<void> {
    if (this.#checking || !this.#isRevoked) return;
    this.#checking = true;
    try {
      const sessions = new Map<string, StreamSession>();
      for (const client of this.#clients) if (client.session) sessions.set(client.session.id, client.session);
      for (const session of sessions.values()) {
        if (session.expiresAt.getTime() <= Date.now()) this.endSession(session.id, 'expired');
        else if (await this.#isRevoked(session)) this.endSession(session.id, 'logged_out');
      }
    } catch {
      // The check failed (store unavailable): the streams stay until the next check.
    } finally {
      this.#checking = false;
    }
  }

  /** Ends every stream (server shutdown) and stops listening to the store. */
  close(): void {
    this.#closed = true;
    this.#unsubscribe();
    if (this.#sessionCheck) clearInterval(this.#sessionCheck);
    this.#endAll();
  }

  /** Ends every stream without a reason: its client reconnects (and reads again what it shows). */
  #endAll(): void {
    for (const client of [...this.#clients]) this.#end(client);
  }

  /** Ends a stream; one ended for its session says why in its last message. */
  #end(client: Client, reason?: SessionEndReason): void {
    this.#drop(client);
    if (client.response.writableEnded || client.response.destroyed) return;
    if (reason) client.response.end(sessionEndedMessage(reason));
    else client.response.end();
  }

  #broadcast(change: StoreChange): void {
    const message = `event: change\ndata: ${JSON.stringify(change)}\n\n`;
    for (const client of this.#clients) this.#write(client, message);
  }

  #write(client: Client, text: string): void {
    if (client.response.writableEnded || client.response.destroyed) {
      this.#drop(client);
      return;
    }
    client.response.write(text);
  }

  #drop(client: Client): void {
    clearInterval(client.heartbeat);
    if (client.expiry) clearTimeout(client.expiry);
    this.#clients.delete(client);
  }
}
