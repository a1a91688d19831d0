/**
 * A rolling upgrade on one PostgreSQL store, in app mode: receivers of the version before the `publicUrl`
 * was fingerprinted (they compare `app_shops.secret_fingerprint`, whole, with HMAC-SHA256(secret, "srhooks
 * secret fingerprint") cut to 16 hex characters) keep running, or start again (a restart, a rollback), next to
 * receivers of this version. Both must read what the other wrote the same way:
 *
 * - what this version records after an install must read as "signed with the newest secret" to an older
 *   receiver — before, it recorded `{secret}:{base}` in that column, and an older receiver starting on the
 *   store warned `secret_replaced` (the URL secret replaced instead of rotated: deliveries refused) and
 *   re-registered every installed shop, though nothing had changed;
 * - this version still tells a moved `publicUrl` from what it recorded (the base's fingerprint, kept with
 *   each subscription), and reads a record an older receiver wrote (no base) as current, not as moved.
 *
 * The older receivers' rule is written out here as they shipped it: what is stored must keep satisfying it.
 * Real receiver, sandbox and PostgreSQL (a schema of its own, dropped afterwards).
 */
import { createHmac } from 'node:crypto';
import { signDeliveryPath } from '@srhooks/contracts';
import { type RunningSandbox, startSandbox } from '@srhooks/sandbox';
import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildReceiver } from '../app.js';
import type { ReceiverConfig } from '../config/config-schema.js';
import { defineReceiverConfig } from '../config/load-config.js';
import { testSchemas, withTestDatabase } from '../test-support/postgres-schema.js';
import { TEST_SECRET } from '../test-support/test-receiver.js';
import {
  ADMIN_TOKEN,
  APP_CLIENT_ID,
  APP_CLIENT_SECRET,
  APP_ID,
  eventually,
  freePort,
  registerTestApp,
} from './test-support/app-mode-fixture.js';

const EVENTS = ['order_confirm', 'order_status_change'] as const;

/** The older receivers' reading of the column (secret-fingerprint.ts before the base was fingerprinted). */
function olderReceiverStanding(column: string | null, secrets: readonly string[]): string {
  if (column === null) return 'unknown';
  const index = secrets.findIndex(
    (secret) =>
      createHmac('sha256', secret).update('srhooks secret fingerprint').digest('hex').slice(0, 16) === column,
  );
  if (index === 0) return 'current';
  return index > 0 ? 'old' : 'replaced';
}

