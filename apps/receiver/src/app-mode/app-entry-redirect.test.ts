/**
 * An app with its own UI: `entryPoint: <url>` turns the embedded page off; the verified owner is
 * redirected there with a session bound to the shop (checked with verifyShopSession).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { verifyShopSession } from './shop-session.js';
import {
  APP_CLIENT_SECRET,
  type AppModeFixture,
  startAppModeFixture,
} from './test-support/app-mode-fixture.js';

describe('app mode: entry point redirecting to the app’s own UI', () => {
  let f: AppModeFixture;
  beforeAll(async () => {
    f = await startAppModeFixture({
      shops: ['alpha'],
      app: { entryPoint: 'https://app.example.com/{shop}/dashboard' },
    });
  }, 30_000);
  afterAll(async () => {
    await f?.close();
  });

  it('redirects the verified owner with a shop-bound session instead of serving the page', async () => {
    const report = await f.sandbox.apps.install('55', 'alpha');
    expect(report.entryPoint?.status).toBe(302);
    const target = new URL(report.entryPoint?.location ?? 'http://missing.invalid');
    expect(`${target.origin}${target.pathname}`).toBe('https://app.example.com/alpha/dashboard');
    expect(verifyShopSession(Object.fromEntries(target.searchParams), APP_CLIENT_SECRET)).toBe('alpha');
  });
});
