/**
 * `srhooks events tail` catching up after a reconnect says of a handler outcome reached while it was away
 * what it says live, where the job's status alone does not say it (the live stream's change `cause`): a
 * job that an erasure cancelled is `cancelled by an erasure` (not `dead HTTP 410`, its earlier attempt's
 * code), and a job whose attempt disabled its handler (the target answered 410 Gone) is `disabled` (not
 * left out, nor `retrying`). Each receiver here runs on the same SQLite file; tail follows the first and
 * the last on one port while one in between does the work.
 */
import { describe, expect, it } from 'vitest';
import { type CaptureServer, startCaptureServer } from '../../test-support/capture-server.js';
import {
  adminCli,
  type RunningCli,
  sendDelivery,
  startCli,
  tempConfigDir,
} from '../../test-support/run-cli.js';
import {
  forwardTo,
  freePort,
  startTestReceiver,
  type TestReceiver,
  type TestReceiverConfig,
} from '../../test-support/test-receiver.js';

const SECRET = 'events-tail-causes-url-secret-0123456789';
const ADMIN_TOKEN = 'events-tail-causes-admin-token-0123456789';

function receiverConfig(target: CaptureServer, port?: number): TestReceiverConfig {
  return {
    secrets: [SECRET],
    adminToken: ADMIN_TOKEN,
    ...(port === undefined ? {} : { port }),
    shops: [{ name: 'acme', handlers: ['erp'] }],
    handlers: { erp: forwardTo(`${target.url}/erp`) },
  };
}

async function tail(dir: string, receiver: TestReceiver, ...args: string[]): Promise<RunningCli> {
  const run = startCli(dir, ['events', 'tail', ...args, '--receiver', receiver.url], {
    env: { SRHOOKS_ADMIN_TOKEN: ADMIN_TOKEN },
  });
  await run.waitForErrorLine(/^following the receiver at http:\/\/127\.0\.0\.1:\d+: waiting for deliveries/);
  return run;
}

async function send(dir: string, receiver: TestReceiver, seed: string): Promise<{ order: string }> {
  const { deliveryId } = await sendDelivery(
    dir,
    receiver.deliveryUrl({ shop: 'acme', event: 'order_confirm' }),
    seed,
  );
  const order = (await receiver.receiver.store.getDelivery(deliveryId))?.events[0]?.orderNumber;
  if (!order) throw new Error(`delivery ${deliveryId} has no order number`);
  return { order };
}

/** Waits until the receiver's store says the handler is disabled. */
async function disabled(receiver: TestReceiver, handler: string): Promise<void> {
  await expect
    .poll(
      async () =>
        (await receiver.receiver.store.listHandlerStates()).find((state) => state.handler === handler)
          ?.disabled,
      { timeout: 30_000, interval: 50 },
    )
    .toBe(true);
}

const GONE = { status: 410, body: 'endpoint removed' };

describe('srhooks events tail: the outcomes caught up after a reconnect', () => {
  it('a waiting job cancelled by an erasure while tail was away is "cancelled by an erasure", not dead HTTP 410', async () => {
    const config = tempConfigDir();
    const target = await startCaptureServer(() => GONE);
    const port = await freePort();
    const first = await startTestReceiver(config.dir, receiverConfig(target, port));
    let last: TestReceiver | undefined;
    try {
      const human = await tail(config.dir, first);
      const json = await tail(config.dir, first, '--json');
      const { order } = await send(config.dir, first, 'tail-causes-erased');
      await human.waitForLine(new RegExp(`#${order} {2}→ erp disabled \\(HTTP 410\\)`));
      await json.waitForLine(/"status":"disabled"/);
      await first.receiver.close();
      await human.waitForErrorLine(/^warning: lost the live stream/);

      const meanwhile = await startTestReceiver(config.dir, receiverConfig(target));
      const { admin } = adminCli(config.dir, () => meanwhile.url, ADMIN_TOKEN);
      const erased = await admin(
        'erase',
        '--shop',
        'acme',
        '--order-id',
        order,
        '--reason',
        'GDPR-QA-500',
        '--include-unfinished',
      );
      expect(erased.code, erased.stderr).toBe(0);
      await meanwhile.receiver.close();

      last = await startTestReceiver(config.dir, receiverConfig(target, port));
      await human.waitForErrorLine(
        /^caught up: 0 deliveries received and 1 handler outcome reached meanwhile$/,
      );
      await json.waitForErrorLine(/^caught up: /);
      expect(await human.interrupt()).toBe(0);
      expect(await json.interrupt()).toBe(0);
      expect(human.stdout()).toMatch(
        new RegExp(
          `#${order} {2}→ erp cancelled by an erasure: the event's personal data was erased on request, so its handler will not send it$`,
          'm',
        ),
      );
      expect(human.stdout()).not.toMatch(/→ erp (dead|retrying)/);
      const outcomes = json
        .stdout()
        .split('\n')
        .filter((line) => line.includes('"type":"outcome"'))
        .map((line) => JSON.parse(line) as { status: string; statusCode: number | null });
      expect(outcomes.map(({ status, statusCode }) => ({ status, statusCode }))).toEqual([
        { status: 'disabled', statusCode: 410 },
        { status: 'cancelled', statusCode: null },
      ]);
    } finally {
      await last?.receiver.close();
      await target.close();
      config.cleanup();
    }
  });

  it('a delivery stored while tail was away whose attempt disabled its handler (410 Gone) is caught up with its "disabled" outcome', async () => {
    const config = tempConfigDir();
    const target = await startCaptureServer(() => GONE);
    const port = await freePort();
    const first = await startTestReceiver(config.dir, receiverConfig(target, port));
    let last: TestReceiver | undefined;
    try {
      const human = await tail(config.dir, first);
      await first.receiver.close();
      await human.waitForErrorLine(/^warning: lost the live stream/);

      const meanwhile = await startTestReceiver(config.dir, receiverConfig(target));
      const { order } = await send(config.dir, meanwhile, 'tail-causes-disabled');
      await disabled(meanwhile, 'erp');
      await meanwhile.receiver.close();

      last = await startTestReceiver(config.dir, receiverConfig(target, port));
      await human.waitForErrorLine(
        /^caught up: 1 delivery received and 1 handler outcome reached meanwhile$/,
      );
      expect(await human.interrupt()).toBe(0);
      const lines = human.stdout().split('\n');
      expect(lines.filter((line) => line.includes(`#${order} `))).toEqual([
        expect.stringMatching(new RegExp(`acme {2}order_confirm {2}#${order} {2}\\d+ HUF`)),
        expect.stringMatching(
          new RegExp(
            `#${order} {2}→ erp disabled \\(HTTP 410\\): its jobs wait until it is enabled \\(srhooks handlers enable erp\\)$`,
          ),
        ),
      ]);
    } finally {
      await last?.receiver.close();
      await target.close();
      config.cleanup();
    }
  });
});
