/**
 * App mode outside the install step: a recovery pass for an installed shop that fails on the app's
 * credentials or scopes gives the platform app's advice (the app's ClientId/ClientSecret issued by
 * ShopRenter; a scope added to the app and approved by the owner at {adminUrl}/app/{clientId}/approveScopes)
 * — the same text as a pending install's reason (install-failure.ts) — never the per-shop API client's
 * "Settings > API Settings". Against the sandbox: the on-demand answer (502), the recorded last pass
 * and the warn log.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  ADMIN_TOKEN,
  APP_CLIENT_ID,
  APP_CLIENT_SECRET,
  APP_ID,
  type AppModeFixture,
  eventually,
  freePort,
  startAppModeFixture,
} from './test-support/app-mode-fixture.js';

describe('app mode: advice when a recovery pass fails', () => {
  let f: AppModeFixture;

  beforeAll(async () => {
    f = await startAppModeFixture({ shops: ['rotated', 'narrowed', 'missed'] });
  });
  afterAll(async () => {
    await f?.close();
  });

  const installed = async (shop: string) => {
    await f.sandbox.apps.install(APP_ID, shop);
    await eventually(async () => {
      const items = (
        await (
          await fetch(`${f.baseUrl}/admin/api/shops`, { headers: { authorization: `Bearer ${ADMIN_TOKEN}` } })
        ).json()
      ).items as Array<{ name: string; status: string }>;
      return items.find((item) => item.name === shop)?.status === 'installed' ? true : undefined;
    });
  };
  const recover = async (shop: string) => {
    const response = await fetch(`${f.baseUrl}/admin/api/recover`, {
      method: 'POST',
      headers: { authorization: `Bearer ${ADMIN_TOKEN}`, 'content-type': 'application/json' },
      body: JSON.stringify({ shop }),
    });
    return {
      status: response.status,
      error: ((await response.json()) as { error: { code: string; message: string } }).error,
    };
  };
  const lastPassError = async (shop: string): Promise<string> => {
    const items = (
      await (
        await fetch(`${f.baseUrl}/admin/api/recovery`, {
          headers: { authorization: `Bearer ${ADMIN_TOKEN}` },
        })
      ).json()
    ).items as Array<{ shop: string; lastPass: { error: string | null } | null }>;
    return items.find((item) => item.shop === shop)?.lastPass?.error ?? '';
  };
  const warnLines = (shop: string) =>
    f.logLines.filter((line) => line.includes('recovery pass failed') && line.includes(`"shop":"${shop}"`));

  it("credentials refused: check the app's ClientId/ClientSecret, not Settings > API Settings", async () => {
    await installed('rotated');
    // ShopRenter now holds another secret for the app (rotated there, not here).
    f.registerApp({ clientSecret: 'rotated-at-shoprenter-only' });
    try {
      const answer = await recover('rotated');
      expect(answer.status).toBe(502);
      expect(answer.error.code).toBe('shop_api_failed');
      expect(answer.error.message).toMatch(
        /^Reading the shop's API failed: ShopRenter refused the app's client credentials for shop "rotated" \(401/,
      );
      expect(answer.error.message).toContain('SRHOOKS_APP_CLIENT_SECRET');
      const recorded = await lastPassError('rotated');
      expect(recorded).toMatch(/^ShopRenter refused the app's client credentials/);
      expect(warnLines('rotated').length).toBeGreaterThan(0);
      for (const text of [answer.error.message, recorded, ...warnLines('rotated')]) {
        expect(text).not.toContain('API Settings');
        expect(text).not.toContain('rotated-at-shoprenter-only');
        expect(text).not.toContain(APP_CLIENT_SECRET);
      }
    } finally {
      f.registerApp({});
    }
  });

  it('credentials refused for an installed shop whose uninstall call never arrived: names that cause too', async () => {
    await installed('missed');
    // The owner uninstalls the app while its UninstallUri cannot be reached: ShopRenter revokes the app's
    // access to the shop (A29, A30), the receiver still has the shop as installed.
    f.registerApp({ uninstallUri: `http://127.0.0.1:${await freePort()}/app/uninstall` });
    try {
      const report = await f.sandbox.apps.uninstall(APP_ID, 'missed');
      expect(report.uninstall.status).toBeNull();
    } finally {
      f.registerApp({});
    }
    const answer = await recover('missed');
    expect(answer.status).toBe(502);
    expect(answer.error.message).toMatch(/ShopRenter refused the app's client credentials for shop "missed"/);
    expect(answer.error.message).toContain(
      'if they work on the app\'s other shops, "missed" most likely uninstalled the app while its uninstall call could not reach this receiver',
    );
    expect(answer.error.message).toContain('SRHOOKS_APP_CLIENT_SECRET');
    expect(await lastPassError('missed')).toContain('most likely uninstalled the app');
    // What to do about it: mark the shop uninstalled by hand once the owner confirms — also in the
    // recorded reason that `srhooks shops --receiver` and the inspector show (it was cut at 500
    // characters, mid-word, before this advice).
    const markAdvice =
      'mark it uninstalled with srhooks app mark-uninstalled missed, or POST /admin/api/shops/missed/uninstall';
    expect(answer.error.message).toContain(markAdvice);
    expect(await lastPassError('missed')).toContain(markAdvice);
  });

  it('a scope the app lacks: add it to the app, the owner approves it at approveScopes', async () => {
    await installed('narrowed');
    // The owner never approved order.order:read (or the app dropped it): tokens come without it.
    f.registerApp({ scopes: ['store.webhook:read', 'store.webhook:write'] });
    try {
      const answer = await recover('narrowed');
      expect(answer.status).toBe(502);
      expect(answer.error.message).toContain('order.order:read');
      expect(answer.error.message).toContain(
        `have the shop owner approve it at ${f.sandbox.url}/narrowed/admin/app/${APP_CLIENT_ID}/approveScopes`,
      );
      expect(answer.error.message).not.toContain('API Settings');
      expect(await lastPassError('narrowed')).not.toContain('API Settings');
    } finally {
      f.registerApp({});
    }
  });
});
