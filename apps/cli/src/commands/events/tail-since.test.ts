/**
 * `srhooks events tail --since`: before following, it prints what the receiver stored or handled since
 * then (a duration back from the receiver's time, or an ISO time), each delivery before its outcome and
 * once, then goes on live; without it, what was there before it started is not news (tail.test.ts).
 * A value that is no look-back is refused before anything is read.
 */
import { setTimeout as sleep } from 'node:timers/promises';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { type CaptureServer, startCaptureServer } from '../../test-support/capture-server.js';
import {
  type RunningCli,
  runCli,
  sendDelivery,
  startCli,
  tempConfigDir,
} from '../../test-support/run-cli.js';
import { forwardTo, startTestReceiver, type TestReceiver } from '../../test-support/test-receiver.js';

const config = tempConfigDir();
const SECRET = 'events-tail-since-url-secret-0123456789';
const ADMIN_TOKEN = 'events-tail-since-admin-token-0123456789';

let target: CaptureServer;
let receiver: TestReceiver;
let seed = 0;

beforeAll(async () => {
  target = await startCaptureServer(() => ({ status: 200, body: 'ok' }));
  receiver = await startTestReceiver(config.dir, {
    secrets: [SECRET],
    adminToken: ADMIN_TOKEN,
    shops: [{ name: 'acme', handlers: ['erp'] }],
    handlers: { erp: forwardTo(`${target.url}/erp`) },
  });
});
afterAll(async () => {
  await receiver.receiver.close();
  await target.close();
  config.cleanup();
});

/** Sends a sample order_confirm to acme and waits until its job has succeeded; its delivery id and order. */
async function sendHandled(): Promise<{ deliveryId: string; order: string }> {
  seed += 1;
  const { deliveryId } = await sendDelivery(
    config.dir,
    receiver.deliveryUrl({ shop: 'acme', event: 'order_confirm' }),
    `tail-since-${seed}`,
  );
  let order = '';
  await vi.waitFor(
    async () => {
      const delivery = await receiver.receiver.store.getDelivery(deliveryId);
      const jobs = delivery?.events.flatMap((event) => event.handlers) ?? [];
      if (jobs.length === 0 || jobs.some((job) => job.status !== 'succeeded'))
        throw new Error(`the job of ${deliveryId} has not succeeded`);
      order = delivery?.events[0]?.orderNumber ?? '';
    },
    { timeout: 45_000, interval: 50 },
  );
  return { deliveryId, order };
}

async function tail(...args: string[]): Promise<RunningCli> {
  const run = startCli(config.dir, ['events', 'tail', ...args, '--json', '--receiver', receiver.url], {
    env: { SRHOOKS_ADMIN_TOKEN: ADMIN_TOKEN },
  });
  await run.waitForErrorLine(/^following the receiver at http:\/\/127\.0\.0\.1:\d+: waiting for deliveries/);
  return run;
}

type Line = { type: string; deliveryId?: string; orderNumber?: string; events?: { orderNumber: string }[] };
const documents = (run: RunningCli): Line[] =>
  run
    .stdout()
    .split('\n')
    .filter((line) => line.trim() !== '')
    .map((line) => JSON.parse(line) as Line);
/** Each line as `delivery #N` or `outcome #N`. */
const shown = (run: RunningCli): string[] =>
  documents(run).map((line) => `${line.type} #${line.orderNumber ?? line.events?.[0]?.orderNumber ?? '?'}`);

describe('srhooks events tail --since', () => {
  it('prints what was stored and handled since then first (a duration, or a time), in order and once, then goes on live', async () => {
    const first = await sendHandled();
    // the receiver's and this machine's clocks are the same one here; a time between the two deliveries
    await sleep(20);
    const between = new Date().toISOString();
    await sleep(20);
    const second = await sendHandled();

    const lastHour = await tail('--since', '1h');
    const sinceBetween = await tail('--since', between);
    const plain = await tail();
    const history = [
      `delivery #${first.order}`,
      `outcome #${first.order}`,
      `delivery #${second.order}`,
      `outcome #${second.order}`,
    ];
    await vi.waitFor(() => expect(shown(lastHour)).toEqual(history), { timeout: 30_000, interval: 50 });
    await vi.waitFor(() => expect(shown(sinceBetween)).toEqual(history.slice(2)), {
      timeout: 30_000,
      interval: 50,
    });

    const live = await sendHandled();
    const after = [`delivery #${live.order}`, `outcome #${live.order}`];
    for (const run of [lastHour, sinceBetween, plain])
      await run.waitForLine(new RegExp(`"type":"outcome".*"orderNumber":"${live.order}"`));
    expect(shown(lastHour)).toEqual([...history, ...after]);
    expect(shown(sinceBetween)).toEqual([...history.slice(2), ...after]);
    // without --since what was there before it started is not news
    expect(shown(plain)).toEqual(after);
    expect(documents(lastHour)[0]?.deliveryId).toBe(first.deliveryId);

    for (const run of [lastHour, sinceBetween, plain]) expect(await run.interrupt()).toBe(0);
    expect(lastHour.stderr()).toMatch(
      /^what the receiver stored or handled since \d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z \(receiver time\) first, then live$/m,
    );
    expect(lastHour.stderr()).toMatch(/^stopped \(SIGINT\): 3 deliveries shown$/m);
    expect(sinceBetween.stderr()).toContain(`stored or handled since ${between} (receiver time)`);
    expect(plain.stderr()).not.toContain('stored or handled since');
  });

  it('refuses a value that is no look-back, saying what to write, before reading anything', async () => {
    for (const [value, says] of [
      ['yesterday', /--since.*must be a duration back from now such as 2d, 12h or 90m, or an ISO 8601 time/],
      ['0m', /--since.*must reach back at least 1m/],
      ['2999-01-01T00:00', /--since.*is in the future; give a time in the past/],
      // What the receiver's admin API refuses (contracts' parseTime): no such day, more than 9 digits of a second.
      ['2025-02-30', /--since.*is not a valid ISO 8601 time.*on a day the calendar has/],
      ['2025-02-29T10:00Z', /--since.*is not a valid ISO 8601 time.*on a day the calendar has/],
      ['2025-01-01T00:00:00.1234567891Z', /--since.*is not a valid ISO 8601 time/],
    ] as const) {
      const run = await runCli(config.dir, ['events', 'tail', '--since', value, '--receiver', receiver.url], {
        env: { SRHOOKS_ADMIN_TOKEN: ADMIN_TOKEN },
      });
      expect(run.code, value).toBe(2);
      expect(run.stderr).toMatch(says);
      expect(run.stdout).toBe('');
    }
  });
});
