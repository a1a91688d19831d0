/**
 * An uninstall handled by one receiver instance closes the shop's signed URLs on every instance that
 * shares the PostgreSQL store (its own schema per run), over real HTTP against the sandbox's app flow:
 * - B hears of it through the store's change feed (A's `app_uninstalled` delivery, pg_notify /
 *   LISTEN) and answers 404 at once — B's own periodic re-read is an hour here, so only the
 *   notification can have told it;
 * - C receives no notifications (`shareChanges: false`, as when its listening connection is down) and
 *   answers 404 after its next periodic re-read: within the documented bound of 5 s plus one read.
 */
import { signDeliveryPath } from '@srhooks/contracts';
import { type RunningSandbox, startSandbox } from '@srhooks/sandbox';
import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildReceiver } from '../app.js';
import type { ReceiverConfig } from '../config/config-schema.js';
import { defineReceiverConfig } from '../config/load-config.js';
import { createStore } from '../store/create-store.js';
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

/** The shop directory's default re-read interval (shop-directory-plugin.ts) and the documented bound. */
const REFRESH_MS = 5000;

describe('uninstall seen by every receiver instance on one PostgreSQL store', () => {
  const schema = uniqueSchemaName('app_uninstall');
  let sandbox: RunningSandbox;
  let config: ReceiverConfig;
  const receivers: Record<'a' | 'b' | 'c', { app: FastifyInstance; url: string }> = {} as never;

  beforeAll(async () => {
    sandbox = await startSandbox({ rateLimit: false, shops: [{ name: 'alpha', clients: [] }] });
    const ports = { a: await freePort(), b: await freePort(), c: await freePort() };
    const publicUrl = `http://127.0.0.1:${ports.a}`;
    registerTestApp(sandbox, publicUrl);
    config = defineReceiverConfig({
      secrets: [TEST_SECRET],
      databaseUrl: TEST_DATABASE_URL,
      databaseSchema: schema,
      host: '127.0.0.1',
      logLevel: 'warn',
      publicUrl,
      app: {
        appId: APP_ID,
        clientId: APP_CLIENT_ID,
        clientSecret: APP_CLIENT_SECRET,
        events: ['order_confirm'],
        apiUrl: `${sandbox.url}/{shop}/api`,
        tokenUrl: `${sandbox.url}/{shop}/app/token`,
        // the install call waits for its API step (up to the sandbox's 30 s call limit): the test reads its outcome
        installWaitSeconds: 30,
        adminUrl: `${sandbox.url}/{shop}/admin`,
      },
    });
    const start = async (name: 'a' | 'b' | 'c', options: Parameters<typeof buildReceiver>[1]) => {
      const app = await buildReceiver(
        { ...config, port: ports[name] },
        { defaultMetrics: false, logDestination: { write: () => {} }, ...options },
      );
      await app.listen({ port: ports[name], host: '127.0.0.1' });
      receivers[name] = { app, url: `http://127.0.0.1:${ports[name]}` };
    };
    await start('a', {});
    await start('b', { shopDirectory: { refreshMs: 3_600_000 } });
    await start('c', {
      store: createStore({ kind: 'postgres', url: TEST_DATABASE_URL, schema, shareChanges: false }),
    });
  });

  afterAll(async () => {
    for (const receiver of Object.values(receivers)) await receiver.app.close();
    await sandbox?.close();
    await dropSchema(schema);
  });

  const deliver = async (receiver: { url: string }) => {
    const { contentType, body } = deliveryBody('order_confirm');
    const response = await fetch(
      `${receiver.url}${signDeliveryPath({ shop: 'alpha', event: 'order_confirm' }, TEST_SECRET)}`,
      { method: 'POST', headers: { 'content-type': contentType }, body: new Uint8Array(body) },
    );
    await response.arrayBuffer();
    return response.status;
  };

  it('instance A handles the uninstall; B answers 404 at once (notification), C within 5 s (re-read)', async () => {
    const installed = await sandbox.apps.install(APP_ID, 'alpha');
    expect(installed.install.status).toBe(302);
    for (const name of ['a', 'b', 'c'] as const) expect(await deliver(receivers[name])).toBe(200);

    const uninstalled = await sandbox.apps.uninstall(APP_ID, 'alpha');
    expect(uninstalled.uninstall.status).toBe(200);
    const handledAt = Date.now();
    expect(await deliver(receivers.a)).toBe(404);

    await eventually(async () => ((await deliver(receivers.b)) === 404 ? true : undefined), 2000);
    await eventually(
      async () => ((await deliver(receivers.c)) === 404 ? true : undefined),
      REFRESH_MS + 2000 - (Date.now() - handledAt),
    );
    // Once closed, closed: every instance keeps answering 404.
    for (const name of ['a', 'b', 'c'] as const) expect(await deliver(receivers[name])).toBe(404);
  });
});