describe('app mode: URL fingerprints read alike by older and newer receivers on one PostgreSQL store', () => {
  const schema = testSchemas('app_fp_upgrade')();
  let sandbox: RunningSandbox;
  let config: ReceiverConfig;
  let port: number;
  let receiver: FastifyInstance | undefined;
  let lines: Array<Record<string, unknown>> = [];

  const start = async (publicUrl: string) => {
    await receiver?.close();
    lines = [];
    receiver = await buildReceiver(
      { ...config, publicUrl },
      {
        defaultMetrics: false,
        processing: { logWrite: () => {} },
        logDestination: { write: (line: string) => void lines.push(JSON.parse(line)) },
      },
    );
    await receiver.listen({ port, host: '127.0.0.1' });
    return receiver;
  };
  const stored = () =>
    withTestDatabase(async (client) => {
      const { rows } = await client.query<{ secret_fingerprint: string | null; subscriptions: unknown[] }>(
        `SELECT secret_fingerprint, subscriptions FROM "${schema}".app_shops WHERE shop = 'alpha'`,
      );
      return rows[0];
    });
  const urlsOn = () =>
    (sandbox.sandbox.findShop('alpha')?.data.webhooks ?? []).map((hook) => hook.webHookParameters[0]?.url);
  const signedUnder = (base: string) =>
    EVENTS.map((event) => `${base}${signDeliveryPath({ shop: 'alpha', event }, TEST_SECRET)}`).sort();
  const checkLine = async () =>
    eventually(async () => lines.find((line) => line.code === 'app_secret_check'));

  beforeAll(async () => {
    sandbox = await startSandbox({ rateLimit: false, shops: [{ name: 'alpha', clients: [] }] });
    port = await freePort();
    registerTestApp(sandbox, `http://127.0.0.1:${port}`);
    config = defineReceiverConfig({
      secrets: [TEST_SECRET],
      databaseUrl: process.env.SRHOOKS_TEST_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/test',
      databaseSchema: schema,
      port,
      host: '127.0.0.1',
      logLevel: 'info',
      publicUrl: `http://127.0.0.1:${port}`,
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
        recovery: false,
      },
    });
  });
  afterAll(async () => {
    await receiver?.close();
    await sandbox?.close();
  });

  it("what an install records reads as the newest secret's to an older receiver", async () => {
    const base = `http://127.0.0.1:${port}`;
    const running = await start(base);
    await sandbox.apps.install(APP_ID, 'alpha');
    await eventually(async () =>
      (await running.appShops?.get('alpha'))?.status === 'installed' ? true : undefined,
    );
    expect(urlsOn().sort()).toEqual(signedUnder(base));
    const row = await stored();
    expect(olderReceiverStanding(row?.secret_fingerprint ?? null, [TEST_SECRET])).toBe('current');
    // A rotation still reads as one to them: the new secret first, this one second.
    expect(
      olderReceiverStanding(row?.secret_fingerprint ?? null, ['another-url-secret-0123456789', TEST_SECRET]),
    ).toBe('old');
  });

  it('this version restarted on the same publicUrl: nothing to re-register', async () => {
    await start(`http://127.0.0.1:${port}`);
    expect(await checkLine()).toMatchObject({ reRegister: 0, moved: 0 });
    expect(lines.some((line) => line.code === 'secret_replaced')).toBe(false);
  });

  it('an older receiver re-registered the shop (its write has no base): read as current, not as moved', async () => {
    const before = await stored();
    expect(before?.subscriptions).toHaveLength(EVENTS.length);
    // What an older receiver's install step writes: the subscriptions as {event, id}, the secret's fingerprint.
    await withTestDatabase((client) =>
      client.query(
        `UPDATE "${schema}".app_shops SET subscriptions = $1::jsonb, secret_fingerprint = $2 WHERE shop = 'alpha'`,
        [
          JSON.stringify(
            ((before?.subscriptions ?? []) as Array<{ event: string; id: string }>).map(({ event, id }) => ({
              event,
              id,
            })),
          ),
          createHmac('sha256', TEST_SECRET).update('srhooks secret fingerprint').digest('hex').slice(0, 16),
        ],
      ),
    );
    const hooksBefore = urlsOn().sort();
    await start(`http://127.0.0.1:${port}`);
    expect(await checkLine()).toMatchObject({ reRegister: 0, moved: 0, unknown: 0 });
    expect(lines.some((line) => line.code === 'secret_replaced')).toBe(false);
    expect(urlsOn().sort()).toEqual(hooksBefore);
  });

  it('a moved publicUrl is still told from what this version records', async () => {
    // Record the base again (this version's step), then move the receiver to another host name.
    const base = `http://127.0.0.1:${port}`;
    const running = await start(base);
    const appShops = running.appShops;
    if (!appShops) throw new Error('app mode is off');
    await sandbox.apps.install(APP_ID, 'alpha');
    await eventually(async () => {
      const row = await stored();
      return row?.subscriptions.every(
        (s) => typeof (s as { baseFingerprint?: unknown }).baseFingerprint === 'string',
      )
        ? true
        : undefined;
    });
    const moved = base.replace('127.0.0.1', 'localhost');
    await start(moved);
    expect(await checkLine()).toMatchObject({ reRegister: 1, moved: 1 });
    expect(lines.some((line) => line.code === 'secret_replaced')).toBe(false);
    await eventually(async () => (urlsOn().sort().join() === signedUnder(moved).join() ? true : undefined));
    const row = await stored();
    expect(olderReceiverStanding(row?.secret_fingerprint ?? null, [TEST_SECRET])).toBe('current');
  });
});
