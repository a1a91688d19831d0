/**
 * A forward target that behaves like a careful consumer of Standard Webhooks: it verifies every
 * signature with the `standardwebhooks` package, handles each `webhook-id` once (a re-sent id is
 * answered 2xx again but not handled again, as the spec asks consumers to do) and counts what
 * arrived, so a scenario can tell "handled exactly once" from "handled twice" (two different
 * webhook-ids for the same order) and from "re-sent" (the same webhook-id again).
 *
 * It can be made unavailable: `refuse()` closes the port (connection refused), `fail(status)` answers
 * an error status; `accept()` brings it back on the same port.
 */
import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import { Webhook } from 'standardwebhooks';

export interface ForwardAttempt {
  webhookId: string;
  innerId: string | null;
  /** Receipt time (epoch ms, this process's clock). */
  at: number;
  answered: number;
}

export interface ForwardTargetFigures {
  /** Requests that reached the target. */
  requests: number;
  /** Requests answered 2xx. */
  accepted: number;
  /** Distinct webhook-ids handled (answered 2xx the first time). */
  handled: number;
  /** Distinct orders (innerIds) handled. */
  orders: number;
  /** Orders handled under more than one webhook-id (each extra id counts once): must be 0. */
  duplicates: number;
  /** The same webhook-id answered 2xx more than once (at-least-once re-sends, absorbed by the id). */
  resent: number;
  badSignatures: number;
}

export type TargetState = { mode: 'accept' } | { mode: 'fail'; status: number } | { mode: 'refuse' };

export class ForwardTarget {
  readonly port: number;
  readonly url: string;
  /** Every request that arrived, in order. */
  readonly attempts: ForwardAttempt[] = [];
  /** webhook-id → innerId, for ids that were handled. */
  readonly handledIds = new Map<string, string | null>();
  /** innerId → webhook-ids it was handled under. */
  readonly handledOrders = new Map<string, Set<string>>();
  #resent = 0;
  #badSignatures = 0;
  #state: TargetState = { mode: 'accept' };
  readonly #webhook: Webhook;
  #server: Server;
  readonly #sockets = new Set<Socket>();

  private constructor(secret: string, server: Server, port: number) {
    this.#webhook = new Webhook(secret);
    this.#server = server;
    this.port = port;
    this.url = `http://127.0.0.1:${port}/hooks/srhooks`;
  }

  static async start(secret: string): Promise<ForwardTarget> {
    let target: ForwardTarget | null = null;
    const server = createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (chunk: Buffer) => chunks.push(chunk));
      req.on('end', () => {
        const status = target?.handle(req.headers, Buffer.concat(chunks).toString('utf8')) ?? 503;
        res.writeHead(status, { 'content-type': 'application/json' });
        res.end(status < 300 ? '{"ok":true}' : '{"ok":false}');
      });
    });
    const port = await listen(server, 0);
    target = new ForwardTarget(secret, server, port);
    target.#track(server);
    return target;
  }

  #track(server: Server): void {
    server.on('connection', (socket: Socket) => {
      this.#sockets.add(socket);
      socket.on('close', () => this.#sockets.delete(socket));
    });
  }

  get state(): TargetState {
    return this.#state;
  }

  private handle(headers: IncomingHttpHeaders, body: string): number {
    const webhookId = String(headers['webhook-id'] ?? '');
    let innerId: string | null = null;
    let verified = false;
    try {
      const payload = this.#webhook.verify(body, {
        'webhook-id': webhookId,
        'webhook-timestamp': String(headers['webhook-timestamp'] ?? ''),
        'webhook-signature': String(headers['webhook-signature'] ?? ''),
      }) as { data?: { order?: { innerId?: unknown } } };
      verified = true;
      const id = payload.data?.order?.innerId;
      innerId = typeof id === 'string' || typeof id === 'number' ? String(id) : null;
    } catch {
      this.#badSignatures += 1;
    }
    const state = this.#state;
    const answered = !verified ? 400 : state.mode === 'fail' ? state.status : 200;
    this.attempts.push({ webhookId, innerId, at: Date.now(), answered });
    if (answered !== 200) return answered;
    if (this.handledIds.has(webhookId)) {
      this.#resent += 1;
      return 200;
    }
    this.handledIds.set(webhookId, innerId);
    if (innerId !== null) {
      const ids = this.handledOrders.get(innerId) ?? new Set<string>();
      ids.add(webhookId);
      this.handledOrders.set(innerId, ids);
    }
    return 200;
  }

  /** Answer every request with `status` (e.g. 503). */
  fail(status: number): void {
    this.#state = { mode: 'fail', status };
  }

  /** Close the port: connections are refused until `accept()`. */
  async refuse(): Promise<void> {
    if (this.#state.mode === 'refuse') return;
    this.#state = { mode: 'refuse' };
    await this.#closeServer();
  }

  /** Take requests again (re-opens the port after `refuse()`). */
  async accept(): Promise<void> {
    if (this.#state.mode === 'refuse') {
      const server = createServer(this.#server.listeners('request')[0] as Parameters<typeof createServer>[0]);
      await listen(server, this.port);
      this.#track(server);
      this.#server = server;
    }
    this.#state = { mode: 'accept' };
  }

  figures(): ForwardTargetFigures {
    let duplicates = 0;
    for (const ids of this.handledOrders.values()) duplicates += ids.size - 1;
    return {
      requests: this.attempts.length,
      accepted: this.attempts.filter((attempt) => attempt.answered >= 200 && attempt.answered < 300).length,
      handled: this.handledIds.size,
      orders: this.handledOrders.size,
      duplicates,
      resent: this.#resent,
      badSignatures: this.#badSignatures,
    };
  }

  /** Attempts per webhook-id, in arrival order. */
  attemptsById(): Map<string, ForwardAttempt[]> {
    const byId = new Map<string, ForwardAttempt[]>();
    for (const attempt of this.attempts) {
      const list = byId.get(attempt.webhookId) ?? [];
      list.push(attempt);
      byId.set(attempt.webhookId, list);
    }
    return byId;
  }

  async close(): Promise<void> {
    if (this.#state.mode !== 'refuse') await this.#closeServer();
  }

  #closeServer(): Promise<void> {
    const server = this.#server;
    return new Promise((resolve) => {
      server.close(() => resolve());
      for (const socket of this.#sockets) socket.destroy();
    });
  }
}

function listen(server: Server, port: number): Promise<number> {
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, '127.0.0.1', () => {
      server.off('error', reject);
      resolve((server.address() as AddressInfo).port);
    });
  });
}
