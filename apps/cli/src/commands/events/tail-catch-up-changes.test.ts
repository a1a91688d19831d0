/**
 * `srhooks events tail` catching up after its connection to the receiver was cut (a TCP proxy this test
 * owns stands between them; the receiver keeps running) prints every change made while it was away,
 * not only the deliveries received since the last one it printed: a delivery quarantined before tail
 * started and re-processed meanwhile (`deliveries reprocess`: its line as `reprocessed`, with its events,
 * then their outcomes), and the outcome of an event received before tail started whose job ran again
 * meanwhile (`events replay`), and the waiting job of an event received before tail started that an
 * erasure cancelled meanwhile, with its cause. Each once, in the order they happened, and nothing from
 * before it started.
 */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { sampleOrder } from '@srhooks/contracts';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { type CaptureServer, startCaptureServer } from '../../test-support/capture-server.js';
import { type CuttableProxy, startProxy } from '../../test-support/cuttable-proxy.js';
import { adminCli, type RunningCli, runCli, startCli, tempConfigDir } from '../../test-support/run-cli.js';
import { forwardTo, startTestReceiver, type TestReceiver } from '../../test-support/test-receiver.js';

const config = tempConfigDir();
const SECRET = 'events-tail-changes-url-secret-0123456789';
const ADMIN_TOKEN = 'events-tail-changes-admin-token-0123456789';

let target: CaptureServer;
let main: TestReceiver;
const { admin } = adminCli(config.dir, () => main.url, ADMIN_TOKEN);

beforeAll(async () => {
  // erp answers 200; legacy's target is gone (410): its handler is disabled, its jobs wait
  target = await startCaptureServer((request) =>
    request.url.startsWith('/gone') ? { status: 410, body: 'gone' } : { status: 200, body: 'ok' },
  );
  main = await startTestReceiver(config.dir, {
    secrets: [SECRET],
    adminToken: ADMIN_TOKEN,
    // one sample order is under it, four in one delivery are not: quarantined too_large
    bodyLimit: 8192,
    shops: [
      { name: 'acme', handlers: ['erp'] },
      { name: 'zeta', handlers: ['legacy'] },
    ],
    handlers: { erp: forwardTo(`${target.url}/erp`), legacy: forwardTo(`${target.url}/gone`) },
  });
});
afterAll(async () => {
  await main.receiver.close();
  await target.close();
  config.cleanup();
});

/** `srhooks trigger order_confirm` to the receiver (`--data` a file, else a sample); the answer's delivery id. */
async function send(seed: string, data?: string, shop = 'acme'): Promise<string> {
  const sent = await runCli(config.dir, [
    'trigger',
    'order_confirm',
    '--to',
    main.deliveryUrl({ shop, event: 'order_confirm' }),
    ...(data === undefined ? ['--seed', seed] : ['--data', data]),
    '--json',
  ]);
  // a delivery the receiver quarantines is answered with an error: exit 3, the answer on stdout all the same
  if (sent.stdout.trim() === '') throw new Error(`srhooks trigger exited ${sent.code}: ${sent.stderr}`);
  const answer = JSON.parse(JSON.parse(sent.stdout).response.body) as { deliveryId: string };
  return answer.deliveryId;
}

/** Waits until every job of the delivery has finished, `attempts` attempts each at least. */
async function handled(deliveryId: string, attempts = 1): Promise<void> {
  await vi.waitFor(
    async () => {
      const delivery = await main.receiver.store.getDelivery(deliveryId);
      const events = delivery?.events ?? [];
      const jobs = (
        await Promise.all(events.map(async (event) => (await main.receiver.store.getEvent(event.id))?.jobs))
      ).flatMap((list) => list ?? []);
      if (jobs.length === 0 || jobs.some((job) => job.status !== 'succeeded' || job.attempts < attempts))
        throw new Error(`the jobs of ${deliveryId} have not finished`);
    },
    { timeout: 45_000, interval: 50 },
  );
}

/** `srhooks events tail …args` through the proxy; resolves once it follows. */
async function tail(proxy: CuttableProxy, ...args: string[]): Promise<RunningCli> {
  const run = startCli(config.dir, ['events', 'tail', ...args, '--receiver', proxy.url], {
    env: { SRHOOKS_ADMIN_TOKEN: ADMIN_TOKEN },
  });
  await run.waitForErrorLine(/^following the receiver at http:\/\/127\.0\.0\.1:\d+: waiting for deliveries/);
  return run;
}

async function orders(deliveryId: string): Promise<string[]> {
  const delivery = await main.receiver.store.getDelivery(deliveryId);
  return (delivery?.events ?? []).map((event) => event.orderNumber ?? '');
}

