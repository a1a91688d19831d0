/**
 * `shops --receiver`: the LAST DELIVERY column prints its time as every other admin table does
 * (`2026-12-05 10:57:45Z`, admin-format's formatTime), not the API's raw ISO string with milliseconds;
 * `--json` keeps the API's value.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCli, tempConfigDir } from '../test-support/run-cli.js';
import { startTestReceiver, type TestReceiver } from '../test-support/test-receiver.js';

const config = tempConfigDir();
const ADMIN_TOKEN = 'receiver-shops-admin-token-0123456789';
let receiver: TestReceiver;

beforeAll(async () => {
  receiver = await startTestReceiver(config.dir, {
    secrets: ['receiver-shops-url-secret-0123456789'],
    adminToken: ADMIN_TOKEN,
    shops: [{ name: 'acme' }, { name: 'quiet' }],
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
});
