/**
 * The demo has no `--reveal`: a handler's error text (here a module handler's message quoting the
 * customer) is hidden in its table and `--json` rows, in a timeout error and in its live lines.
 * Real sandbox, the demo's real receiver (SQLite in a tmp dir), a real module handler file in the
 * review-request handler's place that throws.
 */
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { signDeliveryUrl } from '@srhooks/contracts';
import { DEMO_CLIENT, startSandbox } from '@srhooks/sandbox';
import { expect, it } from 'vitest';
import { watchDeliveries } from '../../live/delivery-feed.js';
import { Output } from '../../output/index.js';
import { DEMO_HOW_TO_REVEAL, toArrivedEvent } from './arrived-event.js';
import { REVIEW_REQUEST_HANDLER, startDemoReceiver } from './demo-services.js';
import { createDemoWorkspace } from './demo-workspace.js';
import { renderArrivals } from './render-demo.js';
import { waitForArrivals } from './wait-for-arrivals.js';

class Capture extends Writable {
  text = '';
  override _write(chunk: Buffer, _encoding: BufferEncoding, done: () => void): void {
    this.text += chunk.toString('utf8');
    done();
  }
}

const URL_SECRET = 'a-test-secret-of-enough-length-0123';
/** What the module handler throws: an address besides the order's customer name. */
const ADDRESS = 'Petőfi utca 7.';
const HIDDEN = /error hidden \(\d+ characters; the inspector's Show personal data to read it\)/;

it("hides a handler's error text quoting the customer in the table, --json rows, timeout error and live lines", async () => {
  const workspace = await createDemoWorkspace();
  const modulePath = join(workspace.dir, 'failing-handlers.mjs');
  await writeFile(
    modulePath,
    `export default { order_confirm: async (event) => { throw new Error(\`no ERP partner for \${event.order.firstname} \${event.order.lastname} (${ADDRESS})\`); } };\n`,
  );
  const sandbox = await startSandbox({ rateLimit: false });
  const receiver = await startDemoReceiver({
    port: 0,
    shop: 'demo',
    workspace,
    urlSecret: URL_SECRET,
    adminToken: 'an-admin-token-for-tests',
    reviewRequestModule: modulePath,
    debug: false,
  });
  const live = new Capture();
  const output = new Output({ json: true, env: { NO_COLOR: '1' }, stdout: live, stderr: new Capture() });
  const feed = watchDeliveries(receiver.app.store, output, { howToReveal: DEMO_HOW_TO_REVEAL });
  try {
    const { createShopRenterClient } = await import('@srhooks/client');
    const client = createShopRenterClient({
      shop: 'demo',
      auth: { clientId: DEMO_CLIENT.clientId, clientSecret: DEMO_CLIENT.clientSecret },
      apiUrl: sandbox.apiUrlTemplate,
      tokenUrl: sandbox.tokenUrlTemplate,
      rateLimit: false,
    });
    await client.webhooks.create({
      event: 'order_confirm',
      url: signDeliveryUrl(receiver.url, { shop: 'demo', event: 'order_confirm' }, URL_SECRET),
    });
    const { order, deliveries } = await sandbox.simulator.placeOrder('demo');
    const expected = {
      event: 'order_confirm' as const,
      subjectId: String(order.innerId),
      subject: `#${order.innerId}`,
      description: '',
      deliveryIds: deliveries.map((delivery) => delivery.id),
    };

    // the module handler failed (its retry is minutes away): the job holds the message as its last error
    let eventId = '';
    await expect
      .poll(
        async () => {
          const page = await receiver.app.store.listEvents({ shop: 'demo', limit: 10 });
          eventId = page.items[0]?.id ?? '';
          const event = eventId ? await receiver.app.store.getEvent(eventId) : null;
          return event?.jobs.find((job) => job.handler === REVIEW_REQUEST_HANDLER)?.lastError ?? null;
        },
        { timeout: 15_000 },
      )
      .toContain(ADDRESS);
    const event = await receiver.app.store.getEvent(eventId);
    if (!event?.customerName) throw new Error('the order was stored without its customer');
    const personal = [ADDRESS, 'no ERP partner', order.firstname, order.lastname, event.customerName];

    const row = toArrivedEvent({ expected, event });
    const job = row.handlers.find((entry) => entry.handler === REVIEW_REQUEST_HANDLER);
    expect(job?.error).toMatch(HIDDEN);
    const table = renderArrivals([row], output.style);
    expect(table).toMatch(HIDDEN);
    for (const text of personal) {
      expect(JSON.stringify(row)).not.toContain(text);
      expect(table).not.toContain(text);
    }

    const timedOut = await waitForArrivals({
      store: receiver.app.store,
      simulator: sandbox.simulator,
      shop: 'demo',
      expected: [expected],
      timeoutMs: 300,
    }).catch((error: Error) => error);
    expect(timedOut).toMatchObject({ code: 'demo_timeout', message: expect.stringMatching(HIDDEN) });
    for (const text of personal) expect((timedOut as Error).message).not.toContain(text);

    await expect.poll(() => live.text).toMatch(/"type":"outcome"/);
    expect(live.text).toMatch(HIDDEN);
    for (const text of personal) expect(live.text).not.toContain(text);
  } finally {
    await feed.stop();
    await sandbox.close();
    await receiver.close();
    await workspace.remove();
  }
});
