import { afterAll, describe, expect, it } from 'vitest';
import { deliveryBody } from '../../test-support/delivery-fixtures.js';
import {
  dropSchema,
  TEST_DATABASE_URL,
  testSchemas,
  uniqueSchemaName,
  withTestDatabase,
} from '../../test-support/postgres-schema.js';
import { startTestReceiver, type TestReceiver } from '../../test-support/test-receiver.js';
import { StoreUnavailableError } from '../store-errors.js';
import { PgStore } from './pg-store.js';

const nextSchema = testSchemas('rdy');

function withOptions(url: string, options: string): string {
  const parsed = new URL(url);
  parsed.searchParams.set('options', options);
  return parsed.toString();
}

describe('PgStore.ping', () => {
  it('is ready on a writable session and not on a read-only one', async () => {
    const schema = nextSchema();
    const writable = new PgStore({ url: TEST_DATABASE_URL, schema, poolSize: 1 });
    const readOnly = new PgStore({
      url: withOptions(TEST_DATABASE_URL, '-c default_transaction_read_only=on'),
      schema,
      poolSize: 1,
    });
    try {
      await writable.migrate();
      await writable.ping();
      const error = await readOnly.ping().then(
        () => null,
        (caught: unknown) => caught,
      );
      expect(error).toBeInstanceOf(StoreUnavailableError);
      // The store's first call would migrate; refused as read-only, which is the same verdict.
      expect((error as Error).message).toMatch(/accepts only reads|read-only transaction/);
    } finally {
      await readOnly.close();
      await writable.close();
    }
  });
});

/** Terminates the backends of `role` only (this test's own role). */
async function terminateBackendsOf(role: string): Promise<void> {
  await withTestDatabase((client) =>
    client.query(
      'SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE usename = $1 AND pid <> pg_backend_pid()',
      [role],
    ),
  );
}

async function readiness(receiver: TestReceiver): Promise<{ status: number; json: Record<string, unknown> }> {
  const response = await fetch(`${receiver.baseUrl}/readyz`);
  return { status: response.status, json: (await response.json()) as Record<string, unknown> };
}

/** Polls /readyz until `matches` its answer, within `withinMs`; the last answer either way. */
async function readinessUntil(
  receiver: TestReceiver,
  matches: (answer: { status: number; json: Record<string, unknown> }) => boolean,
  withinMs: number,
) {
  const deadline = performance.now() + withinMs;
  for (;;) {
    const answer = await readiness(receiver);
    if (matches(answer) || performance.now() > deadline) return answer;
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

async function deliver(receiver: TestReceiver): Promise<{ status: number; json: Record<string, unknown> }> {
  const { contentType, body } = deliveryBody('order_confirm');
  const response = await fetch(receiver.baseUrl + receiver.path('demo', 'order_confirm'), {
    method: 'POST',
    body: new Uint8Array(body),
    headers: { 'content-type': contentType },
  });
  return { status: response.status, json: (await response.json()) as Record<string, unknown> };
}

const READ_ONLY_MESSAGE =
  /^The event store cannot store a delivery now \(PostgreSQL accepts only reads on this connection \(transaction_read_only is on: a hot standby, or default_transaction_read_only set\); point DATABASE_URL at the primary\): deliveries are answered 503 until it can/;

describe('/readyz on a receiver whose PostgreSQL sessions turn read-only (a standby after failover)', () => {
  const role = uniqueSchemaName('srhooks_ro');
  const schema = uniqueSchemaName('rdyro');
  let receiver: TestReceiver | undefined;
  afterAll(async () => {
    await receiver?.close();
    await dropSchema(schema);
    await terminateBackendsOf(role);
    await withTestDatabase(async (client) => {
      await client.query(`DROP OWNED BY "${role}"`).catch(() => {});
      await client.query(`DROP ROLE IF EXISTS "${role}"`);
    });
  });

  it('is red with the read-only wording and deliveries are answered 503 while the sessions are read-only; green again after', async () => {
    await withTestDatabase(async (client) => {
      await client.query(`CREATE ROLE "${role}" LOGIN`);
      await client.query(`CREATE SCHEMA "${schema}" AUTHORIZATION "${role}"`);
    });
    const url = new URL(TEST_DATABASE_URL);
    url.username = role;
    url.password = '';
    receiver = await startTestReceiver({
      databaseUrl: url.toString(),
      databaseSchema: schema,
      logLevel: 'fatal',
    });
    expect((await readinessUntil(receiver, (answer) => answer.status === 200, 10_000)).status).toBe(200);
    expect((await deliver(receiver)).status).toBe(200);

    await withTestDatabase((client) =>
      client.query(`ALTER ROLE "${role}" SET default_transaction_read_only = on`),
    );
    await terminateBackendsOf(role);
    const red = await readinessUntil(
      receiver,
      (answer) => READ_ONLY_MESSAGE.test(String((answer.json.error as { message?: unknown })?.message)),
      15_000,
    );
    expect(red).toEqual({
      status: 503,
      json: {
        ok: false,
        error: { code: 'store_unavailable', message: expect.stringMatching(READ_ONLY_MESSAGE) },
        store: 'postgres',
      },
    });
    const refused = await deliver(receiver);
    expect(refused.status).toBe(503);
    expect(refused.json).toMatchObject({ ok: false, error: { code: 'store_unavailable' } });

    await withTestDatabase((client) =>
      client.query(`ALTER ROLE "${role}" RESET default_transaction_read_only`),
    );
    await terminateBackendsOf(role);
    const green = await readinessUntil(receiver, (answer) => answer.status === 200, 15_000);
    expect(green).toEqual({ status: 200, json: { ok: true, store: 'postgres' } });
    expect((await deliver(receiver)).status).toBe(200);
  });
});
