/**
 * App mode's events reach `module` handlers (by name, with their typed object and a client for the
 * installed shop, found through the shop lookup) and `forward` bodies in the same envelope.
 */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { createShopRenterClient } from '@srhooks/client';
import { sampleOrder } from '@srhooks/contracts';
import { afterAll, describe, expect, it } from 'vitest';
import { ShopConfigSchema } from '../config/config-schema.js';
import { defineHandlers } from './define-handlers.js';
import { forwardedEvent } from './forwarded-event.js';
import { createModuleHandler } from './handlers/module.js';
import { ShopClients } from './shop-clients.js';
import { claimedOrderJob, silentLogger, tempDir } from './test-support/processing-fixtures.js';

const tmp = tempDir('app-events');
afterAll(() => tmp.cleanup());

const holder = globalThis as { __srhooksAppEvents?: unknown[] };
holder.__srhooksAppEvents ??= [];
const seen = holder.__srhooksAppEvents;

function appJob(event: string, payload: unknown) {
  return claimedOrderJob(sampleOrder(1), {
    id: `job_${event}`,
    shop: 'installed-shop',
    event: event as never,
    payload,
    dedupeKey: `${event}:1`,
    subjectId: 'installed-shop',
  });
}

describe('app events for handlers', () => {
  it('runs a module’s app_uninstalled and payment_status handlers with their objects and the installed shop’s client', async () => {
    const path = join(tmp.dir, 'app-handlers.mjs');
    writeFileSync(
      path,
      `export default {
        app_uninstalled: async (event, ctx) => { globalThis.__srhooksAppEvents.push({ event, clientShop: ctx.client.shop }); },
        payment_status: async (event) => { globalThis.__srhooksAppEvents.push({ event }); },
      };`,
    );
    // The installed shop is not in the config's shops: the lookup (app mode's shop directory) finds it.
    const installed = ShopConfigSchema.parse({
      name: 'installed-shop',
      clientId: 'app',
      clientSecret: 'app-secret',
    });
    const run = createModuleHandler({
      name: 'app',
      path,
      logger: silentLogger,
      clients: new ShopClients([], createShopRenterClient, (shop) =>
        shop === installed.name ? installed : undefined,
      ),
    });
    const uninstall = { shop: 'installed-shop', uninstalledAt: '2026-07-01T08:00:00.000Z', cancelledJobs: 2 };
    expect(await run(appJob('app_uninstalled', uninstall))).toEqual({ status: 'succeeded' });
    expect(await run(appJob('payment_status', { id: 69, status: 'paid', time: 1 }))).toEqual({
      status: 'succeeded',
    });
    expect(await run(appJob('payment_card_change', { changeId: 1 }))).toEqual({ status: 'succeeded' });
    expect(seen).toEqual([
      {
        event: expect.objectContaining({ event: 'app_uninstalled', shop: 'installed-shop', uninstall }),
        clientShop: 'installed-shop',
      },
      {
        event: expect.objectContaining({
          event: 'payment_status',
          notification: { id: 69, status: 'paid', time: 1 },
        }),
      },
    ]);
  });

  it('accepts app event names in defineHandlers and still refuses typos', () => {
    expect(() =>
      defineHandlers({ app_uninstalled: async () => {}, payment_status: async () => {} }),
    ).not.toThrow();
    expect(() => defineHandlers({ app_uninstaled: async () => {} } as never)).toThrow(/app_uninstaled/);
  });

  it('forwards app events in the Standard Webhooks envelope', () => {
    const body = forwardedEvent(appJob('payment_card_change', { changeId: 42, status: 'declined' }));
    expect(body).toMatchObject({
      type: 'shoprenter.payment_card_change',
      data: { event: 'payment_card_change', shop: 'installed-shop', notification: { changeId: 42 } },
    });
    expect(typeof body.data.receivedAt).toBe('string');
  });
});
