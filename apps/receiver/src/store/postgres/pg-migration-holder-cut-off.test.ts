/**
 * Two receivers starting together on one schema: the one migrating is cut off from PostgreSQL silently (its
 * host loses the network, a NAT or firewall drops the flow: nothing reaches the server, not even its exit).
 * The server kept its session — idle in the migration's transaction, holding the migration lock — until its
 * TCP keepalive gave up (about two hours), and the other receiver waited for the lock all that time
 * ("another receiver holds this PostgreSQL store's migration lock"), not starting. The migrating session now
 * has an idle limit (`idle_in_transaction_session_timeout`, `idle_session_timeout`) and talks while it holds
 * the lock: the server ends it once it falls silent, rolling the version back and freeing the lock, and the
 * other receiver applies the version.
 *
 * Receiver A reaches PostgreSQL through a proxy this test owns (`freeze`: open connections hang for good);
 * B connects directly. Real PostgreSQL, a schema of its own.
 */
import pg from 'pg';
import { afterAll, expect, it } from 'vitest';
import { TEST_DATABASE_URL, testSchemas } from '../../test-support/postgres-schema.js';
import { TcpProxy } from '../../test-support/tcp-proxy.js';
import { applyPgMigrations, type Migration } from './pg-migrations.js';

const schema = testSchemas('srhooks_mig_cut')();
const proxy = new TcpProxy(Number(new URL(TEST_DATABASE_URL).port || 5432));
const clients: pg.Client[] = [];
afterAll(async () => {
  await proxy.stop();
  await Promise.allSettled(clients.map((client) => client.end()));
});

const MIGRATIONS: Migration[] = [
  // Long enough for the cut to come while it runs, in the version's transaction.
  { version: 1, name: 'a slow version', sql: 'CREATE TABLE cut_off_marker (x int); SELECT pg_sleep(1.5);' },
];

async function connect(url: string): Promise<pg.Client> {
  const client = new pg.Client({ connectionString: url, options: `-c search_path=${schema}` });
  client.on('error', () => {});
  clients.push(client);
  await client.connect();
  return client;
}

it('frees the migration lock once the migrating receiver fell silent, and the other one migrates', async () => {
  const viaProxy = new URL(TEST_DATABASE_URL);
  viaProxy.port = String(await proxy.start());
  const a = await connect(viaProxy.toString());
  const b = await connect(TEST_DATABASE_URL);

  let versionStarted = () => {};
  const started = new Promise<void>((resolve) => (versionStarted = resolve));
  const aMigrates = applyPgMigrations(a, schema, MIGRATIONS, {
    lockIdleTimeoutMs: 2000,
    onProgress: (progress) => {
      if (progress.step === 'version') versionStarted();
    },
  }).catch((error: unknown) => error);
  await started;
  await new Promise((resolve) => setTimeout(resolve, 500)); // inside the version's pg_sleep
  proxy.freeze();

  const waitedFrom = Date.now();
  const bMigrates = applyPgMigrations(b, schema, MIGRATIONS, { lockIdleTimeoutMs: 2000 });
  const outcome = await Promise.race([
    bMigrates,
    new Promise<'still waiting'>((resolve) => setTimeout(() => resolve('still waiting'), 25_000)),
  ]);
  expect(outcome).toEqual([1]);
  expect(Date.now() - waitedFrom).toBeLessThan(15_000);
  const { rows } = await b.query<{ version: number }>('SELECT version FROM schema_migrations');
  expect(rows.map((row) => row.version)).toEqual([1]);

  await proxy.stop(); // A's connection ends on this side too
  expect(await aMigrates).toBeInstanceOf(Error);
  await bMigrates;
});
