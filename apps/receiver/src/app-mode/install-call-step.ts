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
 * timeout, InstallStepTurns.settled), so a shutdown records their outcome too.
 */
import { type InstallOutcome, type InstallStepContext, runInstallStep } from './install-step.js';
import { type InstallStepTurns, NOT_STARTED } from './install-step-turns.js';

export { MAX_CONCURRENT_INSTALL_STEPS } from './install-step-turns.js';

/** What the install call waited for: the step's outcome, or `in_background` when it ran past the wait. */
export type InstallCallOutcome = InstallOutcome | 'in_background';

export class InstallCallSteps {
  readonly #ctx: InstallStepContext;
  readonly #turns: InstallStepTurns;
  readonly #waitMs: number;

  /**
   * `turns`: the receiver's bound on install steps running at once, shared with the background retry and
   * the start-up re-registration (install-step-turns.ts): a call's step waits its turn there, recorded
   * pending (`installing`) before, ahead of the background steps waiting too.
   */
  constructor(ctx: InstallStepContext, turns: InstallStepTurns, waitMs: number) {
    this.#ctx = ctx;
    this.#turns = turns;
    this.#waitMs = waitMs;
  }

  /**
   * Starts the shop's step (recorded pending before, due at `recorded.dueAt`); its outcome once it ended, or
   * after the wait `in_background`. The step runs with `onlyIfDueAt: recorded.dueAt`: when its turn comes and
   * it holds the shop's lock, it does nothing (`not_due`) if another holder ran the shop's step after this
   * call recorded the install — the background retry, here or on another receiver on the same store, which
   * takes a recorded install over at that time when the step waited its turn longer — so the shop's token
   * and subscription calls are not repeated. A step still waiting its turn when the receiver closes does not
   * start (`pending`): its shop stays due in the store and the background retry takes it over.
   */
  async start(
    shop: string,
    recorded: {
      /** The next attempt the install was recorded with. */
      dueAt: Date;
      /** The install time it was recorded with (the condition of the step's writes: runInstallStep). */
      installedAt: Date;
    },
  ): Promise<InstallCallOutcome> {
    const step = this.#turns
      .run(
        shop,
        () =>
          runInstallStep(this.#ctx, shop, {
            installedAt: recorded.installedAt,
            onlyIfDueAt: recorded.dueAt,
          }),
        'install_call',
      )
      .then((outcome): InstallOutcome => (outcome === NOT_STARTED ? 'pending' : outcome));
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
}
