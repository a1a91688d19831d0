/**
 * A shop re-installs the app through receiver A; its first delivery reaches A; receiver B — on the same
 * PostgreSQL store (its own schema per run), running the handlers, and knowing the shop as uninstalled — runs
 * that delivery's job. Over real HTTP against the sandbox. B learns of the re-install from A's delivery on
 * the store's change feed (it reads the shop then), so its worker runs the job instead of cancelling it as
 * an uninstalled shop's (a dead letter "cancelled: the app was uninstalled from this shop", as it did until
 * B's next periodic re-read — an hour here, 5 s by default).
 *
 * With B's change feed down (or B's worker claiming the job before its read of the shop has answered), B's
 * list in memory still says what it knew before: the worker decides from the store's install state when the
 * job's turn comes (one read), so the re-installed shop's job runs, and a job of a shop another instance saw
 * uninstall — delivered to B, which still lists the shop as installed — is cancelled.
 */
import { signDeliveryPath } from '@srhooks/contracts';
import { type RunningSandbox, startSandbox } from '@srhooks/sandbox';
import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildReceiver } from '../app.js';
import type { ReceiverConfig } from '../config/config-schema.js';
import { defineReceiverConfig } from '../config/load-config.js';
import { CANCELLED_BY_UNINSTALL } from '../store/app-shops/uninstall-cancellation.js';
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

type Receivers = Record<'a' | 'b', { app: FastifyInstance; url: string }>;

/**
 * Receivers A (ingests only) and B (ingests and runs every job) on one PostgreSQL schema, against a sandbox
 * with `shops`; the app's install and uninstall calls reach A. Neither re-reads the installed shops on its own
 * within a test; `feedOnB: false`: B does not hear the store's change feed either (its listening connection
 * down), so its list in memory changes only when B itself reads.
 */
function useSharedStorePair(prefix: string, shops: string[], options: { feedOnB: boolean }) {
  const schema = uniqueSchemaName(prefix);
  const pair = { receivers: {} as Receivers, sandbox: undefined as unknown as RunningSandbox };

  beforeAll(async () => {
    const sandbox = await startSandbox({
      rateLimit: false,
      shops: shops.map((name) => ({ name, clients: [] })),
    });
    pair.sandbox = sandbox;
    const ports = { a: await freePort(), b: await freePort() };
    const publicUrl = `http://127.0.0.1:${ports.a}`;
    registerTestApp(sandbox, publicUrl);
    const config: ReceiverConfig = defineReceiverConfig({
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
        // the install call waits for its API step (up to the sandbox's 30 s call limit): the test reads its outcome
        installWaitSeconds: 30,
        adminUrl: `${sandbox.url}/{shop}/admin`,
      },
    });
    const start = async (name: 'a' | 'b', processing: boolean, feed: boolean) => {
      const app = await buildReceiver(
        { ...config, port: ports[name] },
        {
          defaultMetrics: false,
          logDestination: { write: () => {} },
          processing: { enabled: processing, logWrite: () => {} },
          shopDirectory: { refreshMs: 3_600_000, ...(feed ? {} : { refreshOnUninstall: false }) },
        },
      );
      await app.listen({ port: ports[name], host: '127.0.0.1' });
      pair.receivers[name] = { app, url: `http://127.0.0.1:${ports[name]}` };
    };
    await start('a', false, true); // ingests only
    await start('b', true, options.feedOnB); // runs every job
  });

  afterAll(async () => {
    for (const receiver of Object.values(pair.receivers)) await receiver.app.close();
    await pair.sandbox?.close();
    await dropSchema(schema);
  });
  return pair;
}

const deliver = async (receiver: { url: string }, shop: string) => {
  const { contentType, body } = deliveryBody('order_confirm');
  const response = await fetch(
    `${receiver.url}${signDeliveryPath({ shop, event: 'order_confirm' }, TEST_SECRET)}`,
    { method: 'POST', headers: { 'content-type': contentType }, body: new Uint8Array(body) },
  );
  const answer = (await response.json()) as { deliveryId?: string };
  return { status: response.status, deliveryId: answer.deliveryId };
};

