/**
 * What a broker handler knows about its connection, for the `srhooks_handler_connected` gauge and the
 * log: `connected` only while the connection is known good, one warn line when it is lost (or cannot
 * be opened) and one info line when it is back — not one per failed attempt. The lines name the
 * handler, the broker type and the broker's `host:port` (never credentials, never a message).
 */
import type { Logger } from 'pino';

/**
 * The fixed error codes broker handlers give failed attempts (logged instead of the error text):
 * - `broker_unreachable`: no connection (refused, unresolvable, lost, closed; or opening one failed);
 * - `broker_timeout`: connected, but no answer within `timeoutMs` — the connection is taken for hung
 *   and replaced, so the next attempt opens a new one;
 * - `broker_rejected`: the broker answered no (unroutable message, missing exchange or stream, nack,
 *   an error reply);
 * - `broker_out_of_resources`: the broker takes no messages for now because it is short of memory or
 *   disk (RabbitMQ's connection.blocked, Redis's OOM / MISCONF, JetStream's insufficient resources):
 *   the operator's to free; publishing resumes when it has them again;
 * - `broker_error`: any other failure.
 */
export type BrokerErrorCode =
  | 'broker_unreachable'
  | 'broker_timeout'
  | 'broker_rejected'
  | 'broker_out_of_resources'
  | 'broker_error';

export type BrokerType = 'nats' | 'amqp' | 'redis-stream';

export interface BrokerConnectionContext {
  /** The handler's name in srhooks.config.json. */
  handler: string;
  type: BrokerType;
  /** `host:port` of the broker (several joined by `, `), see {@link brokerHostPort}. */
  broker: string;
}

export class BrokerConnectionState {
  readonly #log: Logger | undefined;
  readonly #fields: { handler: string; handlerType: BrokerType; broker: string };
  #up = false;
  /** A warn line was logged and no info line since. */
  #reportedDown = false;
  #everUp = false;
  #changes = 0;
  /** Waiting for the next change (see {@link nextChange}). */
  readonly #watchers = new Set<() => void>();

  constructor(logger: Logger | undefined, context: BrokerConnectionContext) {
    this.#log = logger;
    this.#fields = { handler: context.handler, handlerType: context.type, broker: context.broker };
  }

  /** True while the connection is known good. */
  get connected(): boolean {
    return this.#up;
  }

  /**
   * Marks the start of a step; `heldThroughout(mark)` afterwards says whether the connection was up
   * the whole time since. A timeout only means "hung" then: a request the client held through a
   * disconnect and reconnect times out too, over a connection that is fine now.
   */
  mark(): number | null {
    return this.#up ? this.#changes : null;
  }

  heldThroughout(mark: number | null): boolean {
    return mark !== null && this.#up && this.#changes === mark;
  }

  /**
   * Settles at the next change: the connection up, lost or closed by the worker. `cancel` stops
   * watching (a watcher that is never settled nor cancelled would stay until the next change).
   */
  nextChange(): { changed: Promise<void>; cancel(): void } {
    let settle: () => void = () => {};
    const changed = new Promise<void>((resolve) => {
      settle = resolve;
    });
    this.#watchers.add(settle);
    return { changed, cancel: () => this.#watchers.delete(settle) };
  }

  #changed(): void {
    const watchers = [...this.#watchers];
    this.#watchers.clear();
    for (const settle of watchers) settle();
  }

  /** The connection is (again) usable; logs "broker connection restored" after a warn line. */
  up(): void {
    if (this.#up) return;
    this.#up = true;
    this.#changes++;
    this.#everUp = true;
    this.#changed();
    if (this.#reportedDown) {
      this.#reportedDown = false;
      this.#log?.info(this.#fields, 'broker connection restored');
    }
  }

  /** The connection is lost, hung or cannot be opened; logs one warn line per outage. */
  down(errorCode: BrokerErrorCode): void {
    const was = this.#up;
    if (this.#up) this.#changes++;
    this.#up = false;
    if (was) this.#changed();
    if (this.#reportedDown) return;
    this.#reportedDown = true;
    this.#log?.warn(
      { ...this.#fields, errorCode },
      this.#everUp ? 'broker connection lost' : 'cannot connect to the broker',
    );
  }

  /** The worker closed the handler: not an outage, nothing logged. */
  closed(): void {
    if (this.#up) this.#changes++;
    this.#up = false;
    this.#reportedDown = false;
    this.#changed();
  }
}

const DEFAULT_PORTS: Record<string, number> = {
  'nats:': 4222,
  'tls:': 4222,
  'amqp:': 5672,
  'amqps:': 5671,
  'redis:': 6379,
  'rediss:': 6379,
};

/**
 * `amqp://user:pass@rabbit.local/vhost` → `rabbit.local:5672`: where a broker is, for the log, without
 * credentials, path or query. A NATS server may be given without a scheme (`127.0.0.1:4222`).
 */
export function brokerHostPort(address: string, defaultPort: number): string {
  const withScheme = /^[a-z][a-z0-9+.-]*:\/\//i.test(address) ? address : `nats://${address}`;
  try {
    const url = new URL(withScheme);
    const port = url.port === '' ? (DEFAULT_PORTS[url.protocol] ?? defaultPort) : Number(url.port);
    return `${url.hostname}:${port}`;
  } catch {
    return 'an unparsable address';
  }
}
