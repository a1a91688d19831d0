import type { WebhookEvent } from '@srhooks/contracts';
import { DEMO_CLIENT, type RunningSandbox, startSandbox } from '@srhooks/sandbox';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCli, tempConfigDir } from '../test-support/run-cli.js';
import { type Receiver, startTestReceiver } from '../test-support/test-receiver.js';

const config = tempConfigDir();
const ADMIN_TOKEN = 'recover-command-token-abcdef0123456789';
let sandbox: RunningSandbox;
let receiver: Receiver;
let base = '';

const recover = (...args: string[]) =>
  runCli(config.dir, ['recover', ...args, '--receiver', base], { env: { SRHOOKS_ADMIN_TOKEN: ADMIN_TOKEN } });

/** A receiver (no handlers run) that recovers the sandbox shop `demo`'s `events` with the demo client. */
function startRecoveringReceiver(dir: string, shopSandbox: RunningSandbox, events: WebhookEvent[]) {
  return startTestReceiver(
    dir,
    {
      secrets: ['recover-command-url-secret-0123456789'],
      adminToken: ADMIN_TOKEN,
      shops: [
        {
          name: 'demo',
          clientId: DEMO_CLIENT.clientId,
          clientSecret: DEMO_CLIENT.clientSecret,
          apiUrl: shopSandbox.apiUrlTemplate.replace('{shop}', 'demo'),
          tokenUrl: shopSandbox.tokenUrlTemplate.replace('{shop}', 'demo'),
          events,
        },
      ],
    },
    { processing: { enabled: false } },
  );
}

beforeAll(async () => {
  sandbox = await startSandbox({ logger: false, rateLimit: false });
  ({ receiver, url: base } = await startRecoveringReceiver(config.dir, sandbox, [
    'order_confirm',
    'order_status_change',
  ]));
  const { order } = await sandbox.simulator.placeOrder('demo');
  await sandbox.simulator.changeStatus('demo', order.innerId ?? '', '2');
});
afterAll(async () => {
  await receiver.close();
  sandbox.app.server.closeAllConnections();
  await sandbox.close();
  config.cleanup();
});

