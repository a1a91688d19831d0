/**
 * RabbitMQ's connection.blocked / connection.unblocked, as the `amqp` handler sees them. While a
 * resource alarm is on (memory over `vm_memory_high_watermark`, free disk under `disk_free_limit`)
 * RabbitMQ stops reading from every connection that publishes and says so once with connection.blocked
 * (to clients that announce the capability, as amqplib does): nothing sent on it is answered — not a
 * confirm, not a channel open, not a probe's round trip — until connection.unblocked. Without this the
 * handler took the silence for a hung connection, tore it down and opened another, which RabbitMQ
 * blocked again at its first publish, and every attempt ended in a timeout that named no cause.
 *
 * It logs one warn line `broker blocked publishing` (with RabbitMQ's reason) per alarm, however often
 * the connection is replaced meanwhile, and one info line `broker unblocked publishing` when it ends
 * (connection.unblocked, or a publish confirmed over a new connection). Neither carries a message.
 */
import type { Logger } from 'pino';
import type { BrokerConnectionContext } from './broker-connection.js';

export class PublishingBlock {
  readonly #log: Logger | undefined;
  readonly #fields: { handler: string; handlerType: string; broker: string };
  /** RabbitMQ's reason while the current connection is blocked; null otherwise. */
  #reason: string | null = null;
  /** How many times a connection was blocked (see {@link mark}). */
  #blocks = 0;
  /** A warn line was logged and no info line since. */
  #reported = false;
  readonly #waiters = new Set<() => void>();

  constructor(logger: Logger | undefined, context: BrokerConnectionContext) {
    this.#log = logger;
    this.#fields = { handler: context.handler, handlerType: context.type, broker: context.broker };
  }

  /** RabbitMQ's reason ("low on memory", "low on disk") while the connection is blocked, else null. */
  get reason(): string | null {
    return this.#reason;
  }

  /** Marks the start of a step; `blockedSince(mark)` then says whether a block came meanwhile. */
  mark(): number {
    return this.#blocks;
  }

  /** Blocked now, or blocked at some moment since `mark` (a step that waited in vain was held by it). */
  blockedSince(mark: number): boolean {
    return this.#reason !== null || this.#blocks !== mark;
  }

  /** connection.blocked. */
  blocked(reason: string | undefined): void {
    this.#reason = reason === undefined || reason.trim() === '' ? 'no reason given' : reason.trim();
    this.#blocks++;
    if (this.#reported) return;
    this.#reported = true;
    this.#log?.warn(
      { ...this.#fields, reason: this.#reason, errorCode: 'broker_out_of_resources' },
      'broker blocked publishing',
    );
  }

  /** connection.unblocked: publishing resumes. */
  unblocked(): void {
    this.#clear();
    this.#reportResumed();
  }

  /** The blocked connection is gone (lost, replaced): a new one starts unblocked. Nothing is logged. */
  connectionGone(): void {
    this.#clear();
  }

  /** A publish was confirmed: an alarm logged earlier is over (also when its connection was replaced). */
  published(): void {
    if (this.#reason === null) this.#reportResumed();
  }

  /** The worker closed the handler: not the end of an alarm, nothing logged. */
  closed(): void {
    this.#clear();
    this.#reported = false;
  }

  /**
   * Waits, at most `ms`, for the block to end (unblocked, or its connection gone); true when it did,
   * false when RabbitMQ still blocks publishing.
   */
  async ended(ms: number): Promise<boolean> {
    if (this.#reason === null) return true;
    let settle: () => void = () => {};
    let timer: NodeJS.Timeout | undefined;
    const done = new Promise<void>((resolve) => {
      settle = resolve;
    });
    this.#waiters.add(settle);
    try {
      await Promise.race([
        done,
        new Promise<void>((resolve) => {
          timer = setTimeout(resolve, ms);
        }),
      ]);
    } finally {
      clearTimeout(timer);
      this.#waiters.delete(settle);
    }
    return this.#reason === null;
  }

  #clear(): void {
    this.#reason = null;
    const waiters = [...this.#waiters];
    this.#waiters.clear();
    for (const settle of waiters) settle();
  }

  #reportResumed(): void {
    if (!this.#reported) return;
    this.#reported = false;
    this.#log?.info(this.#fields, 'broker unblocked publishing');
  }
}
