import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCli, tempConfigDir } from '../test-support/run-cli.js';
import { type Receiver, startTestReceiver } from '../test-support/test-receiver.js';

const config = tempConfigDir();
const ADMIN_TOKEN = 'prune-command-token-abcdef0123456789';
const DAY_MS = 86_400_000;
let receiver: Receiver;
let base = '';
const ids: Record<string, string> = {};

const prune = (...args: string[]) =>
  runCli(config.dir, ['prune', ...args, '--receiver', base], { env: { SRHOOKS_ADMIN_TOKEN: ADMIN_TOKEN } });

beforeAll(async () => {
  ({ receiver, url: base } = await startTestReceiver(config.dir, {
    secrets: ['prune-command-url-secret-0123456789'],
    adminToken: ADMIN_TOKEN,
  }));
  for (const [name, daysAgo] of [
    ['old', 100],
    ['older', 120],
    ['recent', 10],
  ] as const) {
    const { deliveryId } = await receiver.store.ingest(
      {
        shop: 'acme',
        event: 'order_confirm',
        receivedAt: new Date(Date.now() - daysAgo * DAY_MS),
        remoteAddress: '203.0.113.7',
        headers: {},
        contentType: 'application/json',
        rawBody: Buffer.from('{}'),
      },
      [{ dedupeKey: `order:${name}`, subjectId: name, payload: { innerId: name } }],
      [],
    );
    ids[name] = deliveryId;
  }
});
afterAll(async () => {
  await receiver.close();
  config.cleanup();
});

describe('srhooks prune', () => {
  it('--dry-run counts, then a real run deletes the deliveries older than --older-than', async () => {
    const dry = await prune('--older-than', '90d', '--dry-run');
    expect(dry.code).toBe(0);
    expect(dry.stdout).toMatch(
      /^dry run: would delete 2 deliveries received before \S+ \(2 events, 0 jobs\)$/m,
    );
    expect(await receiver.store.getDelivery(ids.old ?? '')).not.toBeNull();

    const run = await runCli(config.dir, ['prune', '--older-than', '90', '--receiver', base, '--json'], {
      env: { SRHOOKS_ADMIN_TOKEN: ADMIN_TOKEN },
    });
    expect(run.code).toBe(0);
    expect(JSON.parse(run.stdout)).toMatchObject({
      receiver: base,
      dryRun: false,
      deliveries: 2,
      events: 2,
      jobs: 0,
      kept: 0,
    });
    expect(await receiver.store.getDelivery(ids.old ?? '')).toBeNull();
    expect(await receiver.store.getDelivery(ids.older ?? '')).toBeNull();
    expect(await receiver.store.getDelivery(ids.recent ?? '')).not.toBeNull();

    const again = await prune('--older-than', '90');
    expect(again.stdout).toMatch(/✔ nothing to delete before/);
  });

  it('refuses a missing or bad --older-than with exit 2 and says what it takes', async () => {
    const missing = await prune();
    expect(missing.code).toBe(2);
    expect(missing.stderr).toMatch(/--older-than/);
    const bad = await prune('--older-than', 'soon');
    expect(bad.code).toBe(2);
    expect(bad.stderr).toMatch(/must be a number of days from 1 to 36500, e\.g\. 90 or 90d/);
    expect(await receiver.store.getDelivery(ids.recent ?? '')).not.toBeNull();
  });

  it('exits 3 with the reason when the admin token is wrong', async () => {
    const run = await runCli(config.dir, ['prune', '--older-than', '1', '--receiver', base], {
      env: { SRHOOKS_ADMIN_TOKEN: 'not-the-token-0123456789abcdef' },
    });
    expect(run.code).toBe(3);
    expect(run.stderr).toMatch(/refused the admin token/);
    expect(await receiver.store.getDelivery(ids.recent ?? '')).not.toBeNull();
  });

  it('says why old deliveries were kept, quarantined ones included, and what lets them go', async () => {
    const { deliveryId } = await receiver.store.quarantine(
      {
        shop: 'acme',
        event: 'order_confirm',
        receivedAt: new Date(Date.now() - 150 * DAY_MS),
        remoteAddress: '203.0.113.7',
        headers: {},
        contentType: 'application/json',
        rawBody: Buffer.from('{"orders":'),
      },
      { code: 'invalid_json', message: 'Unexpected end of JSON input' },
    );
    const dry = await prune('--older-than', '90', '--dry-run');
    expect(dry.code).toBe(0);
    expect(dry.stdout).toMatch(/^ {2}1 older delivery kept: .*quarantined.*--include-dead-letters/m);
    const all = await prune('--older-than', '90', '--include-dead-letters');
    expect(all.stdout).toMatch(/✔ deleted 1 delivery received before/);
    expect(all.stdout).not.toMatch(/kept/);
    expect(await receiver.store.getDelivery(deliveryId)).toBeNull();
  });
});