describe('srhooks events tail: the changes made while its connection was cut', () => {
  it('prints a delivery re-processed and an older event replayed meanwhile, each once, in order, after the catch-up', async () => {
    // before tail starts: a stored delivery whose job ran, and a quarantined (too_large) one
    const old = await send('tail-changes-old');
    await handled(old);
    const [oldOrder] = await orders(old);
    const bigFile = join(config.dir, '..', 'four-orders.json');
    writeFileSync(bigFile, JSON.stringify([1, 2, 3, 4].map((n) => sampleOrder(`tail-changes-big-${n}`))));
    const big = await send('', bigFile);
    expect((await main.receiver.store.getDelivery(big))?.status).toBe('quarantined');
    const oldEvent = (await main.receiver.store.getDelivery(old))?.events[0]?.id ?? '';

    const proxy = await startProxy(new URL(main.url));
    let run: RunningCli | undefined;
    try {
      run = await tail(proxy);

      proxy.cut();
      await run.waitForErrorLine(/^warning: lost the live stream of the receiver/);

      const reprocessed = await admin('deliveries', 'reprocess', big);
      expect(reprocessed.code, reprocessed.stderr).toBe(0);
      await handled(big);
      const bigOrders = await orders(big);
      expect(bigOrders).toHaveLength(4);
      const replayed = await admin('events', 'replay', oldEvent);
      expect(replayed.code, replayed.stderr).toBe(0);
      await handled(old, 2);

      proxy.restore();
      // what it catches up on is every change since then (a re-processed delivery is no newer receipt)
      await run.waitForErrorLine(
        /^reconnected to the receiver at .*; catching up on what changed since \d\d:\d\d:\d\d$/,
      );
      await run.waitForErrorLine(/^caught up: 1 delivery received and 5 handler outcomes reached meanwhile$/);
      // after the catch-up, a new delivery once
      const later = await send('tail-changes-later');
      const [laterOrder] = await orders(later);
      await run.waitForLine(new RegExp(`#${laterOrder} {2}→ erp succeeded`));
      expect(await run.interrupt()).toBe(0);

      const lines = run
        .stdout()
        .split('\n')
        .filter((line) => line.trim() !== '');
      const head = '^\\d\\d:\\d\\d:\\d\\d {2}acme {2}order_confirm {2}';
      // the re-processed delivery (a line per event, its status as it is now), then its events' outcomes as
      // their jobs finished, then the replay's outcome: in the order they happened
      expect(lines.slice(0, 4)).toEqual(
        bigOrders.map((order) =>
          expect.stringMatching(new RegExp(`${head}#${order} {2}\\d+ HUF {2}succeeded$`)),
        ),
      );
      expect(lines.slice(4, 8).sort()).toEqual(
        bigOrders
          .map((order) =>
            lines.find((line) => new RegExp(`#${order} {2}→ erp succeeded {2}HTTP 200$`).test(line)),
          )
          .sort(),
      );
      expect(lines.slice(8)).toEqual([
        expect.stringMatching(new RegExp(`${head}#${oldOrder} {2}→ erp succeeded {2}HTTP 200$`)),
        // live again
        expect.stringMatching(new RegExp(`${head}#${laterOrder} {2}\\d+ HUF`)),
        expect.stringMatching(new RegExp(`${head}#${laterOrder} {2}→ erp succeeded`)),
      ]);
      // each once
      for (const order of [...bigOrders, oldOrder, laterOrder])
        expect(lines.filter((line) => line.includes(`#${order} `)).length).toBe(order === oldOrder ? 1 : 2);
      expect(run.stderr()).toMatch(/^stopped \(SIGINT\): 2 deliveries shown$/m);
    } catch (error) {
      throw new Error(`${(error as Error).message}\nstdout:\n${run?.stdout()}\nstderr:\n${run?.stderr()}`);
    } finally {
      if (run && run.child.exitCode === null) await run.interrupt();
      await proxy.close();
    }
  });
  it('prints the waiting job of an event received before tail started that an erasure cancelled meanwhile: "cancelled by an erasure" (--json: cancelled)', async () => {
    const before = await send('tail-changes-gone', undefined, 'zeta');
    const [order] = await orders(before);
    await vi.waitFor(
      async () => {
        const state = (await main.receiver.store.listHandlerStates()).find((s) => s.handler === 'legacy');
        if (state?.disabled !== true) throw new Error('legacy is not disabled yet');
      },
      { timeout: 45_000, interval: 50 },
    );
    const proxy = await startProxy(new URL(main.url));
    const runs: RunningCli[] = [];
    try {
      runs.push(await tail(proxy), await tail(proxy, '--json'));
      const [human, json] = runs as [RunningCli, RunningCli];
      proxy.cut();
      for (const run of runs) await run.waitForErrorLine(/^warning: lost the live stream of the receiver/);

      const erased = await admin(
        'erase',
        '--shop',
        'zeta',
        '--order-id',
        order ?? '',
        '--reason',
        'GDPR-QA-512',
        '--include-unfinished',
      );
      expect(erased.code, erased.stderr).toBe(0);

      proxy.restore();
      for (const run of runs)
        await run.waitForErrorLine(
          /^caught up: 0 deliveries received and 1 handler outcome reached meanwhile$/,
        );
      for (const run of runs) expect(await run.interrupt()).toBe(0);
      expect(
        human
          .stdout()
          .split('\n')
          .filter((line) => line.trim() !== ''),
      ).toEqual([
        expect.stringMatching(
          new RegExp(
            `^\\d\\d:\\d\\d:\\d\\d {2}zeta {2}order_confirm {2}#${order} {2}→ legacy cancelled by an erasure: the event's personal data was erased on request, so its handler will not send it$`,
          ),
        ),
      ]);
      const outcomes = json
        .stdout()
        .split('\n')
        .filter((line) => line.trim() !== '')
        .map((line) => JSON.parse(line) as { type: string; status: string; statusCode: number | null });
      expect(outcomes.map(({ type, status, statusCode }) => ({ type, status, statusCode }))).toEqual([
        { type: 'outcome', status: 'cancelled', statusCode: null },
      ]);
    } catch (error) {
      throw new Error(
        `${(error as Error).message}\n${runs.map((run) => `stdout:\n${run.stdout()}\nstderr:\n${run.stderr()}`).join('\n')}`,
      );
    } finally {
      for (const run of runs) if (run.child.exitCode === null) await run.interrupt();
      await proxy.close();
    }
  });
});
