/**
 * The install call's API step (token + subscriptions, install-step.ts) without keeping the shop owner's
 * browser on a blank page while a slow shop API answers. ShopRenter's flow lets the app redirect first: it
 * checks `hmac`, then redirects the browser to `app_url`, and after the install gets a token and may
 * register its webhooks (FACTS.md §7, documented). So the call waits for the step at most
 * `app.installWaitSeconds` (default 3 s): a step done by then redirects as before, with the shop installed
 * (its entry page says so); a slower one goes on in the background and the owner is redirected meanwhile.
 *
 * Nothing is lost meanwhile: the install is recorded (durably, before the step starts) as pending, reason
 * `installing`, with the time the background retry takes it over if this process stops before recording the
 * outcome (`recordInstall`'s `nextAttemptAt`) — shown as pending in the inspector, `srhooks shops
 * --receiver` and `GET /admin/api/shops` until the step records installed, or its failure with the reason
 * and the next attempt. On close the receiver waits for the steps still running (at most its shutdown
 * timeout), so a shutdown records their outcome too.
 */
import { type InstallOutcome, type InstallStepContext, runInstallStep } from './install-step.js';

/** What the install call waited for: the step's outcome, or `in_background` when it ran past the wait. */
export type InstallCallOutcome = InstallOutcome | 'in_background';

/**
 * How many install calls' steps run at once in this process; the others wait their turn (recorded pending,
 * `installing`, before). Each step holds its shop's install lock — with PostgreSQL a connection of its own,
 * outside the receiver's pool — so unbounded, a burst of installs opened one connection per install, past
 * the server's `max_connections`, and the receiver's own pool (deliveries, entry calls) was refused too.
 * The background retry and the start-up re-registration run one step at a time besides.
 */
export const MAX_CONCURRENT_INSTALL_STEPS = 4;

export class InstallCallSteps {
  readonly #ctx: InstallStepContext;
  readonly #waitMs: number;
  /** The steps still running or waiting their turn, each with its shop. */
  readonly #running = new Map<Promise<InstallOutcome>, string>();
  /** Steps holding a turn, and those waiting for one (woken with true: a turn handed over; false: closing). */
  #active = 0;
  readonly #waiting: Array<{ shop: string; wake: (turn: boolean) => void }> = [];
  #closing = false;

  constructor(ctx: InstallStepContext, waitMs: number) {
    this.#ctx = ctx;
    this.#waitMs = waitMs;
  }

  /**
   * Runs the shop's step when a turn is free. A step still waiting when the receiver closes does not start:
   * its shop stays due in the store (recorded before) and the background retry takes it over.
   */
  async #inTurn(shop: string): Promise<InstallOutcome> {
    if (this.#active < MAX_CONCURRENT_INSTALL_STEPS) this.#active += 1;
    else if (!(await new Promise<boolean>((wake) => this.#waiting.push({ shop, wake })))) return 'pending';
    try {
      return await runInstallStep(this.#ctx, shop);
    } finally {
      const next = this.#waiting.shift();
      if (next) next.wake(true);
      else this.#active -= 1;
    }
  }

  /** Starts the shop's step (recorded pending before); its outcome once it ended, or after the wait `in_background`. */
  async start(shop: string): Promise<InstallCallOutcome> {
    const step = this.#closing ? Promise.resolve<InstallOutcome>('pending') : this.#inTurn(shop);
    this.#running.set(step, shop);
    void step.finally(() => this.#running.delete(step));
    let timer: NodeJS.Timeout | undefined;
    const waited = new Promise<'in_background'>((resolve) => {
      timer = setTimeout(() => resolve('in_background'), this.#waitMs);
    });
    const outcome = await Promise.race([step, waited]);
    clearTimeout(timer);
    if (outcome === 'in_background') {
      this.#ctx.logger.info(
        { shop, waitedMs: this.#waitMs },
        "app install step still running (the shop's API is slow, or other installs' steps are ahead of it): the owner is redirected now; the step finishes in the background and the shop shows as pending until then",
      );
      void step.then((finished) =>
        this.#ctx.logger.info({ shop, outcome: finished }, 'app install step finished in the background'),
      );
    }
    return outcome;
  }

  /**
   * On close: waits for the steps still running, at most `timeoutMs` (the shutdown timeout). A step still
   * running then (a shop API that does not answer) is left: its step stays due in the store (a new install
   * pending) and the background retry (this receiver's next start, or another receiver on the same store)
   * takes it over at its recorded next attempt. Said once at warn, naming the shops.
   */
  async settled(timeoutMs: number): Promise<void> {
    this.#closing = true;
    const waiting = this.#waiting.splice(0);
    for (const { wake } of waiting) wake(false);
    if (waiting.length > 0)
      this.#ctx.logger.warn(
        { shops: waiting.map(({ shop }) => shop) },
        'app install steps not started at shutdown (waiting for their turn): each shop stays due in the store and the background retry takes it over at the next start (or on another receiver on the same store)',
      );
    const running = [...this.#running.keys()];
    if (running.length === 0) return;
    let timer: NodeJS.Timeout | undefined;
    const timedOut = new Promise<'timeout'>((resolve) => {
      timer = setTimeout(() => resolve('timeout'), timeoutMs);
    });
    const ended = await Promise.race([Promise.all(running).then(() => 'ended' as const), timedOut]);
    clearTimeout(timer);
    if (ended === 'timeout')
      this.#ctx.logger.warn(
        { shops: [...this.#running.values()], waitedMs: timeoutMs },
        "app install steps still running at shutdown (the shop's API did not answer): left; each shop's step stays due in the store and the background retry takes it over at the next start (or on another receiver on the same store)",
      );
  }
}
