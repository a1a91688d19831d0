/**
 * An install handled by one receiver instance is honoured at once by another instance on the same
 * PostgreSQL store (its own schema per run), before that instance's periodic re-read of the installed shops
 * (an hour here, 5 s by default), over real HTTP against the sandbox's app flow:
 * - the owner's browser, redirected after the install, loads the EntryPoint from instance B (a load
 *   balancer in front of both): B shows the shop's page, not "The app is not installed";
 * - a shop that uninstalled and installed the app again through A: its first deliveries on the new
 *   subscriptions reach B and are stored — B knew the shop as uninstalled (it heard of the uninstall
 *   through the change feed) and answered them 404 before, and ShopRenter does not resend.
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
  WEBHOOK_SECRET_KEY,
} from './test-support/app-mode-fixture.js';

describe('an install handled by one instance, seen at once by another on one PostgreSQL store', () => {
  const schema = uniqueSchemaName('app_install_seen');
  let sandbox: RunningSandbox;
  let config: ReceiverConfig;
  const receivers: Record<'a' | 'b', { app: FastifyInstance; url: string }> = {} as never;

  beforeAll(async () => {
    sandbox = await startSandbox({
      rateLimit: false,
      shops: [
        { name: 'alpha', clients: [] },
        { name: 'beta', clients: [] },
      ],
    });
    const ports = { a: await freePort(), b: await freePort() };
    const publicUrl = `http://127.0.0.1:${ports.a}`;
    // The install and uninstall calls reach A; the EntryPoint (the admin's iframe) B.
    sandbox.apps.register({
      appId: APP_ID,
      clientId: APP_CLIENT_ID,
      clientSecret: APP_CLIENT_SECRET,
      webhookSecretKey: WEBHOOK_SECRET_KEY,
      redirectUri: `${publicUrl}/app/install`,
      entryPoint: `http://127.0.0.1:${ports.b}/app/entry`,
      uninstallUri: `${publicUrl}/app/uninstall`,
      notificationUrl: `${publicUrl}/app/payments`,
    });
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
    for (const name of ['a', 'b'] as const) {
      const app = await buildReceiver(
        { ...config, port: ports[name] },
        {
          defaultMetrics: false,
          logDestination: { write: () => {} },
          // Neither re-reads on its own within the test: only what the request reads can tell B.
          shopDirectory: { refreshMs: 3_600_000 },
        },
      );
      await app.listen({ port: ports[name], host: '127.0.0.1' });
      receivers[name] = { app, url: `http://127.0.0.1:${ports[name]}` };
    }
  });

  afterAll(async () => {
    for (const receiver of Object.values(receivers)) await receiver.app.close();
    await sandbox?.close();
    await dropSchema(schema);
  });

  const deliver = async (receiver: { url: string }, shop: string) => {
    const { contentType, body } = deliveryBody('order_confirm');
    const response = await fetch(
      `${receiver.url}${signDeliveryPath({ shop, event: 'order_confirm' }, TEST_SECRET)}`,
      { method: 'POST', headers: { 'content-type': contentType }, body: new Uint8Array(body) },
    );
    await response.arrayBuffer();
    return response.status;
  };

  it('the EntryPoint loaded from B right after the install through A shows the shop', async () => {
    const installed = await sandbox.apps.install(APP_ID, 'alpha');
    expect(installed.install.status).toBe(302);
    expect(installed.entryPoint?.status).toBe(200);
    expect(installed.entryPoint?.bodyExcerpt).not.toContain('not installed');
  });

  it("a re-install through A: B takes the shop's deliveries at once, though it knew the shop uninstalled", async () => {
    expect((await sandbox.apps.install(APP_ID, 'beta')).install.status).toBe(302);
    expect(await deliver(receivers.b, 'beta')).toBe(200);
    expect((await sandbox.apps.uninstall(APP_ID, 'beta')).uninstall.status).toBe(200);
    // B hears of the uninstall through the change feed and closes the shop's URLs.
    await eventually(async () => ((await deliver(receivers.b, 'beta')) === 404 ? true : undefined), 2000);

    const again = await sandbox.apps.install(APP_ID, 'beta');
    expect(again.install.status).toBe(302);
    // The first order after the re-install, delivered to B (ShopRenter does not send it again).
    expect(await deliver(receivers.b, 'beta')).toBe(200);
    expect(await deliver(receivers.a, 'beta')).toBe(200);
    // Still closed for a shop that is uninstalled in the store.
    expect((await sandbox.apps.uninstall(APP_ID, 'beta')).uninstall.status).toBe(200);
    await eventually(async () => ((await deliver(receivers.b, 'beta')) === 404 ? true : undefined), 2000);
    expect(await deliver(receivers.a, 'beta')).toBe(404);
  });
});
