/**
 * A later install step failing on a shop that is already installed (an install call again, or the
 * re-registration after a secret change) leaves the shop installed — its subscriptions from the last
 * successful step are still on the shop, its deliveries arrive, its recovery goes on — with the failure's
 * reason and next attempt beside the status, and the background retry runs the step again (against the
 * sandbox). Before, such a failure turned the shop `pending`: recovery stopped for it, the owner's entry page
 * said the app was finishing its setup, and the inspector listed it among installs not done.
 */
import { describe, expect, it } from 'vitest';
import { APP_ID, appModeFixtureForAll } from './test-support/app-mode-fixture.js';
import { inspectorPage, shopRowWhen } from './test-support/shop-rows.js';

describe('app mode: a failed install step on an installed shop', () => {
  const f = appModeFixtureForAll({ shops: ['alpha'] });

  it('keeps the shop installed with its subscriptions, says why, and retries the step until it succeeds', async () => {
    await f.sandbox.apps.install(APP_ID, 'alpha');
    const installed = await shopRowWhen(f.baseUrl, 'alpha', (row) => row.status === 'installed');
    expect(installed.subscriptions).toHaveLength(2);

    // ShopRenter's token endpoint is down, and the shop's install call comes again: the step fails.
    f.sandbox.setFaults('alpha', { tokenEndpointDown: true });
    await f.sandbox.apps.install(APP_ID, 'alpha');
    const failed = await shopRowWhen(
      f.baseUrl,
      'alpha',
      (row) => Boolean(row.pendingReason) && row.pendingReason !== 'installing',
    );
    expect(failed).toMatchObject({
      status: 'installed',
      attempts: 1,
      subscriptions: installed.subscriptions,
    });
    expect(failed.pendingReason).toMatch(/token/i);
    expect(failed.nextAttemptAt).not.toBeNull();

    // The inspector shows it installed, with the failure; not among the pending installs.
    const shops = await inspectorPage(f.baseUrl, '/ui/shops');
    expect(shops).toMatch(
      /<span class="badge installed">installed<\/span>\s*<div class="muted">latest install step failed, retried from [^<]*<time[^>]*>[^<]*<\/time>: [^<]*token/i,
    );
    expect(shops).not.toContain('<span class="badge pending">');
    expect(await inspectorPage(f.baseUrl, '/ui')).not.toContain('id="pending-installs"');

    // Its deliveries still arrive (the subscriptions registered before are on the shop).
    await f.sandbox.simulator.placeOrder('alpha', { seed: 7 });
    await f.sandbox.simulator.waitForIdle();
    expect(f.sandbox.simulator.deliveries('alpha').map((delivery) => delivery.status)).toContain(200);

    // The token endpoint is back: the background retry runs the step, the failure is cleared.
    f.sandbox.setFaults('alpha', {});
    const retried = await shopRowWhen(f.baseUrl, 'alpha', (row) => row.nextAttemptAt === null);
    expect(retried).toMatchObject({ status: 'installed', pendingReason: null });
    expect(retried.subscriptions).toHaveLength(2);
    expect(f.logLines.join('\n')).toContain(
      'app shop step failed: the token or subscription step failed again for an installed shop',
    );
  });
});
