/**
 * `srhooks events tail` catching up after its connection to the receiver was cut (a TCP proxy this test
 * owns stands between them; the receiver keeps running) prints every change made while it was away,
 * not only the deliveries received since the last one it printed: a delivery quarantined before tail
 * started and re-processed meanwhile (`deliveries reprocess`: its line as `reprocessed`, with its events,
 * then their outcomes), and the outcome of an event received before tail started whose job ran again
 * meanwhile (`events replay`). Each once, in the order they happened, and nothing from before it started.
 */
import { writeFileSync } from 'node:fs';
import { createServer, type Server, Socket } from 'node:net';
import { join } from 'node:path';
import { sampleOrder } from '@srhooks/contracts';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { type CaptureServer, startCaptureServer } from '../../test-support/capture-server.js';
import { adminCli, type RunningCli, runCli, startCli, tempConfigDir } from '../../test-support/run-cli.js';
import { forwardTo, startTestReceiver, type TestReceiver } from '../../test-support/test-receiver.js';

const config = tempConfigDir();
const SECRET = 'events-tail-changes-url-secret-0123456789';
const ADMIN_TOKEN = 'events-tail-changes-admin-token-0123456789';

let target: CaptureServer;
let main: TestReceiver;
const { admin } = adminCli(config.dir, () => main.url, ADMIN_TOKEN);

/** A TCP proxy to the receiver that the test can cut (every connection dropped, new ones refused) and restore. */
interface CuttableProxy {
  url: string;
  cut(): void;
  restore(): void;
  close(): Promise<void>;
}

async function startProxy(to: URL): Promise<CuttableProxy> {
  const sockets = new Set<Socket>();
  let open = true;
  const server: Server = createServer((incoming) => {
    if (!open) {
      incoming.destroy();
      return;
    }
    const outgoing = new Socket();
    sockets.add(incoming);
    sockets.add(outgoing);
    const drop = () => {
      incoming.destroy();
      outgoing.destroy();
      sockets.delete(incoming);
      sockets.delete(outgoing);
    };
    incoming.on('error', drop).on('close', drop);
    outgoing.on('error', drop).on('close', drop);
    outgoing.connect(Number(to.port), to.hostname, () => {
      incoming.pipe(outgoing);
      outgoing.pipe(incoming);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  return {
    url: `http://127.0.0.1:${port}`,
    cut() {
      open = false;
      for (const socket of sockets) socket.destroy();
      sockets.clear();
    },
    restore() {
      open = true;
    },
    close: () =>
      new Promise((resolve) => {
        for (const socket of sockets) socket.destroy();
        server.close(() => resolve());
      }),
  };
}

beforeAll(async () => {
  target = await startCaptureServer(() => ({ status: 200, body: 'ok' }));
  main = await startTestReceiver(config.dir, {
    secrets: [SECRET],
    adminToken: ADMIN_TOKEN,
    // one sample order is under it, four in one delivery are not: quarantined too_large
    bodyLimit: 8192,
    shops: [{ name: 'acme', handlers: ['erp'] }],
    handlers: { erp: forwardTo(`${target.url}/erp`) },
  });
});
afterAll(async () => {
  await main.receiver.close();
  await target.close();
  config.cleanup();
});

/** `srhooks trigger order_confirm` to the receiver (`--data` a file, else a sample); the answer's delivery id. */
async function send(seed: string, data?: string): Promise<string> {
  const sent = await runCli(config.dir, [
    'trigger',
    'order_confirm',
    '--to',
    main.deliveryUrl({ shop: 'acme', event: 'order_confirm' }),
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
      run = startCli(config.dir, ['events', 'tail', '--receiver', proxy.url], {
        env: { SRHOOKS_ADMIN_TOKEN: ADMIN_TOKEN },
      });
      await run.waitForErrorLine(
        /^following the receiver at http:\/\/127\.0\.0\.1:\d+: waiting for deliveries/,
      );

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
      await run.waitForErrorLine(/^reconnected to the receiver at /);
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
});
