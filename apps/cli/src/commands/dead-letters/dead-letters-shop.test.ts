/**
 * A receiver serving several shops, each with its own handler (as a platform app's installed shops
 * and its config shops are): `dead-letters list` says which shop each dead letter is of (an order
 * number alone is ambiguous: every shop counts its orders from 1).
 */
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { type CaptureServer, startCaptureServer } from '../../test-support/capture-server.js';
import { adminCli, tempConfigDir, triggerOrders } from '../../test-support/run-cli.js';
import { forwardTo, type Receiver, startTestReceiver } from '../../test-support/test-receiver.js';

const config = tempConfigDir();
const ADMIN_TOKEN = 'dead-letters-shop-token-abcdef0123456789';
let receiver: Receiver;
let target: CaptureServer;
let base = '';
const { admin } = adminCli(config.dir, () => base, ADMIN_TOKEN);

beforeAll(async () => {
  // Both targets answer 400: a refusal not retried, so every job ends as a dead letter at once.
  target = await startCaptureServer(() => ({ status: 400, body: 'refused' }));
  const started = await startTestReceiver(config.dir, {
    secrets: ['dead-letters-shop-url-secret-0123456789'],
    adminToken: ADMIN_TOKEN,
    shops: [
      { name: 'alpha', handlers: ['erp'] },
      { name: 'beta', handlers: ['crm'] },
    ],
    handlers: {
      erp: forwardTo(`${target.url}/erp`),
      crm: forwardTo(`${target.url}/crm`),
    },
  });
  ({ receiver, url: base } = started);
  for (const shop of ['alpha', 'beta'])
    await triggerOrders(config.dir, started.deliveryUrl({ shop, event: 'order_confirm' }), ['one']);
  await vi.waitFor(
    async () => {
      if ((await receiver.store.listDeadLetters()).length < 2) throw new Error('not dead-lettered yet');
    },
    { timeout: 10_000, interval: 50 },
  );
});
afterAll(async () => {
  await receiver.close();
  await target.close();
  config.cleanup();
});

describe('dead-letters list on a multi-shop receiver', () => {
  it('dead-letters list names the shop of each dead letter', async () => {
    const table = await admin('dead-letters', 'list');
    expect(table.code).toBe(0);
    const lines = table.stdout.split('\n');
    expect(lines[0]).toMatch(/^JOB\s+HANDLER\s+SHOP\s+EVENT\s+ORDER\s+/);
    expect(lines.filter((line) => /^job_\S+\s+erp\s+alpha\s+evt_/.test(line))).toHaveLength(1);
    expect(lines.filter((line) => /^job_\S+\s+crm\s+beta\s+evt_/.test(line))).toHaveLength(1);
  });
});

describe('the retry hint under a filtered dead-letters list', () => {
  it('repeats the filters, so the command it gives retries what was listed, not every dead letter', async () => {
    const filtered = await admin('dead-letters', 'list', '--handler', 'erp', '--from', '2020-01-01');
    expect(filtered.code).toBe(0);
    expect(filtered.stdout).toContain(
      '1 dead letter; srhooks dead-letters retry --handler erp --from 2020-01-01 runs them again (every page, not only this one)',
    );
    const all = await admin('dead-letters', 'list');
    expect(all.stdout).toContain(
      '2 dead letters; srhooks dead-letters retry runs them again (every page, not only this one)',
    );
  });
});
