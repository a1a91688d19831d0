/**
 * App mode in handlers: a `module` handler's `ctx.client` for a shop that installed the app uses the app's
 * ClientId/ClientSecret and scopes, so when a call fails on them the error the handler gets — and the
 * text stored with the attempt — gives the platform app's advice (the app's ClientId/ClientSecret issued
 * by ShopRenter; a scope added to the app and approved by the owner at
 * {adminUrl}/app/{clientId}/approveScopes; install-failure.ts), never the per-shop API client's
 * "Settings > API Settings". Against the sandbox: a real install, a real order delivered to the receiver,
 * the handler's real API call.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  ADMIN_TOKEN,
  APP_CLIENT_ID,
  APP_CLIENT_SECRET,
  APP_ID,
  type AppModeFixture,
  eventually,
  startAppModeFixture,
} from './test-support/app-mode-fixture.js';

interface SeenError {
  shop: string;
  name: string;
  code: string;
  message: string;
}

/** What the handler module saw (it runs in this process). */
const seen = (): SeenError[] =>
  ((globalThis as { __srhooksClientErrors?: SeenError[] }).__srhooksClientErrors ??= []);

/** Reads the shop's orders through ctx.client; records the error it gets and throws it on. */
const HANDLER_MODULE = `export default {
  order_confirm: async (event, ctx) => {
    try {
      await ctx.client.orders.search({});
    } catch (error) {
      (globalThis.__srhooksClientErrors ??= []).push({ shop: ctx.shop, name: error.name, code: error.code, message: error.message });
      throw error;
    }
  },
};
`;

describe('app mode: advice in ctx.client errors of handlers', () => {
  let f: AppModeFixture;
  let dir: string;

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'srhooks-app-client-advice-'));
    const handlerPath = join(dir, 'reader.mjs');
    writeFileSync(handlerPath, HANDLER_MODULE);
    f = await startAppModeFixture({
      shops: ['rotated', 'narrowed'],
      config: { handlers: { reader: { type: 'module', path: handlerPath } } },
      app: { handlers: ['reader'] },
    });
  });
  afterAll(async () => {
    await f?.close();
    if (dir) rmSync(dir, { recursive: true, force: true });
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

  /** Places an order in the sandbox; returns the error text stored with the handler's first attempt. */
  const firstAttemptError = async (shop: string, seed: number): Promise<string> => {
    await f.sandbox.simulator.placeOrder(shop, { seed });
    await f.sandbox.simulator.waitForIdle();
    return eventually(async () => {
      const { items } = await f.receiver.store.listEvents({ shop, limit: 10 });
      for (const item of items) {
        const event = await f.receiver.store.getEvent(item.id);
        const error = event?.jobs.find((job) => job.handler === 'reader')?.attemptLog[0]?.error;
        if (error) return error;
      }
      return undefined;
    });
  };

  it("credentials refused: the handler's error says to check the app's ClientId/ClientSecret", async () => {
    await installed('rotated');
    // ShopRenter now holds another secret for the app (rotated there, not here).
    f.registerApp({ clientSecret: 'rotated-at-shoprenter-only' });
    try {
      const stored = await firstAttemptError('rotated', 1);
      const handlerSaw = seen().find((error) => error.shop === 'rotated');
      expect(handlerSaw?.name).toBe('TokenError');
      expect(handlerSaw?.message).toMatch(
        /^ShopRenter refused the app's client credentials for shop "rotated" \(401/,
      );
      expect(handlerSaw?.message).toContain('SRHOOKS_APP_CLIENT_SECRET');
      // the stored error is the message (which names the code already), not the class name
      expect(handlerSaw?.message).toContain(String(handlerSaw?.code));
      expect(stored).toContain(`threw: ${handlerSaw?.message}`);
      expect(stored).not.toContain('TokenError');
      for (const text of [stored, handlerSaw?.message ?? '']) {
        expect(text).not.toContain('API Settings');
        expect(text).not.toContain('rotated-at-shoprenter-only');
        expect(text).not.toContain(APP_CLIENT_SECRET);
      }
    } finally {
      f.registerApp({});
    }
  });

  it("a scope the app lacks: the handler's error says to add it to the app and have the owner approve it", async () => {
    await installed('narrowed');
    // The owner never approved order.order:read (or the app dropped it): tokens come without it.
    f.registerApp({ scopes: ['store.webhook:read', 'store.webhook:write'] });
    try {
      const stored = await firstAttemptError('narrowed', 2);
      const handlerSaw = seen().find((error) => error.shop === 'narrowed');
      expect(handlerSaw?.name).toBe('AuthError');
      expect(handlerSaw?.message).toContain('the app lacks scope order.order:read on shop "narrowed"');
      expect(handlerSaw?.message).toContain(
        `have the shop owner approve it at ${f.sandbox.url}/narrowed/admin/app/${APP_CLIENT_ID}/approveScopes`,
      );
      expect(stored).toContain(`forbidden: ${handlerSaw?.message}`);
      expect(stored).not.toContain('AuthError');
      for (const text of [stored, handlerSaw?.message ?? '']) expect(text).not.toContain('API Settings');
    } finally {
      f.registerApp({});
    }
  });
});
