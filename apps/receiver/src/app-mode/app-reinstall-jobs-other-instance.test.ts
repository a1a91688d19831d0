/**
 * A shop re-installs the app through receiver A; its first delivery reaches A; receiver B — on the same
 * PostgreSQL store (its own schema per run), running the handlers, and knowing the shop as uninstalled — runs
 * that delivery's job. Over real HTTP against the sandbox. B learns of the re-install from A's delivery on
 * the store's change feed (it reads the shop then), so its worker runs the job instead of cancelling it as
 * an uninstalled shop's (a dead letter "cancelled: the app was uninstalled from this shop", as it did until
 * B's next periodic re-read — an hour here, 5 s by default).
 */
import { signDeliveryPath } from '@srhooks/contracts';
import { type RunningSandbox, startSandbox } from '@srhooks/sandbox';
import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildReceiver } from '../app.js';
import type { ReceiverConfig } from '../config/config-schema.js';
import { defineReceiverConfig } from '../config/load-config.js';
import { deliveryBody } from '../test-support/delivery-fixtures.js';
import { dropSchema, TEST_DATABASE_URL, uniqueSchemaName } from '../test-support/postgres-schema.js';
import { TEST_SECRET } from '../test-support/test-receiver.js';
import {
  APP_CLIENT_ID,
  APP_CLIENT_SECRET,
  APP_ID,
  eventually,
  freePort,
  registerTestApp,
} from './test-support/app-mode-fixture.js';

describe("a re-installed shop's jobs run by another receiver instance on one PostgreSQL store", () => {
  const schema = uniqueSchemaName('app_reinstall_jobs');
  let sandbox: RunningSandbox;
  let config: ReceiverConfig;
  const receivers: Record<'a' | 'b', { app: FastifyInstance; url: string }> = {} as never;

  beforeAll(async () => {
    sandbox = await startSandbox({ rateLimit: false, shops: [{ name: 'beta', clients: [] }] });
    const ports = { a: await freePort(), b: await freePort() };
    const publicUrl = `http://127.0.0.1:${ports.a}`;
    registerTestApp(sandbox, publicUrl);
    config = defineReceiverConfig({
      secrets: [TEST_SECRET],
      databaseUrl: TEST_DATABASE_URL,
      databaseSchema: schema,
      host: '127.0.0.1',
      logLevel: 'warn',
      publicUrl,
      handlers: { audit: { type: 'log' } },
      app: {
        appId: APP_ID,
        clientId: APP_CLIENT_ID,
        clientSecret: APP_CLIENT_SECRET,
        events: ['order_confirm'],
        handlers: ['audit'],
        apiUrl: `${sandbox.url}/{shop}/api`,
        tokenUrl: `${sandbox.url}/{shop}/app/token`,
        adminUrl: `${sandbox.url}/{shop}/admin`,
      },
    });
    const start = async (name: 'a' | 'b', processing: boolean) => {
      const app = await buildReceiver(
        { ...config, port: ports[name] },
        {
          defaultMetrics: false,
          logDestination: { write: () => {} },
          processing: { enabled: processing, logWrite: () => {} },
          // Neither re-reads the installed shops on its own within the test.
          shopDirectory: { refreshMs: 3_600_000 },
        },
      );
      await app.listen({ port: ports[name], host: '127.0.0.1' });
      receivers[name] = { app, url: `http://127.0.0.1:${ports[name]}` };
    };
    await start('a', false); // ingests only
    await start('b', true); // runs every job
  });

  afterAll(async () => {
    for (const receiver of Object.values(receivers)) await receiver.app.close();
    await sandbox?.close();
    await dropSchema(schema);
  });

  const deliver = async (receiver: { url: string }) => {
    const { contentType, body } = deliveryBody('order_confirm');
    const response = await fetch(
      `${receiver.url}${signDeliveryPath({ shop: 'beta', event: 'order_confirm' }, TEST_SECRET)}`,
      { method: 'POST', headers: { 'content-type': contentType }, body: new Uint8Array(body) },
    );
    const answer = (await response.json()) as { deliveryId?: string };
    return { status: response.status, deliveryId: answer.deliveryId };
  };

  const jobsOf = async (deliveryId: string) => {
    const events = await receivers.a.app.store.listEvents({ shop: 'beta', limit: 50 });
    return events.items.filter((event) => event.deliveryId === deliveryId).map((event) => event.status);
  };

  it('B runs the job of a delivery A took after the re-install', async () => {
    expect((await sandbox.apps.install(APP_ID, 'beta')).install.status).toBe(302);
    expect((await sandbox.apps.uninstall(APP_ID, 'beta')).uninstall.status).toBe(200);
    // B hears of the uninstall through the change feed.
    await eventually(
      async () => (receivers.b.app.shopDirectory.isUninstalled('beta') ? true : undefined),
      5000,
    );

    expect((await sandbox.apps.install(APP_ID, 'beta')).install.status).toBe(302);
    // The handler paused while the delivery comes, so B's worker claims its job only after B had the chance
    // to hear of the delivery (a real worker claims it as soon as it can: that race is not covered).
    await receivers.a.app.store.disableHandler('audit', { reason: 'test: hold the job', by: 'operator' });
    const first = await deliver(receivers.a);
    expect(first.status).toBe(200);
    await eventually(
      async () => (receivers.b.app.shopDirectory.isUninstalled('beta') ? undefined : true),
      5000,
    );
    await receivers.a.app.store.enableHandler('audit');
    const statuses = await eventually(async () => {
      const found = await jobsOf(first.deliveryId as string);
      return found.length > 0 && found.every((status) => status === 'succeeded' || status === 'dead')
        ? found
        : undefined;
    }, 15_000);
    expect(statuses).toEqual(['succeeded']);
  });
});
