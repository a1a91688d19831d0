/**
 * examples/review-request end to end: the sandbox shop places an order and delivers it (real wire format)
 * to a real receiver (buildReceiver, SQLite), which verifies it against the shop's API and runs the
 * example module handler, which writes the review-request e-mail to the outbox.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { createShopRenterClient } from '@srhooks/client';
import { sampleOrder } from '@srhooks/contracts';
import { DEMO_CLIENT, type RunningSandbox, startSandbox } from '@srhooks/sandbox';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ShopConfigSchema } from '../config/config-schema.js';
import type { ClaimedJob } from '../store/store.js';
import { startTestReceiver, type TestReceiver } from '../test-support/test-receiver.js';
import { createModuleHandler } from './handlers/module.js';
import { ShopClients } from './shop-clients.js';
import { silentLogger, tempDir } from './test-support/processing-fixtures.js';
import { waitFor } from './test-support/wait-for.js';

const examplePath = fileURLToPath(new URL('../../examples/review-request/handlers.mjs', import.meta.url));
const tmp = tempDir('review-request');
const outbox = join(tmp.dir, 'outbox', 'review-requests.mbox');
const previousOutbox = process.env.REVIEW_REQUEST_OUTBOX;

let sandbox: RunningSandbox;
let receiver: TestReceiver;

beforeAll(async () => {
  process.env.REVIEW_REQUEST_OUTBOX = outbox;
  sandbox = await startSandbox();
  receiver = await startTestReceiver(
    {
      handlers: { 'review-request': { type: 'module', path: examplePath } },
      shops: [
        {
          name: 'demo',
          handlers: ['review-request'],
          clientId: DEMO_CLIENT.clientId,
          clientSecret: DEMO_CLIENT.clientSecret,
          apiUrl: sandbox.apiUrlTemplate,
          tokenUrl: sandbox.tokenUrlTemplate,
          verify: true,
        },
      ],
    },
    // The test receiver starts without the job worker; this test is about the worker running the handler.
    { processing: {} },
  );
});

afterAll(async () => {
  await receiver?.close();
  await sandbox?.close();
  if (previousOutbox === undefined) delete process.env.REVIEW_REQUEST_OUTBOX;
  else process.env.REVIEW_REQUEST_OUTBOX = previousOutbox;
  tmp.cleanup();
});

function outboxText(): string {
  try {
    return readFileSync(outbox, 'utf8');
  } catch {
    return '';
  }
}

describe('examples/review-request', () => {
  it('writes the review request of a confirmed sandbox order to the outbox', async () => {
    const client = createShopRenterClient({
      shop: 'demo',
      auth: { clientId: DEMO_CLIENT.clientId, clientSecret: DEMO_CLIENT.clientSecret },
      apiUrl: sandbox.apiUrlTemplate,
      tokenUrl: sandbox.tokenUrlTemplate,
    });
    await client.webhooks.create({
      event: 'order_confirm',
      url: `${receiver.baseUrl}${receiver.path('demo', 'order_confirm')}`,
      label: 'srhooks review requests',
    });

    const { order } = await sandbox.simulator.placeOrder('demo', { seed: 'review-request-e2e' });
    await sandbox.simulator.waitForIdle();
    expect(sandbox.simulator.deliveries('demo').map((delivery) => delivery.status)).toEqual([200]);

    const text = await waitFor(
      () => (outboxText().includes(`X-Srhooks-Order: ${order.innerId}`) ? outboxText() : null),
      'the e-mail',
    );
    const products = order.orderProducts?.orderProduct ?? [];
    expect(products.length).toBeGreaterThan(0);
    expect(text.startsWith('From srhooks ')).toBe(true);
    expect(text).toContain(`To: ${order.lastname} ${order.firstname} <${order.email}>`);
    expect(text).toContain(`Subject: Hogy tetszik, amit vásárolt? (${order.innerId}. számú rendelés)`);
    expect(text).toContain(`Kedves ${order.lastname} ${order.firstname}!`);
    for (const product of products) {
      expect(text).toContain(`  • ${product.name} – ${product.quantity} db\n`);
    }

    const events = await receiver.app.store.listEvents({ shop: 'demo' });
    expect(events.items).toHaveLength(1);
    // The handler writes the e-mail first; the job's success is committed right after it returns.
    const event = await waitFor(async () => {
      const current = await receiver.app.store.getEvent(events.items[0]!.id);
      return current?.status === 'succeeded' ? current : null;
    }, 'the job to be recorded as succeeded');
    expect(event).toMatchObject({ status: 'succeeded', verification: 'verified' });
    expect(text).toContain(`Message-ID: <${event?.jobs[0]?.id}@srhooks>`);
  });

  it('writes each message once even when the job runs again (at-least-once)', async () => {
    const shops = [ShopConfigSchema.parse({ name: 'demo' })];
    const run = createModuleHandler({
      name: 'review-request',
      path: examplePath,
      logger: silentLogger,
      clients: new ShopClients(shops),
    });
    const order = { ...sampleOrder('again'), innerId: '424242' };
    const job: ClaimedJob = {
      id: 'job_again_1',
      handler: 'review-request',
      attempt: 1,
      failures: 0,
      leaseExpiresAt: new Date(),
      eventId: 'evt_again_1',
      deliveryId: 'dlv_again_1',
      shop: 'demo',
      event: 'order_confirm',
      receivedAt: new Date(),
      dedupeKey: 'order:424242',
      subjectId: '424242',
      payload: order,
      verification: 'unverified',
      source: 'webhook',
    };
    expect(await run(job)).toEqual({ status: 'succeeded' });
    expect(await run({ ...job, attempt: 2 })).toEqual({ status: 'succeeded' });
    expect(outboxText().split('Message-ID: <job_again_1@srhooks>')).toHaveLength(2);
  });
});
