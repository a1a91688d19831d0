/**
 * The per-receiver bound on app install steps running at once (install-step.ts), shared by the install calls'
 * steps (install-call-step.ts) and the background retry's (`startInstallRetry`). Each step holds its shop's
 * install lock — with PostgreSQL a connection of its own, outside the receiver's pool — so unbounded, a burst
 * of installs opened one connection per install, past the server's `max_connections`, and the receiver's own
 * pool (deliveries, entry calls) was refused too; shared, a burst of retries (a shop API back after an
 * outage) and install calls together never hold more than the bound's lock connections. The others wait
 * their turn. The start-up re-registration (start-up-resubscribe.ts) takes its turns here too, one step at a
 * time, as background work.
 *
 * A turn that frees up goes to the install calls' steps first (a shop owner is waiting in the browser), in
 * the order they came; background steps (the retry's, the re-registration's) get it when no install call's
 * step waits — or when the first of them has waited `backgroundMaxWaitMs` (BACKGROUND_MAX_WAIT_MS, 30 s),
 * so a steady stream of install calls cannot hold a due retry back for ever.
 *
 * It also knows which shops have a step here (running or waiting), so the retry does not start a shop's
 * step twice, and on close it waits for the running steps (at most the shutdown timeout) and starts none of
 * those still waiting: each of those shops stays due in the store, and the background retry takes it over.
 */
import type { FastifyBaseLogger } from 'fastify';

/** How many install steps (install calls' and the background retry's) run at once in this process. */
export const MAX_CONCURRENT_INSTALL_STEPS = 4;

/**
 * How long a background step (the retry's, the start-up re-registration's) waits for its turn at most before
 * it goes ahead of the install calls' steps waiting too.
 */
export const BACKGROUND_MAX_WAIT_MS = 30_000;

/**
 * Whose step: `install_call` — an install call's, its shop owner waiting (first when a turn frees up);
 * `background` — the install retry's or the start-up re-registration's.
 */
export type InstallStepKind = 'install_call' | 'background';

interface Waiter {
  shop: string;
  /** When it began to wait (the `now` option's clock). */
  since: number;
  wake: (turn: boolean) => void;
}

/** What `run` answers for a step that never started: the receiver closed before its turn came. */
export const NOT_STARTED = Symbol('install step not started');

export class InstallStepTurns {
  readonly #logger: FastifyBaseLogger;
  readonly #max: number;
  readonly #backgroundMaxWaitMs: number;
  readonly #now: () => number;
  /**
   * Steps holding a turn, and those waiting for one, install calls' and background ones apart (woken with
   * true: a turn handed over; false: closing).
   */
  #active = 0;
  readonly #waitingCalls: Waiter[] = [];
  readonly #waitingBackground: Waiter[] = [];
  /** The steps running or waiting their turn, each with its shop. */
  readonly #steps = new Map<Promise<unknown>, string>();
  /** How many of those each shop has. */
  readonly #shops = new Map<string, number>();
  #closing = false;

  constructor(
    logger: FastifyBaseLogger,
    max = MAX_CONCURRENT_INSTALL_STEPS,
    options: { backgroundMaxWaitMs?: number; now?: () => number } = {},
  ) {
    this.#logger = logger;
    this.#max = max;
    this.#backgroundMaxWaitMs = options.backgroundMaxWaitMs ?? BACKGROUND_MAX_WAIT_MS;
    this.#now = options.now ?? Date.now;
  }

  /** A step of `shop` is running here, or waiting its turn. */
  has(shop: string): boolean {
    return this.#shops.has(shop);
  }

  /**
   * Runs the shop's step once a turn is free (`kind`: whose step, see InstallStepKind). A step still
   * waiting when the receiver closes (or started after) does not start: `NOT_STARTED`. `step` must not
   * throw (runInstallStep never does).
   */
  run<T>(
    shop: string,
    step: () => Promise<T>,
    kind: InstallStepKind = 'background',
  ): Promise<T | typeof NOT_STARTED> {
    const running = this.#closing
      ? Promise.resolve<typeof NOT_STARTED>(NOT_STARTED)
      : this.#inTurn(shop, step, kind);
    this.#steps.set(running, shop);
    this.#shops.set(shop, (this.#shops.get(shop) ?? 0) + 1);
    const done = () => {
      this.#steps.delete(running);
      const left = (this.#shops.get(shop) ?? 1) - 1;
      if (left > 0) this.#shops.set(shop, left);
      else this.#shops.delete(shop);
    };
    void running.then(done, done);
    return running;
  }

  async #inTurn<T>(
    shop: string,
    step: () => Promise<T>,
    kind: InstallStepKind,
  ): Promise<T | typeof NOT_STARTED> {
    if (this.#active < this.#max) this.#active += 1;
    else {
      const queue = kind === 'install_call' ? this.#waitingCalls : this.#waitingBackground;
      const turn = await new Promise<boolean>((wake) => queue.push({ shop, since: this.#now(), wake }));
      if (!turn) return NOT_STARTED;
    }
    try {
      return await step();
    } finally {
      const next = this.#next();
      if (next) next.wake(true);
      else this.#active -= 1;
    }
  }

  /**
   * Who gets a turn that freed up: the first background step once it waited `backgroundMaxWaitMs`, else the
   * first install call's step, else the first background step.
   */
  #next(): Waiter | undefined {
    const background = this.#waitingBackground[0];
    if (background && this.#now() - background.since >= this.#backgroundMaxWaitMs)
      return this.#waitingBackground.shift();
    return this.#waitingCalls.shift() ?? this.#waitingBackground.shift();
  }

  /**
   * On close: the steps still waiting for their turn do not start (said once at warn, naming the shops);
   * those running are waited for, at most `timeoutMs` (the shutdown timeout). A step still running then (a
   * shop API that does not answer) is left: its step stays due in the store (a new install pending) and the
   * background retry (this receiver's next start, or another receiver on the same store) takes it over at its
   * recorded next attempt. Said once at warn, naming the shops.
   */
  async settled(timeoutMs: number): Promise<void> {
    this.#closing = true;
    const waiting = [...this.#waitingCalls.splice(0), ...this.#waitingBackground.splice(0)];
    for (const { wake } of waiting) wake(false);
    if (waiting.length > 0)
      this.#logger.warn(
        { shops: waiting.map(({ shop }) => shop) },
        'app install steps not started at shutdown (waiting for their turn): each shop stays due in the store and the background retry takes it over at the next start (or on another receiver on the same store)',
      );
    const running = [...this.#steps.keys()];
    if (running.length === 0) return;
    let timer: NodeJS.Timeout | undefined;
    const timedOut = new Promise<'timeout'>((resolve) => {
      timer = setTimeout(() => resolve('timeout'), timeoutMs);
    });
    const ended = await Promise.race([Promise.allSettled(running).then(() => 'ended' as const), timedOut]);
    clearTimeout(timer);
    if (ended === 'timeout')
      this.#logger.warn(
        { shops: [...this.#steps.values()], waitedMs: timeoutMs },
        "app install steps still running at shutdown (the shop's API did not answer): left; each shop's step stays due in the store and the background retry takes it over at the next start (or on another receiver on the same store)",
      );
  }
}