/** The delivery's events once each job has ended (succeeded or dead), with their last error. */
const settledEventsOf = (receivers: Receivers, shop: string, deliveryId: string) =>
  eventually(async () => {
    const page = await receivers.a.app.store.listEvents({ shop, limit: 50 });
    const found = page.items.filter((event) => event.deliveryId === deliveryId);
    if (found.length === 0 || !found.every((e) => e.status === 'succeeded' || e.status === 'dead'))
      return undefined;
    return Promise.all(
      found.map(async (e) => {
        const detail = await receivers.a.app.store.getEvent(e.id);
        return { status: e.status, lastError: detail?.jobs[0]?.lastError ?? null };
      }),
    );
  }, 15_000);

describe("a re-installed shop's jobs run by another receiver instance on one PostgreSQL store", () => {
  const pair = useSharedStorePair('app_reinstall_jobs', ['beta'], { feedOnB: true });

  it('B runs the job of a delivery A took after the re-install', async () => {
    const { sandbox, receivers } = pair;
    expect((await sandbox.apps.install(APP_ID, 'beta')).install.status).toBe(302);
    expect((await sandbox.apps.uninstall(APP_ID, 'beta')).uninstall.status).toBe(200);
    // B hears of the uninstall through the change feed.
    await eventually(
      async () => (receivers.b.app.shopDirectory.isUninstalled('beta') ? true : undefined),
      5000,
    );

    expect((await sandbox.apps.install(APP_ID, 'beta')).install.status).toBe(302);
    // The handler paused while the delivery comes, so B's worker claims its job only after B had the chance
    // to hear of the delivery (the claim racing that read is the next describe's, with the feed down).
    await receivers.a.app.store.disableHandler('audit', { reason: 'test: hold the job', by: 'operator' });
    const first = await deliver(receivers.a, 'beta');
    expect(first.status).toBe(200);
    await eventually(
      async () => (receivers.b.app.shopDirectory.isUninstalled('beta') ? undefined : true),
      5000,
    );
    await receivers.a.app.store.enableHandler('audit');
    const events = await settledEventsOf(receivers, 'beta', first.deliveryId as string);
    expect(events.map((event) => event.status)).toEqual(['succeeded']);
  });
});

describe("B's change feed down: its worker decides from the store's install state, not its list in memory", () => {
  const pair = useSharedStorePair('app_reinstall_claim', ['beta', 'gamma'], { feedOnB: false });

  it("runs the job of a shop A re-installed while B's list still says uninstalled", async () => {
    const { sandbox, receivers } = pair;
    expect((await sandbox.apps.install(APP_ID, 'beta')).install.status).toBe(302);
    expect((await sandbox.apps.uninstall(APP_ID, 'beta')).uninstall.status).toBe(200);
    await receivers.b.app.shopDirectory.refresh(); // B's periodic re-read, after the uninstall
    expect(receivers.b.app.shopDirectory.isUninstalled('beta')).toBe(true);

    expect((await sandbox.apps.install(APP_ID, 'beta')).install.status).toBe(302);
    const first = await deliver(receivers.a, 'beta');
    expect(first.status).toBe(200);
    const events = await settledEventsOf(receivers, 'beta', first.deliveryId as string);
    expect(events).toEqual([{ status: 'succeeded', lastError: null }]);
    // B took what it read
    expect(receivers.b.app.shopDirectory.isUninstalled('beta')).toBe(false);
  });

  it("still cancels the job of a shop that uninstalled through A while B's list still says installed", async () => {
    const { sandbox, receivers } = pair;
    expect((await sandbox.apps.install(APP_ID, 'gamma')).install.status).toBe(302);
    await receivers.b.app.shopDirectory.refresh();
    expect(receivers.b.app.shopDirectory.appShop('gamma')?.status).toBe('installed');
    expect((await sandbox.apps.uninstall(APP_ID, 'gamma')).uninstall.status).toBe(200);
    expect(receivers.b.app.shopDirectory.isUninstalled('gamma')).toBe(false); // B has not heard

    // B takes the delivery (its list says installed) and its worker claims the job
    const late = await deliver(receivers.b, 'gamma');
    expect(late.status).toBe(200);
    const events = await settledEventsOf(receivers, 'gamma', late.deliveryId as string);
    expect(events).toEqual([{ status: 'dead', lastError: CANCELLED_BY_UNINSTALL }]);
  });
});
