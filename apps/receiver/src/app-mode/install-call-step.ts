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

export class InstallCallSteps {
  readonly #ctx: InstallStepContext;
  readonly #waitMs: number;
  /** The steps still running, each with its shop. */
  readonly #running = new Map<Promise<InstallOutcome>, string>();

  constructor(ctx: InstallStepContext, waitMs: number) {
    this.#ctx = ctx;
    this.#waitMs = waitMs;
  }

  /** Starts the shop's step (recorded pending before); its outcome once it ended, or after the wait `in_background`. */
  async start(shop: string): Promise<InstallCallOutcome> {
    const step = runInstallStep(this.#ctx, shop);
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
        "app install step still running (the shop's API is slow): the owner is redirected now; the step finishes in the background and the shop shows as pending until then",
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
