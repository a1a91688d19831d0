/**
 * `srhooks events tail` against a real receiver: it follows the receiver's live stream with the admin
 * token and prints listen's lines for what arrives after it started (a delivery, then its handler
 * outcome), filtered by --shop/--event, as JSON lines with --json, masked until --reveal. When the
 * receiver restarts it says so, reconnects and prints the delivery stored while it was away, once. A
 * refused token, a URL that is no receiver, a bad filter end it with the admin commands' errors;
 * Ctrl-C and a closed stdout end it cleanly.
 */
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { type CaptureServer, startCaptureServer } from '../../test-support/capture-server.js';
import {
  type RunningCli,
  runCli,
  seenOutput,
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

const config = tempConfigDir();
const SECRET = 'events-tail-url-secret-0123456789';
const ADMIN_TOKEN = 'events-tail-admin-token-0123456789';
/** What the crm target answers: a customer's name and e-mail address (never printed without --reveal). */
const REFUSAL = 'customer Kovács Éva <kovacs.eva@example.com> already exists';
/** Valid JSON whose total is a customer's name, address and phone: the decode error quotes it. */
const UNDECODABLE =
  '{"orders":{"order":[{"innerId":"9001","totalGross":"Bárány Zsófia, Rózsa utca 12, +36705551234"}]}}';
const PERSONAL = ['Kovács', 'kovacs.eva', 'already exists', 'Bárány', 'Rózsa', '36705551234'];

let target: CaptureServer;
let main: TestReceiver;
let seed = 0;

/** acme and beta are handled by erp (answers 200), gamma by crm (answers 400 quoting a customer). */
function receiverConfig(adminToken = ADMIN_TOKEN): TestReceiverConfig {
  return {
    secrets: [SECRET],
    adminToken,
    shops: [
      { name: 'acme', handlers: ['erp'] },
      { name: 'beta', handlers: ['erp'] },
      { name: 'gamma', handlers: ['crm'] },
    ],
    handlers: { erp: forwardTo(`${target.url}/erp`), crm: forwardTo(`${target.url}/crm`) },
  };
}

beforeAll(async () => {
  target = await startCaptureServer((request) =>
    request.url.startsWith('/crm') ? { status: 400, body: REFUSAL } : { status: 200, body: 'ok' },
  );
  main = await startTestReceiver(config.dir, receiverConfig());
});
afterAll(async () => {
  await main.receiver.close();
  await target.close();
  config.cleanup();
});

/** `srhooks events tail …args` against `receiver`, the token in SRHOOKS_ADMIN_TOKEN; resolves once it follows. */
async function tail(receiver: TestReceiver, ...args: string[]): Promise<RunningCli> {
  const run = startCli(config.dir, ['events', 'tail', ...args, '--receiver', receiver.url], {
    env: { SRHOOKS_ADMIN_TOKEN: ADMIN_TOKEN },
  });
  await run.waitForErrorLine(/^following the receiver at http:\/\/127\.0\.0\.1:\d+: waiting for deliveries/);
  return run;
}

/** Sends a sample delivery (`srhooks trigger`, a new seed each time); its id and order number as stored. */
async function send(
  receiver: TestReceiver,
  shop: string,
  event: 'order_confirm' | 'order_status_change' = 'order_confirm',
): Promise<{ deliveryId: string; order: string }> {
  seed += 1;
  const { deliveryId } = await sendDelivery(
    config.dir,
    receiver.deliveryUrl({ shop, event }),
    `tail-${seed}`,
    event,
  );
  const delivery = await receiver.receiver.store.getDelivery(deliveryId);
  const order = delivery?.events[0]?.orderNumber;
  if (!order) throw new Error(`delivery ${deliveryId} has no order number`);
  return { deliveryId, order };
}

/** Waits until every job of the delivery has finished (succeeded or dead). */
async function handled(receiver: TestReceiver, deliveryId: string): Promise<void> {
  await vi.waitFor(
    async () => {
      const delivery = await receiver.receiver.store.getDelivery(deliveryId);
      const states = delivery?.events.flatMap((event) => event.handlers.map((job) => job.status)) ?? [];
      if (states.length === 0 || states.some((state) => state !== 'succeeded' && state !== 'dead'))
        throw new Error(`the jobs of ${deliveryId} have not finished: ${states.join(', ')}`);
    },
    { timeout: 45_000, interval: 50 },
  );
}

function linesMatching(text: string, pattern: RegExp): string[] {
  return text.split('\n').filter((line) => pattern.test(line));
}

describe('srhooks events tail', () => {
  it('prints a delivery sent after it started, then its handler outcome; Ctrl-C stops it (exit 0) saying how many it showed', async () => {
    const before = await send(main, 'acme');
    await handled(main, before.deliveryId);
    const run = await tail(main);
    const { order } = await send(main, 'acme');
    await run.waitForLine(
      new RegExp(`^\\d\\d:\\d\\d:\\d\\d {2}acme {2}order_confirm {2}#${order} {2}\\d+ HUF {2}`),
    );
    await run.waitForLine(
      new RegExp(
        `^\\d\\d:\\d\\d:\\d\\d {2}acme {2}order_confirm {2}#${order} {2}→ erp succeeded {2}HTTP 200$`,
      ),
    );
    expect(await run.interrupt()).toBe(0);
    // what was there before it started is not news
    expect(run.stdout()).not.toContain(`#${before.order}`);
    expect(linesMatching(run.stdout(), new RegExp(`#${order}`))).toHaveLength(2);
    expect(run.stderr()).toContain(
      "personal data masked; --reveal shows decode errors' quoted values and handler error texts",
    );
    expect(run.stderr()).toMatch(/^stopped \(SIGINT\): 1 delivery shown$/m);
  });

  it('--shop and --event: only that shop and event, deliveries and outcomes', async () => {
    const run = await tail(main, '--shop', 'beta', '--event', 'order_status_change');
    const otherShop = await send(main, 'acme', 'order_status_change');
    const otherEvent = await send(main, 'beta', 'order_confirm');
    // their outcomes are in the stream before the delivery that is shown
    await handled(main, otherShop.deliveryId);
    await handled(main, otherEvent.deliveryId);
    const shown = await send(main, 'beta', 'order_status_change');
    await run.waitForLine(new RegExp(`beta {2}order_status_change {2}#${shown.order} {2}→ erp succeeded`));
    expect(await run.interrupt()).toBe(0);
    const lines = linesMatching(run.stdout(), /\S/);
    expect(lines).toHaveLength(2);
    expect(lines[0]).toMatch(new RegExp(`^\\S+ {2}beta {2}order_status_change {2}#${shown.order} `));
    expect(run.stderr()).toMatch(/^stopped \(SIGINT\): 1 delivery shown$/m);
  });

  it('--json prints one document per line: the delivery, then its outcome', async () => {
    const run = await tail(main, '--json');
    const { deliveryId, order } = await send(main, 'beta');
    await run.waitForLine(/"type":"outcome"/);
    expect(await run.interrupt()).toBe(0);
    const documents = linesMatching(run.stdout(), /\S/).map((line) => JSON.parse(line));
    expect(documents).toEqual([
      {
        type: 'delivery',
        time: expect.stringMatching(/^\d\d:\d\d:\d\d$/),
        deliveryId,
        shop: 'beta',
        event: 'order_confirm',
        status: 'stored',
        events: [
          {
            id: expect.stringMatching(/^evt_/),
            orderNumber: order,
            subjectId: order,
            total: expect.any(String),
            currency: 'HUF',
            status: expect.any(String),
            duplicate: false,
          },
        ],
      },
      {
        type: 'outcome',
        time: expect.stringMatching(/^\d\d:\d\d:\d\d$/),
        eventId: documents[0]?.events[0]?.id,
        shop: 'beta',
        event: 'order_confirm',
        orderNumber: order,
        handler: 'erp',
        status: 'succeeded',
        statusCode: 200,
        error: null,
        errorSummary: null,
      },
    ]);
  });

  it("masks a decode error's quoted values and a handler's error text until --reveal, on stdout and stderr", async () => {
    const masked = await tail(main);
    const maskedJson = await tail(main, '--json');
    const revealed = await tail(main, '--reveal');
    const broken = await fetch(main.deliveryUrl({ shop: 'gamma', event: 'order_confirm' }), {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: UNDECODABLE,
    });
    expect(broken.status).toBe(400);
    const { order } = await send(main, 'gamma');
    for (const run of [masked, maskedJson, revealed]) await run.waitForLine(/crm.*dead/);
    for (const run of [masked, maskedJson, revealed]) expect(await run.interrupt()).toBe(0);

    for (const run of [masked, maskedJson])
      for (const text of PERSONAL) {
        expect(run.stdout()).not.toContain(text);
        expect(run.stderr()).not.toContain(text);
      }
    expect(masked.stdout()).toMatch(
      /^\S+ {2}gamma {2}order_confirm {2}quarantined {2}\S+: .*\(got \[hidden\]\)\.$/m,
    );
    expect(masked.stdout()).toMatch(
      new RegExp(
        `^\\S+ {2}gamma {2}order_confirm {2}#${order} {2}→ crm dead {2}HTTP 400 127\\.0\\.0\\.1:\\d+ answered 400; not retried \\(client error\\); the full error hidden \\(\\d+ characters; pass --reveal to read it\\)$`,
        'm',
      ),
    );
    const [delivery, outcome] = linesMatching(maskedJson.stdout(), /"shop":"gamma"/)
      .map((line) => JSON.parse(line))
      .filter((document) => document.status === 'quarantined' || document.type === 'outcome');
    expect(delivery).toMatchObject({ type: 'delivery', error: expect.stringContaining('(got [hidden])') });
    expect(outcome).toMatchObject({
      handler: 'crm',
      status: 'dead',
      statusCode: 400,
      errorSummary: `${new URL(target.url).host} answered 400; not retried (client error)`,
      error: expect.stringMatching(/the full error hidden \(\d+ characters; pass --reveal to read it\)$/),
    });

    expect(revealed.stderr()).toContain('personal data shown unmasked (--reveal)');
    expect(revealed.stdout()).toMatch(
      /quarantined {2}.*\(got "Bárány Zsófia, Rózsa utca 12, \+36705551234"\)\.$/m,
    );
    expect(revealed.stdout()).toMatch(new RegExp(`#${order} {2}→ crm dead {2}HTTP 400 .*${REFUSAL}`));
    expect(seenOutput.join('')).not.toContain(ADMIN_TOKEN);
  });

  it('a wrong token, a URL that is no receiver, a bad --event or --shop end it with the admin commands’ errors', async () => {
    const refused = await runCli(config.dir, [
      'events',
      'tail',
      '--receiver',
      main.url,
      '--admin-token',
      'events-tail-wrong-token-0123456789',
    ]);
    expect(refused.code).toBe(3);
    expect(refused.stderr).toContain(
      `error: the receiver at ${main.url} refused the admin token given with --admin-token`,
    );
    expect(refused.stderr).not.toContain('reconnect');

    const foreign = await runCli(config.dir, ['events', 'tail', '--receiver', target.url], {
      env: { SRHOOKS_ADMIN_TOKEN: ADMIN_TOKEN },
    });
    expect(foreign.code).toBe(3);
    expect(foreign.stderr).toContain(`error: ${target.url} is not an srhooks receiver`);

    const event = await runCli(
      config.dir,
      ['events', 'tail', '--receiver', main.url, '--event', 'order_confrim'],
      {
        env: { SRHOOKS_ADMIN_TOKEN: ADMIN_TOKEN },
      },
    );
    expect(event.code).toBe(2);
    expect(event.stderr).toContain('unknown event "order_confrim" (did you mean order_confirm?)');

    const shop = await runCli(
      config.dir,
      ['events', 'tail', '--receiver', main.url, '--shop', 'Not_A_Shop'],
      {
        env: { SRHOOKS_ADMIN_TOKEN: ADMIN_TOKEN },
      },
    );
    expect(shop.code).toBe(2);
    expect(shop.stderr).toContain('error: invalid shop name "Not_A_Shop"');
  });

  it('a closed stdout (| head) ends it quietly, exit 0', async () => {
    const run = await tail(main);
    run.child.stdout?.destroy();
    await send(main, 'acme');
    await expect.poll(() => run.child.exitCode).toBe(0);
    expect(run.stderr()).not.toMatch(/EPIPE|Error/);
    expect(run.stderr()).toMatch(/^stopped \(SIGINT\)/m);
  });
});

describe('srhooks events tail: the receiver restarts', () => {
  it('says so, reconnects, and prints the delivery stored while it was away once, before the next', async () => {
    const restart = tempConfigDir();
    const port = await freePort();
    const first = await startTestReceiver(restart.dir, { ...receiverConfig(), port });
    let last: TestReceiver | undefined;
    try {
      const run = await tail(first);
      const one = await send(first, 'acme');
      await run.waitForLine(new RegExp(`#${one.order} {2}→ erp succeeded`));

      await first.receiver.close();
      await run.waitForErrorLine(
        /^warning: lost the live stream of the receiver at http:\/\/127\.0\.0\.1:\d+ \(the receiver ended the stream: it stopped or is restarting\); reconnecting in 1 s$/,
      );
      // stored while tail is away: by another receiver on the same SQLite file, on another port
      const meanwhile = await startTestReceiver(restart.dir, receiverConfig());
      const two = await send(meanwhile, 'acme');
      await handled(meanwhile, two.deliveryId);
      await meanwhile.receiver.close();

      last = await startTestReceiver(restart.dir, { ...receiverConfig(), port });
      await run.waitForErrorLine(/^reconnected to the receiver at http:\/\/127\.0\.0\.1:\d+; catching up/);
      await run.waitForErrorLine(/^caught up: 1 delivery received and 1 handler outcome reached meanwhile$/);
      await run.waitForLine(new RegExp(`acme {2}order_confirm {2}#${two.order} {2}\\d+ HUF {2}`));
      // its outcome, reached while tail was away, after it
      await run.waitForLine(new RegExp(`#${two.order} {2}→ erp succeeded`));
      const three = await send(last, 'acme');
      await run.waitForLine(new RegExp(`#${three.order} {2}→ erp succeeded`));
      expect(await run.interrupt()).toBe(0);

      const deliveries = linesMatching(run.stdout(), /order_confirm {2}#\d+ {2}\d+ HUF/);
      expect(deliveries.map((line) => /#(\d+)/.exec(line)?.[1])).toEqual([one.order, two.order, three.order]);
      expect(run.stderr()).toMatch(/^stopped \(SIGINT\): 3 deliveries shown$/m);
    } finally {
      await last?.receiver.close();
      restart.cleanup();
    }
  });

  it('prints the outcome of a job that was retrying when the stream was lost and succeeded while it was away', async () => {
    const restart = tempConfigDir();
    const port = await freePort();
    // delta's handler first forwards to a port nothing listens on (retried after 1 s), then, with the
    // receiver that runs while tail is away, to the target
    const flaky = (url: string) => ({ ...forwardTo(url), retry: { delays: ['1s'] } });
    const withFlaky = (url: string, at?: number): TestReceiverConfig => {
      const base = receiverConfig();
      return {
        ...base,
        ...(at === undefined ? {} : { port: at }),
        shops: [...(base.shops ?? []), { name: 'delta', handlers: ['flaky'] }],
        handlers: { ...base.handlers, flaky: flaky(url) },
      };
    };
    const first = await startTestReceiver(
      restart.dir,
      withFlaky(`http://127.0.0.1:${await freePort()}/flaky`, port),
    );
    let last: TestReceiver | undefined;
    try {
      const run = await tail(first);
      const sent = await send(first, 'delta');
      await run.waitForLine(new RegExp(`#${sent.order} {2}→ flaky retrying`));
      await first.receiver.close();
      await run.waitForErrorLine(/^warning: lost the live stream of the receiver/);

      const meanwhile = await startTestReceiver(restart.dir, withFlaky(`${target.url}/erp`));
      await handled(meanwhile, sent.deliveryId);
      await meanwhile.receiver.close();

      last = await startTestReceiver(restart.dir, withFlaky(`${target.url}/erp`, port));
      await run.waitForErrorLine(
        /^caught up: 0 deliveries received and 1 handler outcome reached meanwhile$/,
      );
      await run.waitForLine(new RegExp(`#${sent.order} {2}→ flaky succeeded`));
      expect(await run.interrupt()).toBe(0);
      expect(linesMatching(run.stdout(), new RegExp(`#${sent.order} {2}→ flaky`)).length).toBe(2);
    } finally {
      await last?.receiver.close();
      restart.cleanup();
    }
  });

  it('a receiver that comes back with another admin token ends it with the refused-token error (exit 3), no retry loop', async () => {
    const restart = tempConfigDir();
    const port = await freePort();
    const first = await startTestReceiver(restart.dir, { ...receiverConfig(), port });
    let other: TestReceiver | undefined;
    try {
      const run = await tail(first);
      await first.receiver.close();
      await run.waitForErrorLine(/^warning: lost the live stream/);
      other = await startTestReceiver(restart.dir, {
        ...receiverConfig('events-tail-other-token-0123456789'),
        port,
      });
      await expect.poll(() => run.child.exitCode).toBe(3);
      expect(run.stderr()).toContain(
        `error: the receiver at ${first.url} refused the admin token in SRHOOKS_ADMIN_TOKEN`,
      );
    } finally {
      await other?.receiver.close();
      restart.cleanup();
    }
  });
});
