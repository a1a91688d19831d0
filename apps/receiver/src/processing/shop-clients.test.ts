/**
 * The shops' API clients (handlers' `ctx.client`, verify, recovery) for a shop configured with a
 * legacy API user (`username`/`password`, HTTP Basic auth) instead of client credentials: against
 * the sandbox's legacy API base over real HTTP, whose `legacy` shop accepts only its API user.
 */
import { DEMO_SHOP, type RunningSandbox, startSandbox } from '@srhooks/sandbox';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ShopConfigSchema } from '../config/config-schema.js';
import { createEventVerifier } from './event-verifier.js';
import { ShopCredentialsMissingError } from './processing-errors.js';
import { ShopClients } from './shop-clients.js';

const API_USER = { username: 'shop-clients-api-user', password: 'shop-clients-api-PASSWORD' };
let sandbox: RunningSandbox;

beforeAll(async () => {
  sandbox = await startSandbox({
    logger: false,
    rateLimit: false,
    shops: [DEMO_SHOP, { name: 'legacy', clients: [], basicAuth: API_USER }],
  });
});
afterAll(async () => {
  await sandbox.close();
});

const legacyShop = (overrides: Record<string, unknown> = {}) =>
  ShopConfigSchema.parse({ name: 'legacy', ...API_USER, apiUrl: sandbox.legacyApiUrlTemplate, ...overrides });

describe('ShopClients with a legacy API user', () => {
  it('gives the shop a client that reads its orders with Basic auth', async () => {
    const { order } = await sandbox.simulator.placeOrder('legacy', { seed: 'basic-1' });
    const clients = new ShopClients([legacyShop()]);
    expect(clients.has('legacy')).toBe(true);
    const read = await clients.clientFor('legacy').orders.get(String(order.innerResourceId));
    expect(String(read.innerId)).toBe(String(order.innerId));
  });

  it('lets verify run for it', async () => {
    const clients = new ShopClients([legacyShop({ verify: true })]);
    const verifier = createEventVerifier([legacyShop({ verify: true })], clients);
    expect(verifier).not.toBeNull();
  });

  it('a shop with neither pair has no client, and the error names both ways to give one', () => {
    const clients = new ShopClients([ShopConfigSchema.parse({ name: 'bare' })]);
    expect(clients.has('bare')).toBe(false);
    expect(() => clients.clientFor('bare')).toThrow(ShopCredentialsMissingError);
    expect(() => clients.clientFor('bare')).toThrow(
      'Shop "bare" has no API credentials, so handlers get no ShopRenter client for it: set "clientId" and "clientSecret" (or a legacy API user\'s "username" and "password") on that shop in srhooks.config.json.',
    );
  });
});
