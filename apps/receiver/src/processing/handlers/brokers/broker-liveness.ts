/**
 * The liveness check of a broker handler's connection. Deliveries notice a dead or hung connection
 * by themselves (an attempt fails or times out), but with none flowing nothing would: the
 * `srhooks_handler_connected` gauge would stay 1 while the broker is gone. So once the handler has
 * opened its connection, every `intervalMs` that no attempt used it, one cheap probe runs (Redis
 * `PING`, a NATS flush, a RabbitMQ channel round trip; each bounded by the handler's `timeoutMs`);
 * the handler's probe drops a connection that fails it and reconnects one it dropped.
 *
 * Probes never overlap (the next is scheduled when one has ended), never keep the process alive (the
 * timer is unref'd) and stop when the handler is closed.
 */
export const DEFAULT_PROBE_INTERVAL_MS = 15_000;

export class LivenessProbe {
  readonly #intervalMs: number;
  readonly #probe: () => Promise<void>;
  #timer: NodeJS.Timeout | null = null;
  #probing = false;
  #active = false;
  /** Attempts in flight now. */
  #inUse = 0;
  /** When the last attempt ended (ms since the epoch). */
  #lastUsedAt = 0;

  /** `probe` checks the connection (and drops or reopens it); it should not throw. */
  constructor(intervalMs: number, probe: () => Promise<void>) {
    this.#intervalMs = intervalMs;
    this.#probe = probe;
  }

  /** True between `start()` and `stop()`: a probe may (re)open the connection only then. */
  get active(): boolean {
    return this.#active;
  }

  /** Starts probing (the handler has opened its connection); starting again changes nothing. */
  start(): void {
    this.#active = true;
    if (this.#timer === null && !this.#probing) this.#schedule();
  }

  /** Stops probing (the handler is closed); a probe running now finishes, none follows. */
  stop(): void {
    this.#active = false;
    if (this.#timer !== null) clearTimeout(this.#timer);
    this.#timer = null;
  }

  /** Runs one attempt: no probe while it is in flight, nor for an interval after it ended. */
  async attempt<T>(work: () => Promise<T>): Promise<T> {
    this.#inUse++;
    try {
      return await work();
    } finally {
      this.#inUse--;
      this.#lastUsedAt = Date.now();
    }
  }

  #schedule(): void {
    const timer = setTimeout(() => void this.#tick(), this.#intervalMs);
    timer.unref();
    this.#timer = timer;
  }

  async #tick(): Promise<void> {
    this.#timer = null;
    if (!this.#active) return;
    const idle = this.#inUse === 0 && Date.now() - this.#lastUsedAt >= this.#intervalMs;
    if (idle) {
      this.#probing = true;
      try {
        await this.#probe();
      } catch {
        // a probe reports through the connection state, never by throwing
      } finally {
        this.#probing = false;
      }
    }
    if (this.#active && this.#timer === null) this.#schedule();
  }
}
