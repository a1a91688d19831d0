/**
 * A receiver cut off from PostgreSQL silently (a NAT or firewall dropping the flow: nothing reaches the
 * server) in the middle of a transaction — a job's outcome written but its COMMIT never sent — left the
 * server holding that transaction open, and its row locks, until its TCP keepalive gave up (about two
 * hours). The job's lease ran out, but every other receiver's claim skipped the locked row: the job was not
 * taken over for hours. The store's sessions now have an idle-in-transaction limit
 * (`idle_in_transaction_session_timeout`, `idleInTransactionTimeoutMs`): the server ends such a session,
 * rolls the transaction back, and the job is taken over once its lease has run out.
 *
 * Instance A reaches PostgreSQL through a proxy this test owns (its replies delayed, then `freeze`: the open
 * connections hang for good); instance B connects directly. Real PostgreSQL, a schema of its own.
 */
import { afterAll, beforeAll, expect, it } from 'vitest';
import { TEST_DATABASE_URL, testSchemas } from '../../test-support/postgres-schema.js';
import { TcpProxy } from '../../test-support/tcp-proxy.js';
import { jsonDelivery } from '../test-support/store-contract.js';
import { PgStore } from './pg-store.js';

const schema = testSchemas('srhooks_tx_cut')();
const proxy = new TcpProxy(Number(new URL(TEST_DATABASE_URL).port || 5432));
let a: PgStore;
let b: PgStore;
const options = {
  schema,
  poolSize: 2,
  queryTimeoutMs: 2000,
  idleInTransactionTimeoutMs: 2000,
  shareChanges: false,
};

beforeAll(async () => {
  const viaProxy = new URL(TEST_DATABASE_URL);
  viaProxy.port = String(await proxy.start());
  a = new PgStore({ url: viaProxy.toString(), ...options });
  b = new PgStore({ url: TEST_DATABASE_URL, ...options });
  await b.migrate();
  await a.migrate();
});
afterAll(async () => {
  await proxy.stop();
  await Promise.race([
    Promise.allSettled([a?.close(), b?.close()]),
    new Promise((resolve) => setTimeout(resolve, 5000)),
  ]);
});

it("takes over a job whose worker was cut off inside its outcome's transaction, once the lease ran out", async () => {
  await b.ingest(
    jsonDelivery(),
    [{ dedupeKey: 'cut-1', subjectId: '1', payload: { innerId: '1' } }],
    ['erp'],
  );
  const [job] = await a.claimJobs({ workerId: 'worker-a', leaseMs: 1000, limit: 1 });
  if (!job) throw new Error('A claimed no job');

  // A writes the job's outcome; its replies trail by 400 ms, and the link goes silent after the UPDATE ran.
  proxy.delay(400, 'replies');
  const outcome = a.completeJob(job.id, { attempt: job.attempt }).catch((error: unknown) => error);
  await new Promise((resolve) => setTimeout(resolve, 600));
  proxy.freeze();

  const started = Date.now();
  let taken: Awaited<ReturnType<PgStore['claimJobs']>>[number] | undefined;
  while (!taken && Date.now() - started < 20_000) {
    [taken] = await b.claimJobs({ workerId: 'worker-b', leaseMs: 60_000, limit: 1 });
    if (!taken) await new Promise((resolve) => setTimeout(resolve, 250));
  }
  expect(taken?.id).toBe(job.id);
  expect(Date.now() - started).toBeLessThan(10_000);

  await proxy.stop();
  expect(await outcome).toBeInstanceOf(Error); // A never learnt of a commit
});
