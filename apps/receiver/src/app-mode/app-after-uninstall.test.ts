/**
 * What is left of a shop's app after it uninstalled: the entry point's event links (a session valid for
 * an hour) stop opening its events, and an uninstall call that comes again for a shop already
 * uninstalled changes nothing (no second app_uninstalled event, the first one's job is not cancelled).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  type AppModeFixture,
  adminGet,
  eventually,
  signedAppPath,
  startAppModeFixture,
} from './test-support/app-mode-fixture.js';

let codes = 0;
const signed = (path: string, shop: string) => signedAppPath(path, shop, `after${++codes}`);

describe('app mode: after an uninstall', () => {
  let f: AppModeFixture;
  beforeAll(async () => {
    f = await startAppModeFixture({ shops: ['alpha', 'beta'] });
  });
  afterAll(async () => {
    await f?.close();
  });

  const admin = (path: string) => adminGet(f.baseUrl, path);

  it("stops opening the shop's events from entry-point links issued before the uninstall", async () => {
    // A call the sandbox could not complete (its 30 s limit on a loaded machine) is reported, not thrown:
    // checked here, so such a failure names the call instead of showing up as a later mismatch.
    expect((await f.sandbox.apps.install('55', 'alpha')).install, 'the install call').toMatchObject({
      status: 302,
    });
    await f.sandbox.simulator.placeOrder('alpha', { seed: 1 });
    await f.sandbox.simulator.waitForIdle();
    const page = await (await fetch(`${f.baseUrl}${signed('/app/entry', 'alpha')}`)).text();
    const link = /href="(\/app\/entry\/events\/[^"]+)"/.exec(page)?.[1]?.replaceAll('&amp;', '&');
    expect(link).toBeDefined();
    expect((await fetch(`${f.baseUrl}${link}`)).status).toBe(200);

    expect((await f.sandbox.apps.uninstall('55', 'alpha')).uninstall, 'the uninstall call').toMatchObject({
      status: 200,
    });
    const after = await fetch(`${f.baseUrl}${link}`);
    expect(after.status).toBe(403);
    const body = await after.text();
    expect(body).toContain('no installation of this app on alpha');
    expect(body).not.toContain('order_confirm');
  });

  it('changes nothing when the uninstall call comes again for a shop already uninstalled', async () => {
    expect((await f.sandbox.apps.install('55', 'beta')).install, 'the install call').toMatchObject({
      status: 302,
    });
    // The handler is paused, so the first uninstall's app_uninstalled job is still pending.
    await f.receiver.store.disableHandler('audit', { reason: 'test: keep the job pending' });
    try {
      expect((await f.sandbox.apps.uninstall('55', 'beta')).uninstall, 'the uninstall call').toMatchObject({
        status: 200,
      });
      const before = (await admin('/shops')).items.find((s: { name: string }) => s.name === 'beta');
      const first = await eventually(async () =>
        ((await admin('/events?shop=beta')).items as Array<{ id: string; event: string }>).find(
          (e) => e.event === 'app_uninstalled',
        ),
      );

      const again = await fetch(`${f.baseUrl}${signed('/app/uninstall', 'beta')}`);
      expect(again.status).toBe(200);

      // Recorded as a duplicate of the first (same uninstall time): no second event for the handlers.
      const events = (await admin('/events?shop=beta')).items as Array<{
        id: string;
        event: string;
        duplicateOf: string | null;
      }>;
      const uninstalls = events.filter((e) => e.event === 'app_uninstalled');
      expect(uninstalls.filter((e) => e.duplicateOf === null).map((e) => e.id)).toEqual([first.id]);
      const job = (await admin(`/events/${first.id}`)).event.jobs[0];
      expect(job.status).toBe('pending');
      const shop = (await admin('/shops')).items.find((s: { name: string }) => s.name === 'beta');
      expect(shop.uninstalledAt).toBe(before.uninstalledAt);
    } finally {
      await f.receiver.store.enableHandler('audit');
    }
  });
});
