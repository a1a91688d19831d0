/**
 * The app's API step for one shop runs on one receiver at a time across receivers sharing a PostgreSQL
 * store (its own schema per run; `AppShopStore.withInstallLock`: an advisory lock per shop), over real
 * HTTP against the sandbox:
 * - an install call and its retry (or a double click) landing on two receivers at once: each wanted
 *   subscription exists once on the shop, round after round;
 * - two receivers restarted together with a new URL secret first: both re-subscribe the installed shops
 *   with it at start, and each shop ends with each subscription once, on the new secret's URL.
 * Without the cross-instance lock both receivers read the shop's subscriptions before either created any,
 * and both create them.
 */
import { createShopRenterClient } from '@srhooks/client';
import { signDeliveryPath } from '@srhooks/contracts';
import { type RunningSandbox, startSandbox } from '@srhooks/sandbox';
import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildReceiver } from '../app.js';
import type { ReceiverConfig } from '../config/config-schema.js';
import { defineReceiverConfig } from '../config/load-config.js';
import { dropSchema, TEST_DATABASE_URL, uniqueSchemaName } from '../test-support/postgres-schema.js';
import { TEST_SECRET } from '../test-support/test-receiver.js';
import {
  ADMIN_TOKEN,
  APP_CLIENT_ID,
  APP_CLIENT_SECRET,
  APP_ID,
  eventually,
  freePort,
  ROTATED_URL_SECRET,
  registerTestApp,
  signedAppPath,
} from './test-support/app-mode-fixture.js';

const EVENTS = ['order_confirm', 'order_status_change'] as const;
const ROUNDS = 6;

