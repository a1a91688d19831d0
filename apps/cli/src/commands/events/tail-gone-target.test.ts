/**
 * `srhooks events tail` while a forward handler's target answers 410 Gone: the receiver disables the
 * handler and the job waits for it. tail prints that outcome when the attempt happens (human:
 * `→ erp disabled (HTTP 410): …`; `--json`: status `disabled`), and when an erasure later cancels the
 * waiting job it prints the job cancelled by the erasure (`--json`: status `cancelled`, no status code),
 * never `dead HTTP 410`. The target's answer quotes a customer: masked until --reveal.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type CaptureServer, startCaptureServer } from '../../test-support/capture-server.js';
import {
  adminCli,
  type RunningCli,
  sendDelivery,
  startCli,
  tempConfigDir,
} from '../../test-support/run-cli.js';
import { forwardTo, startTestReceiver, type TestReceiver } from '../../test-support/test-receiver.js';

const config = tempConfigDir();
const SECRET = 'events-tail-gone-url-secret-0123456789';
const ADMIN_TOKEN = 'events-tail-gone-admin-token-0123456789';
/** What the gone target answers: a customer's name and e-mail address (never printed without --reveal). */
const GONE_ANSWER = 'endpoint removed; last customer Kovács Éva <kovacs.eva@example.com>';
const PERSONAL = ['Kovács', 'kovacs.eva', 'endpoint removed'];

let target: CaptureServer;
let main: TestReceiver;
const { admin } = adminCli(config.dir, () => main.url, ADMIN_TOKEN);

beforeAll(async () => {
  target = await startCaptureServer(() => ({ status: 410, body: GONE_ANSWER }));
  main = await startTestReceiver(config.dir, {
    secrets: [SECRET],
    adminToken: ADMIN_TOKEN,
    shops: [{ name: 'acme', handlers: ['erp'] }],
    handlers: { erp: forwardTo(`${target.url}/erp`) },
  });
});
afterAll(async () => {
  await main.receiver.close();
  await target.close();
  config.cleanup();
});

/** `srhooks events tail …args` against the receiver; resolves once it follows. */
async function tail(...args: string[]): Promise<RunningCli> {
  const run = startCli(config.dir, ['events', 'tail', ...args, '--receiver', main.url], {
    env: { SRHOOKS_ADMIN_TOKEN: ADMIN_TOKEN },
  });
  await run.waitForErrorLine(/^following the receiver at http:\/\/127\.0\.0\.1:\d+: waiting for deliveries/);
  return run;
}

describe('srhooks events tail: a forward target answers 410 Gone', () => {
  it('prints the handler disabled when the attempt happens, then the waiting job cancelled by an erasure (human and --json)', async () => {
    const human = await tail();
    const json = await tail('--json');
    // sendDelivery throws with the trigger's stderr unless it exits 0
    const { deliveryId } = await sendDelivery(
      config.dir,
      main.deliveryUrl({ shop: 'acme', event: 'order_confirm' }),
      'tail-gone-1',
    );
    const event = (await main.receiver.store.getDelivery(deliveryId))?.events[0];
    const order = event?.orderNumber ?? '';
    expect(order).not.toBe('');
    const head = `^\\d\\d:\\d\\d:\\d\\d {2}acme {2}order_confirm {2}#${order} {2}`;

    await human.waitForLine(
      new RegExp(
        `${head}→ erp disabled \\(HTTP 410\\): its jobs wait until it is enabled \\(srhooks handlers enable erp\\)$`,
      ),
    );
    await json.waitForLine(/"status":"disabled"/);

    const erased = await admin(
      'erase',
      '--shop',
      'acme',
      '--order-id',
      order,
      '--reason',
      'GDPR-QA-410',
      '--include-unfinished',
    );
    expect(erased.code, erased.stderr).toBe(0);
    await human.waitForLine(
      new RegExp(
        `${head}→ erp cancelled by an erasure: the event's personal data was erased on request, so its handler will not send it$`,
      ),
    );
    await json.waitForLine(/"status":"cancelled"/);
    expect(await human.interrupt()).toBe(0);
    expect(await json.interrupt()).toBe(0);

    expect(human.stdout()).not.toMatch(/→ erp (dead|retrying)/);
    const outcomes = json
      .stdout()
      .split('\n')
      .filter((line) => line.includes('"type":"outcome"'))
      .map((line) => JSON.parse(line));
    const common = {
      type: 'outcome',
      time: expect.stringMatching(/^\d\d:\d\d:\d\d$/),
      eventId: event?.id,
      shop: 'acme',
      event: 'order_confirm',
      orderNumber: order,
      handler: 'erp',
    };
    expect(outcomes).toEqual([
      {
        ...common,
        status: 'disabled',
        statusCode: 410,
        error: expect.stringMatching(/the full error hidden \(\d+ characters; pass --reveal to read it\)$/),
        errorSummary: `127.0.0.1:${new URL(target.url).port} answered 410 (gone): handler "erp" disabled`,
      },
      {
        ...common,
        status: 'cancelled',
        statusCode: null,
        error: null,
        errorSummary: expect.stringMatching(/personal data was erased/),
      },
    ]);
    for (const run of [human, json]) {
      for (const text of PERSONAL) {
        expect(run.stdout()).not.toContain(text);
        expect(run.stderr()).not.toContain(text);
      }
    }
  });

  it('does not print an erased delivery as an arrival (the erasure is announced as a delivery change)', async () => {
    const send = async (seed: string) => {
      // sendDelivery throws with the trigger's stderr unless it exits 0
      const { deliveryId } = await sendDelivery(
        config.dir,
        main.deliveryUrl({ shop: 'acme', event: 'order_confirm' }),
        seed,
      );
      return (await main.receiver.store.getDelivery(deliveryId))?.events[0]?.orderNumber ?? '';
    };
    // Two deliveries before tail starts: the newest is taken as seen, the older one is not news either.
    const older = await send('tail-gone-older');
    await send('tail-gone-newer');
    const human = await tail();
    const erased = await admin(
      'erase',
      '--shop',
      'acme',
      '--order-id',
      older,
      '--reason',
      'GDPR-QA-411',
      '--include-unfinished',
    );
    expect(erased.code, erased.stderr).toBe(0);
    // tail works through the changes in order: once a later arrival is printed, the erasure's were handled.
    const later = await send('tail-gone-later');
    await human.waitForLine(new RegExp(`acme {2}order_confirm {2}#${later} `));
    expect(await human.interrupt()).toBe(0);
    const lines = human.stdout().split('\n');
    expect(lines.filter((line) => line.includes(`#${older} `) && !line.includes('→'))).toEqual([]);
  });
});