describe('srhooks recover', () => {
  it('--dry-run says what it would recover and stores nothing; a real run recovers it once', async () => {
    const dry = await recover('--shop', 'demo', '--since', '2d', '--dry-run');
    expect(dry.code).toBe(0);
    expect(dry.stdout).toMatch(
      /^dry run: read 1 order changed since \S+; would recover 1 order_confirm, 1 order_status_change$/m,
    );
    expect(dry.stdout).toMatch(/would recover order_confirm 1 \(order:1\)/);
    expect((await receiver.store.listEvents({})).items).toHaveLength(0);

    const real = await recover('--shop', 'demo', '--since', '2d', '--json');
    expect(real.code).toBe(0);
    const report = JSON.parse(real.stdout);
    expect(report).toMatchObject({
      dryRun: false,
      ordersRead: 1,
      recovered: { order_confirm: 1, order_status_change: 1 },
    });
    const events = (await receiver.store.listEvents({})).items;
    expect(events.map((e) => [e.event, e.source])).toEqual([
      ['order_status_change', 'recovery'],
      ['order_confirm', 'recovery'],
    ]);

    const again = await recover('--shop', 'demo', '--since', '2d');
    expect(again.stdout).toMatch(
      /^✔ read 1 order changed since \S+; nothing was missed\n {2}2 events the receiver already had$/m,
    );

    // events show says where a recovered event came from (its total has no currency: the API lacks it)
    const show = await runCli(config.dir, ['events', 'show', events[1]?.id ?? '', '--receiver', base], {
      env: { SRHOOKS_ADMIN_TOKEN: ADMIN_TOKEN },
    });
    expect(show.code).toBe(0);
    expect(show.stdout).toMatch(
      /^source {8}recovery: read back from the shop's API by a recovery pass \(its delivery was never received\); only what the shop's API carries: the order, its products and currency code, no net prices$/m,
    );
  });

  it.each([
    ['0d', 'must reach back at least 1m'],
    ['0m', 'must reach back at least 1m'],
    ['2999-01-01T00:00:00Z', 'is in the future'],
    ['2024-13-45', 'is not a valid ISO 8601 time'],
  ])('refuses --since %s (a look-back of nothing) with exit 2', async (value, reason) => {
    const run = await recover('--shop', 'demo', '--since', value);
    expect(run.code).toBe(2);
    expect(run.stderr).toContain(`error: option '--since <when>' argument '${value}' is invalid. ${reason}`);
  });

  // The receiver reads a time without a zone as UTC (admin API); the CLI's own check read it in the
  // machine's zone, so west of Greenwich it refused a time ten minutes ago as "in the future".
  it.each([
    ['America/New_York', -10 * 60_000],
    ['Asia/Tokyo', -10 * 60_000],
  ])('in %s, a --since without a zone is UTC, as the receiver reads it', async (zone, back) => {
    const text = new Date(Date.now() + back).toISOString().slice(0, 19); // no zone
    const run = await runCli(
      config.dir,
      ['recover', '--shop', 'demo', '--since', text, '--dry-run', '--json', '--receiver', base],
      { env: { SRHOOKS_ADMIN_TOKEN: ADMIN_TOKEN, TZ: zone } },
    );
    expect(run.stderr).not.toContain('is in the future');
    expect(run.code).toBe(0);
    expect(JSON.parse(run.stdout).since).toBe(`${text}.000Z`);
  });

  it('in Asia/Tokyo, a --since without a zone half an hour ahead of UTC is refused before calling', async () => {
    const text = new Date(Date.now() + 30 * 60_000).toISOString().slice(0, 19);
    const run = await runCli(config.dir, ['recover', '--shop', 'demo', '--since', text, '--receiver', base], {
      env: { SRHOOKS_ADMIN_TOKEN: ADMIN_TOKEN, TZ: 'Asia/Tokyo' },
    });
    expect(run.code).toBe(2);
    expect(run.stderr).toContain(
      `error: option '--since <when>' argument '${text}' is invalid. is in the future`,
    );
  });

  it('a --since beyond the look-back is refused naming --since, the flag typed (the receiver says "since")', async () => {
    const run = await recover('--shop', 'demo', '--since', '5d', '--json');
    expect(run.code).toBe(2);
    const { error } = JSON.parse(run.stdout);
    expect(error.code).toBe('bad_since');
    expect(error.message).toMatch(
      /^--since 5d \(\S+Z\) reaches further back than recovery may read for shop "demo" \(3 days, [^)]*\); pass a later --since \(at most 3d\)/,
    );
    expect(error.message).not.toMatch(/(^|[^-])since \d/);
    // a receiver (not srhooks listen) reads SRHOOKS_RECOVERY_LOOK_BACK_DAYS: its advice stands (recover-look-back.test.ts: listen)
    expect(error.message).toMatch(
      /\(3 days, SRHOOKS_RECOVERY_LOOK_BACK_DAYS \/ recoveryLookBackDays\); .*, or raise the look-back and restart the receiver\.$/,
    );
  });

  it('refuses a bad --since before calling, and an unknown shop with the receiver’s reason', async () => {
    const bad = await recover('--shop', 'demo', '--since', 'yesterday');
    expect(bad.code).not.toBe(0);
    expect(bad.stderr).toMatch(/--since/);
    const unknown = await recover('--shop', 'nope');
    expect(unknown.code).not.toBe(0);
    expect(unknown.stderr).toMatch(/not configured on this receiver/);
  });
});

describe('srhooks recover: a shop whose clock is behind the receiver’s', () => {
  const skewedConfig = tempConfigDir();
  let skewed: RunningSandbox;
  let skewedReceiver: Receiver;
  let skewedBase = '';
  beforeAll(async () => {
    skewed = await startSandbox({ logger: false, rateLimit: false, clockOffsetSeconds: -900 });
    ({ receiver: skewedReceiver, url: skewedBase } = await startRecoveringReceiver(skewedConfig.dir, skewed, [
      'order_confirm',
    ]));
    await skewed.simulator.placeOrder('demo');
  });
  afterAll(async () => {
    await skewedReceiver.close();
    skewed.app.server.closeAllConnections();
    await skewed.close();
    skewedConfig.cleanup();
  });

  it('says it read by the shop’s clock and how far behind it is; --json has shopClockBehindMs', async () => {
    const run = (...args: string[]) =>
      runCli(
        skewedConfig.dir,
        ['recover', '--shop', 'demo', '--since', '10m', ...args, '--receiver', skewedBase],
        {
          env: { SRHOOKS_ADMIN_TOKEN: ADMIN_TOKEN },
        },
      );
    const human = await run('--dry-run');
    expect(human.code).toBe(0);
    // placed 15 minutes ago by the shop's clock, so found by a pass from 10 minutes ago by the receiver's
    expect(human.stdout).toMatch(/would recover 1 order_confirm$/m);
    expect(human.stdout).toMatch(/^ {2}read by the shop's clock, 90\d s behind the receiver's$/m);
    const json = JSON.parse((await run('--dry-run', '--json')).stdout);
    expect(json.shopClockBehindMs).toBeGreaterThanOrEqual(900_000);
  });
});
