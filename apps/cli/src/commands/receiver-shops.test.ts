/**
 * `shops --receiver`: the LAST DELIVERY column prints its time as every other admin table does
 * (`2026-12-05 10:57:45Z`, admin-format's formatTime), not the API's raw ISO string with milliseconds;
 * `--json` keeps the API's value. A config shop with no subscription configured: the table's
 * SUBSCRIPTIONS `unknown` is the API's `subscriptions: null`, which `--json` keeps (not `[]`, "none").
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createStyle } from '../output/index.js';
import { runCli, tempConfigDir } from '../test-support/run-cli.js';
import { startTestReceiver, type TestReceiver } from '../test-support/test-receiver.js';
import { type ReceiverShop, receiverShopsCommand } from './receiver-shops.js';

const config = tempConfigDir();
const ADMIN_TOKEN = 'receiver-shops-admin-token-0123456789';
let receiver: TestReceiver;

beforeAll(async () => {
  receiver = await startTestReceiver(config.dir, {
    secrets: ['receiver-shops-url-secret-0123456789'],
    adminToken: ADMIN_TOKEN,
    shops: [{ name: 'acme' }, { name: 'quiet' }, { name: 'listed', events: ['order_confirm'] }],
  });
  const sent = await runCli(config.dir, [
    'trigger',
    'order_confirm',
    '--to',
    receiver.deliveryUrl({ shop: 'acme', event: 'order_confirm' }),
  ]);
  if (sent.code !== 0) throw new Error(sent.stderr);
});
afterAll(async () => {
  await receiver.receiver.close();
  config.cleanup();
});

describe('srhooks shops --receiver', () => {
  it('prints the last delivery time as the other admin tables do', async () => {
    const env = { env: { SRHOOKS_ADMIN_TOKEN: ADMIN_TOKEN } };
    const json = await runCli(config.dir, ['shops', '--receiver', receiver.url, '--json'], env);
    const acme = JSON.parse(json.stdout).shops.find((shop: { name: string }) => shop.name === 'acme');
    expect(acme.lastDeliveryAt).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/);
    const table = await runCli(config.dir, ['shops', '--receiver', receiver.url], env);
    expect(table.code).toBe(0);
    const shown = acme.lastDeliveryAt.replace('T', ' ').replace(/\.\d+Z$/, 'Z');
    expect(table.stdout).toMatch(new RegExp(`^acme .* ${shown} `, 'm'));
    expect(table.stdout).toMatch(/^quiet .* never /m);
  });

  it("--json says null where the table says unknown: a config shop's subscriptions none were configured for", async () => {
    const env = { env: { SRHOOKS_ADMIN_TOKEN: ADMIN_TOKEN } };
    const json = await runCli(config.dir, ['shops', '--receiver', receiver.url, '--json'], env);
    expect(json.code).toBe(0);
    const shops: Array<{ name: string; subscriptions: unknown }> = JSON.parse(json.stdout).shops;
    expect(Object.fromEntries(shops.map((shop) => [shop.name, shop.subscriptions]))).toEqual({
      acme: null,
      quiet: null,
      listed: [{ event: 'order_confirm' }],
    });
    const table = await runCli(config.dir, ['shops', '--receiver', receiver.url], env);
    expect(table.code).toBe(0);
    expect(table.stdout).toMatch(/^quiet +config +configured +unknown /m);
    expect(table.stdout).toMatch(/^listed +config +configured +order_confirm /m);
  });
});

describe('srhooks shops --receiver: install steps', () => {
  const shop = (overrides: Partial<ReceiverShop>): ReceiverShop => ({
    name: 'alpha',
    source: 'app',
    status: 'installed',
    subscriptions: [{ event: 'order_confirm', id: 'a' }],
    installedAt: '2026-12-01T10:00:00.000Z',
    appVersion: null,
    uninstalledAt: null,
    pendingReason: null,
    attempts: 0,
    nextAttemptAt: null,
    lastDeliveryAt: null,
    hasCredentials: true,
    ...overrides,
  });

  it("lists an installed shop's failed later step under its own heading, apart from pending installs", () => {
    const text = receiverShopsCommand.render?.(
      {
        receiver: 'http://127.0.0.1:1',
        shops: [
          shop({}),
          shop({
            name: 'beta',
            pendingReason: 'credentials refused',
            attempts: 2,
            nextAttemptAt: '2026-12-05T10:00:00.000Z',
          }),
          shop({ name: 'gamma', pendingReason: 'installing', nextAttemptAt: '2026-12-05T10:00:00.000Z' }),
          shop({
            name: 'delta',
            status: 'pending',
            subscriptions: [],
            pendingReason: 'token endpoint down',
            nextAttemptAt: '2026-12-05T10:00:00.000Z',
          }),
        ],
      },
      createStyle(false),
    );
    expect(text).toContain(
      'pending installs (retried in the background):\n  delta: token endpoint down (next attempt 2026-12-05 10:00:00Z)',
    );
    expect(text).toContain(
      'installed shops whose latest install step failed (they keep their subscriptions; retried in the background):\n  beta: credentials refused (next attempt 2026-12-05 10:00:00Z)',
    );
    // a step running again (an install call) is no failure; a shop with nothing due is not listed
    expect(text).not.toMatch(/^ {2}(alpha|gamma):/m);
  });

  it("says a recovery that is on but failing, with the last pass's reason", () => {
    const text =
      receiverShopsCommand.render?.(
        {
          receiver: 'http://127.0.0.1:1',
          shops: [
            shop({ name: 'alpha', recovery: true, recoveryFailures: 0, recoveryError: null }),
            shop({ name: 'gamma', recovery: true, recoveryFailures: 1, recoveryError: 'token refused' }),
            shop({
              name: 'beta',
              recovery: true,
              recoveryFailures: 3,
              recoveryError: 'GET https://beta.api.myshoprenter.hu/orders answered 503',
            }),
          ],
        },
        createStyle(false),
      ) ?? '';
    expect(text).toMatch(/^alpha .* on\s*$/m);
    expect(text).toMatch(/^beta .* on, failing \(3 in a row\)\s*$/m);
    expect(text).toContain(
      'order recovery failing (retried with backoff; srhooks recover --shop S runs a pass now):\n  gamma: token refused (1 failed pass)\n  beta: GET https://beta.api.myshoprenter.hu/orders answered 503 (3 failed passes in a row)',
    );
  });
});

describe('srhooks shops --receiver: start-up reconcile', () => {
  const configShop = (name: string, reconcile: ReceiverShop['reconcile']): ReceiverShop => ({
    name,
    source: 'config',
    status: 'configured',
    subscriptions: [{ event: 'order_confirm' }],
    installedAt: null,
    appVersion: null,
    uninstalledAt: null,
    pendingReason: null,
    attempts: 0,
    nextAttemptAt: null,
    lastDeliveryAt: null,
    hasCredentials: true,
    reconcile,
  });

  it('says which config shops were not reconciled, why, and whether it is tried again', () => {
    const text =
      receiverShopsCommand.render?.(
        {
          receiver: 'http://127.0.0.1:1',
          shops: [
            configShop('good', {
              ok: true,
              at: '2026-12-05T10:00:00.000Z',
              error: null,
              nextAttemptAt: null,
            }),
            configShop('locked', {
              ok: false,
              at: '2026-12-05T10:00:00.000Z',
              error: 'ShopRenter refused the client credentials',
              nextAttemptAt: null,
            }),
            configShop('away', {
              ok: false,
              at: '2026-12-05T10:00:00.000Z',
              error: 'could not reach the token endpoint',
              nextAttemptAt: '2026-12-05T10:00:30.000Z',
            }),
            configShop('plain', null),
          ],
        },
        createStyle(false),
      ) ?? '';
    expect(text).toMatch(/^good +config +configured +order_confirm/m);
    expect(text).toMatch(/^locked +config +configured, not reconciled +order_confirm/m);
    expect(text).toMatch(/^plain +config +configured +order_confirm/m);
    expect(text).toContain(
      [
        'subscriptions not reconciled (their deliveries do not arrive until they are):',
        '  locked: ShopRenter refused the client credentials (not tried again: fix it, then restart the receiver)',
        '  away: could not reach the token endpoint (tried again at 2026-12-05 10:00:30Z)',
      ].join('\n'),
    );
    expect(text).not.toMatch(/^ {2}(good|plain):/m);
  });
});
