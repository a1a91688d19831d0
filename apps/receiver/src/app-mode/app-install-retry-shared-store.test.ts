/**
 * The background retry of a pending install on two receivers sharing one PostgreSQL store (its own schema
 * per run), over real HTTP against the sandbox: both retry loops read the shop as due, one runs the step
 * while the other waits for the shop's install lock. The waiting one, once it holds the lock, finds the
 * step done (nothing due any more) and does not run it again — before, it ran the whole step a second time
 * (a token and every subscription read and written again at the shop's 3 req/s), once per instance.
 */
import { type RunningSandbox, startSandbox } from '@srhooks/sandbox';
import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildReceiver } from '../app.js';
import type { ReceiverConfig } from '../config/config-schema.js';
import { defineReceiverConfig } from '../config/load-config.js';
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

/** Each API answer this slow makes one step (a read and two creates) outlast a retry tick (5 s). */
const API_LATENCY_MS = 2500;

describe('background install retry on two receivers sharing one PostgreSQL store', () => {
  const schema = uniqueSchemaName('app_install_retry');
  let sandbox: RunningSandbox;
  let config: ReceiverConfig;
  const running: FastifyInstance[] = [];
  const logs: string[] = [];

  beforeAll(async () => {
    sandbox = await startSandbox({ rateLimit: false, shops: [{ name: 'alpha', clients: [] }] });
    const ports = { a: await freePort(), b: await freePort() };
    const publicUrl = `http://127.0.0.1:${ports.a}`;
    registerTestApp(sandbox, publicUrl);
    config = defineReceiverConfig({
      secrets: [TEST_SECRET],
      databaseUrl: TEST_DATABASE_URL,
      databaseSchema: schema,
      host: '127.0.0.1',
      logLevel: 'info',
      publicUrl,
      app: {
        appId: APP_ID,
        clientId: APP_CLIENT_ID,
        clientSecret: APP_CLIENT_SECRET,
        events: ['order_confirm', 'order_status_change'],
        apiUrl: `${sandbox.url}/{shop}/api`,
        tokenUrl: `${sandbox.url}/{shop}/app/token`,
        // the install call waits for its API step (up to the sandbox's 30 s call limit): the test reads its outcome
        installWaitSeconds: 30,
        adminUrl: `${sandbox.url}/{shop}/admin`,
        retryIntervalSeconds: 1,
      },
    });
    for (const port of [ports.a, ports.b]) {
      const app = await buildReceiver(
        { ...config, port },
        {
          defaultMetrics: false,
          processing: { logWrite: () => {} },
          logDestination: { write: (line: string) => void logs.push(line) },
        },
      );
      running.push(app);
      await app.listen({ port, host: '127.0.0.1' });
    }
  });

  afterAll(async () => {
    for (const app of running) await app.close();
    await sandbox?.close();
    await dropSchema(schema);
  });

  const stepsDone = () =>
    logs.filter((line) => line.includes('app installed: token obtained, subscriptions registered')).length;

  it('runs the step of a due shop once, not once per receiver', async () => {
    sandbox.setFaults('alpha', { tokenEndpointDown: true });
    const installed = await sandbox.apps.install(APP_ID, 'alpha');
    expect(installed.install.status).toBe(302);
    expect(stepsDone()).toBe(0);
    // The token endpoint back, the API slow: the first retry's step holds the lock over the other's tick.
    sandbox.setFaults('alpha', { latencyMs: API_LATENCY_MS });
    await eventually(async () => (stepsDone() >= 1 ? true : undefined), 30_000);
    // Long enough for the other receiver's tick (every 5 s) to have read the shop as due and, waiting for
    // the lock, to have run the step again after the first.
    await new Promise((resolve) => setTimeout(resolve, 5000 + 4 * API_LATENCY_MS));
    expect(stepsDone()).toBe(1);
    const hooks = sandbox.sandbox.findShop('alpha')?.data.webhooks ?? [];
    expect(hooks.map((hook) => hook.event).sort()).toEqual(['order_confirm', 'order_status_change']);
  }, 60_000);
});
