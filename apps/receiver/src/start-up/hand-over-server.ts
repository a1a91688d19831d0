/**
 * One listening socket that two fastify instances serve in turn: the spool-only receiver while the store
 * cannot be opened, then the full receiver (start-while-store-unreachable.ts). Both are created with
 * `serverFactory: server.factory`, so `app.server` is this server for each; each request goes to the
 * handler that is current when it arrives (`handTo`), so no connection is ever refused between the two,
 * and a request already dispatched finishes on the instance that took it (`idle` says when none is left).
 *
 * Fastify calls `server.listen()` from `app.listen()`. The spool-only instance never does (this module
 * listens for it, so fastify's close does not close the shared socket); the full instance does once the
 * socket is already listening, and that `listen` only reports it ('listening'), so the full receiver
 * closes the socket on shutdown exactly as after a normal start.
 */
import { type IncomingMessage, type RequestListener, Server, type ServerResponse } from 'node:http';

/** A fastify instance's HTTP handler as `serverFactory` receives it. */
export type FastifyHttpHandler = (request: IncomingMessage, response: ServerResponse) => void;

export interface HandOverServerOptions {
  /** What fastify sets on a server it creates itself (with `serverFactory` it sets nothing). */
  readonly requestTimeoutMs: number;
  readonly keepAliveTimeoutMs: number;
}

/** Fastify's default keep-alive timeout (72 s), which it sets only on servers it creates. */
export const FASTIFY_KEEP_ALIVE_TIMEOUT_MS = 72_000;

export class HandOverServer extends Server {
  #current: FastifyHttpHandler | null = null;
  readonly #inFlight = new Map<FastifyHttpHandler, number>();
  readonly #idleWaiters = new Map<FastifyHttpHandler, Array<() => void>>();

  constructor(options: HandOverServerOptions) {
    super();
    this.requestTimeout = options.requestTimeoutMs;
    this.keepAliveTimeout = options.keepAliveTimeoutMs;
    const dispatch: RequestListener = (request, response) => this.#dispatch(request, response);
    this.on('request', dispatch);
  }

  /** For fastify's `serverFactory` option: remembers the instance's handler, returns this server. */
  readonly factory = (handler: FastifyHttpHandler): Server => {
    this.#inFlight.set(handler, this.#inFlight.get(handler) ?? 0);
    return this;
  };

  /** Requests arriving from now on go to `handler` (one of the handlers `factory` was given). */
  handTo(handler: FastifyHttpHandler): void {
    if (!this.#inFlight.has(handler)) throw new Error('handTo: this handler was never given to factory');
    this.#current = handler;
  }

  /** Resolves once no request dispatched to `handler` is still being answered. */
  idle(handler: FastifyHttpHandler): Promise<void> {
    if ((this.#inFlight.get(handler) ?? 0) === 0) return Promise.resolve();
    return new Promise((resolve) => {
      const waiters = this.#idleWaiters.get(handler) ?? [];
      waiters.push(resolve);
      this.#idleWaiters.set(handler, waiters);
    });
  }

  /** Forgets a handler no request can reach any more (its instance closed). */
  forget(handler: FastifyHttpHandler): void {
    if (this.#current === handler) throw new Error('forget: this handler still takes requests');
    this.#inFlight.delete(handler);
    this.#idleWaiters.delete(handler);
  }

  /** Already listening (the spool-only phase opened the socket): only report it, as a first listen would. */
  override listen(...args: unknown[]): this {
    if (!this.listening) return super.listen(...(args as Parameters<Server['listen']>));
    const callback = args.find((arg): arg is () => void => typeof arg === 'function');
    process.nextTick(() => {
      this.emit('listening');
      callback?.();
    });
    return this;
  }

  #dispatch(request: IncomingMessage, response: ServerResponse): void {
    const handler = this.#current;
    if (handler === null) {
      // Not reachable: the socket is opened only after the first handler was handed the requests.
      response.writeHead(503, { connection: 'close' }).end();
      return;
    }
    this.#inFlight.set(handler, (this.#inFlight.get(handler) ?? 0) + 1);
    response.once('close', () => {
      const left = (this.#inFlight.get(handler) ?? 1) - 1;
      this.#inFlight.set(handler, left);
      if (left > 0) return;
      const waiters = this.#idleWaiters.get(handler) ?? [];
      this.#idleWaiters.delete(handler);
      for (const resolve of waiters) resolve();
    });
    handler(request, response);
  }
}
