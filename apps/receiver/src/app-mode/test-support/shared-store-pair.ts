/**
 * Two app-mode receivers, A and B, on one PostgreSQL schema (its own per run), against a sandbox with `shops`:
 * the app's install and uninstall calls reach A. Neither re-reads the installed shops on its own within a test
 * (an hour); `feedOnB: false`: B does not hear the store's change feed either (its listening connection down),
 * so its list in memory changes only when B itself reads. A ingests only; B runs every job unless
 * `processingOnB` is false. `proxyB`: B reaches PostgreSQL through a TcpProxy the test owns (`pair.proxy`), so
 * its store can be cut without touching the shared server. `app`: keys of the app block to change on both.
 * Both take the admin token ADMIN_TOKEN.
 */
import { signDeliveryPath } from '@srhooks/contracts';
import { processSigningKeyPem, type RunningSandbox, startSandbox } from '@srhooks/sandbox';
import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll } from 'vitest';
import { buildReceiver } from '../../app.js';
import type { ReceiverConfig } from '../../config/config-schema.js';
import { defineReceiverConfig } from '../../config/load-config.js';
import { deliveryBody } from '../../test-support/delivery-fixtures.js';
import { dropSchema, TEST_DATABASE_URL, uniqueSchemaName } from '../../test-support/postgres-schema.js';
import { TcpProxy } from '../../test-support/tcp-proxy.js';
import { TEST_SECRET } from '../../test-support/test-receiver.js';
import {
  ADMIN_TOKEN,
  APP_CLIENT_ID,
  APP_CLIENT_SECRET,
  APP_ID,
  freePort,
  registerTestApp,
} from './app-mode-fixture.js';

export type Receivers = Record<'a' | 'b', { app: FastifyInstance; url: string }>;

export interface SharedStorePair {
  receivers: Receivers;
  sandbox: RunningSandbox;
  /** B's way to PostgreSQL, with `proxyB` (else null). */
  proxy: TcpProxy | null;
}

export function useSharedStorePair(
  prefix: string,
  shops: string[],
  options: {
    feedOnB: boolean;
    processingOnB?: boolean;
    proxyB?: boolean;
    storeTimeoutMs?: number;
    /** Keys of the `app` block to set on both (e.g. `retryIntervalSeconds`, `installWaitSeconds`). */
    app?: Record<string, unknown>;
  },
): SharedStorePair {
  const schema = uniqueSchemaName(prefix);
  const pair: SharedStorePair = {
    receivers: {} as Receivers,
    sandbox: undefined as unknown as RunningSandbox,
    proxy: null,
  };

  beforeAll(async () => {
    const sandbox = await startSandbox({
      rateLimit: false,
      shops: shops.map((name) => ({ name, clients: [] })),
      signingKeyPem: processSigningKeyPem(),
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
      adminToken: ADMIN_TOKEN,
      ...(options.storeTimeoutMs === undefined ? {} : { storeTimeoutMs: options.storeTimeoutMs }),
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
        ...options.app,
      },
    });
    let databaseUrlOfB = TEST_DATABASE_URL;
    if (options.proxyB) {
      const proxy = new TcpProxy(Number(new URL(TEST_DATABASE_URL).port || 5432));
      pair.proxy = proxy;
      const proxied = new URL(TEST_DATABASE_URL);
      proxied.hostname = '127.0.0.1';
      proxied.port = String(await proxy.start());
      databaseUrlOfB = proxied.toString();
    }
    const start = async (name: 'a' | 'b', processing: boolean, feed: boolean) => {
      const app = await buildReceiver(
        { ...config, port: ports[name], ...(name === 'b' ? { databaseUrl: databaseUrlOfB } : {}) },
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
    await start('b', options.processingOnB ?? true, options.feedOnB);
  });

  afterAll(async () => {
    for (const receiver of Object.values(pair.receivers)) await receiver.app.close();
    await pair.proxy?.stop();
    await pair.sandbox?.close();
    await dropSchema(schema);
  });
  return pair;
}

/** An order_confirm delivery of `shop` to the receiver, signed with the test secret: its status and delivery id. */
export async function deliverOrder(receiver: { url: string }, shop: string) {
  const { contentType, body } = deliveryBody('order_confirm');
  const response = await fetch(
    `${receiver.url}${signDeliveryPath({ shop, event: 'order_confirm' }, TEST_SECRET)}`,
    { method: 'POST', headers: { 'content-type': contentType }, body: new Uint8Array(body) },
  );
  const answer = (await response.json()) as { deliveryId?: string };
  return { status: response.status, deliveryId: answer.deliveryId };
}