describe('app install step on two receivers sharing one PostgreSQL store', () => {
  const schema = uniqueSchemaName('app_install_lock');
  let sandbox: RunningSandbox;
  let config: ReceiverConfig;
  let ports: { a: number; b: number };
  const running: FastifyInstance[] = [];
  const logs: string[] = [];

  const start = async (port: number, secrets: string[]) => {
    const app = await buildReceiver(
      { ...config, port, secrets },
      {
        defaultMetrics: false,
        processing: { logWrite: () => {} },
        logDestination: { write: (line: string) => void logs.push(line) },
      },
    );
    running.push(app);
    await app.listen({ port, host: '127.0.0.1' });
    return app;
  };

  beforeAll(async () => {
    sandbox = await startSandbox({
      rateLimit: false,
      shops: ['alpha', 'beta'].map((name) => ({ name, clients: [] })),
    });
    ports = { a: await freePort(), b: await freePort() };
    // Both receivers sit behind one public URL (a load balancer): the subscriptions name it.
    const publicUrl = `http://127.0.0.1:${ports.a}`;
    registerTestApp(sandbox, publicUrl);
    config = defineReceiverConfig({
      secrets: [TEST_SECRET],
      databaseUrl: TEST_DATABASE_URL,
      databaseSchema: schema,
      host: '127.0.0.1',
      logLevel: 'info',
      publicUrl,
      adminToken: ADMIN_TOKEN,
      app: {
        appId: APP_ID,
        clientId: APP_CLIENT_ID,
        clientSecret: APP_CLIENT_SECRET,
        events: [...EVENTS],
        apiUrl: `${sandbox.url}/{shop}/api`,
        tokenUrl: `${sandbox.url}/{shop}/app/token`,
        // the install call waits for its API step (up to the sandbox's 30 s call limit): the test reads its outcome
        installWaitSeconds: 30,
        adminUrl: `${sandbox.url}/{shop}/admin`,
        retryIntervalSeconds: 1,
      },
    });
  });

  afterAll(async () => {
    for (const app of running) await app.close();
    await sandbox?.close();
    await dropSchema(schema);
  });

  /** The app's API client on the shop, as the test's own (to delete subscriptions behind the receivers' backs). */
  const shopClient = (shop: string) =>
    createShopRenterClient({
      shop,
      auth: { clientId: APP_CLIENT_ID, clientSecret: APP_CLIENT_SECRET },
      apiUrl: `${sandbox.url}/{shop}/api`,
      tokenUrl: `${sandbox.url}/{shop}/app/token`,
    });
  const hooksOn = (shop: string) => sandbox.sandbox.findShop(shop)?.data.webhooks ?? [];
  const signedWith = (shop: string, secret: string) =>
    EVENTS.map((event) => `${config.publicUrl}${signDeliveryPath({ shop, event }, secret)}`).sort();

  it('an install call at both receivers at once registers each subscription once, round after round', async () => {
    const a = await start(ports.a, [TEST_SECRET]);
    const b = await start(ports.b, [TEST_SECRET]);
    const receivers = [
      { app: a, url: `http://127.0.0.1:${ports.a}` },
      { app: b, url: `http://127.0.0.1:${ports.b}` },
    ];
    try {
      expect((await sandbox.apps.install(APP_ID, 'alpha')).install.status).toBe(302);
      expect((await sandbox.apps.install(APP_ID, 'beta')).install.status).toBe(302);
      const client = shopClient('alpha');
      for (let round = 0; round < ROUNDS; round++) {
        // The subscriptions were deleted on the shop meanwhile: each install step has some to create.
        for (const hook of await client.webhooks.all()) await client.webhooks.delete(hook.id);
        const answers = await Promise.all(
          receivers.map((receiver, index) =>
            fetch(`${receiver.url}${signedAppPath('/app/install', 'alpha', `round${round}x${index}`)}`, {
              redirect: 'manual',
            }),
          ),
        );
        expect(answers.map((answer) => answer.status)).toEqual([302, 302]);
        expect({
          round,
          events: hooksOn('alpha')
            .map((hook) => hook.event)
            .sort(),
        }).toEqual({
          round,
          events: [...EVENTS],
        });
      }
      expect(
        hooksOn('alpha')
          .map((hook) => hook.webHookParameters[0]?.url)
          .sort(),
      ).toEqual(signedWith('alpha', TEST_SECRET));
      const shops = await (
        await fetch(`${receivers[1]?.url}/admin/api/shops`, {
          headers: { authorization: `Bearer ${ADMIN_TOKEN}` },
        })
      ).json();
      const alpha = shops.items.find((shop: { name: string }) => shop.name === 'alpha');
      expect(alpha).toMatchObject({ status: 'installed', pendingReason: null });
    } finally {
      // Closed here, not only after the file: the next test starts receivers on the same ports.
      for (const app of [a, b]) await app.close();
    }
  });

  it('two receivers restarted together with a new URL secret first re-subscribe each installed shop once', async () => {
    // Before: both shops installed, each subscription once, on the current secret's URL (one receiver).
    const lone = await start(ports.a, [TEST_SECRET]);
    for (const shop of ['alpha', 'beta']) {
      expect((await sandbox.apps.install(APP_ID, shop)).install.status).toBe(302);
      // Whatever the install left (or an earlier test), the subscriptions start over with one install call.
      const client = shopClient(shop);
      for (const hook of await client.webhooks.all()) await client.webhooks.delete(hook.id);
      const answer = await fetch(
        `${config.publicUrl}${signedAppPath('/app/install', shop, `before${shop}`)}`,
        {
          redirect: 'manual',
        },
      );
      expect(answer.status).toBe(302);
      expect(
        hooksOn(shop)
          .map((hook) => hook.webHookParameters[0]?.url)
          .sort(),
      ).toEqual(signedWith(shop, TEST_SECRET));
    }
    await lone.close();
    logs.length = 0;

    await Promise.all([
      start(ports.a, [ROTATED_URL_SECRET, TEST_SECRET]),
      start(ports.b, [ROTATED_URL_SECRET, TEST_SECRET]),
    ]);
    // Both have planned their pass, and each that found shops to re-register has finished it (logs it once
    // done). Usually both find them; on a loaded machine one started late found them re-registered by the
    // other already (reRegister 0: nothing to do, no line), which a count of two finished passes never saw.
    await eventually(async () => {
      const plans = logs
        .map((line) => JSON.parse(line) as { code?: string; reRegister?: number; msg?: string })
        .filter((line) => line.code === 'app_secret_check');
      const planned = plans.filter((plan) => (plan.reRegister ?? 0) > 0).length;
      const finished = logs.filter((line) =>
        line.includes('re-subscribed with the newest URL secret'),
      ).length;
      return plans.length >= 2 && planned >= 1 && finished >= planned ? true : undefined;
    });
    for (const shop of ['alpha', 'beta']) {
      expect({
        shop,
        urls: hooksOn(shop)
          .map((hook) => hook.webHookParameters[0]?.url)
          .sort(),
      }).toEqual({
        shop,
        urls: signedWith(shop, ROTATED_URL_SECRET),
      });
    }
  });
});
