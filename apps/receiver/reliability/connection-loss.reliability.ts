/**
 * PostgreSQL connections lost under load (issue #14 §1-2): the built receiver (child process, its own
 * schema, a `forward` handler posting to a local target) takes ~150 deliveries/s while its backends
 * are terminated again and again with `pg_terminate_backend` (only this run's: the connection string
 * gives them an application_name of their own), then its connections are cut again and again through
 * a TCP proxy the test owns. PostgreSQL itself stays up. Then:
 * - the same process is still running (a pg client 'error' without a listener used to end it);
 * - `/readyz` is green again by itself; a delivery sent afterwards is stored;
 * - every acknowledged order is stored, none twice; every job finishes (none stays `running` past its
 *   lease) and every stored order reaches the target.
 */
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { TEST_DATABASE_URL } from '../src/test-support/postgres-schema.js';
import { TcpProxy } from '../src/test-support/tcp-proxy.js';
import { printFigures } from './support/figures.js';
import { ForwardTarget } from './support/forward-target.js';
import { freePort } from './support/free-port.js';
import { formatOutcomes, type LoadResult, runLoad } from './support/load-generator.js';
import { orderDeliveries } from './support/order-deliveries.js';
import { ReadinessProbe } from './support/readiness-probe.js';
import { ReceiverProcess } from './support/receiver-process.js';
import { type ScenarioDir, scenarioDir } from './support/scenario-dir.js';
import { FORWARD_SECRET, RELIABILITY_SECRET } from './support/secrets.js';
import { scenarioSeed } from './support/seeded-random.js';
import { compareAcks, readPostgresStore, type StoredFigures } from './support/store-inspection.js';
import { sleep, waitUntil } from './support/wait-until.js';

const SHOP = 'loss-shop';
const DELIVERIES = 2000;
const CONCURRENCY = 8;
const PACE_MS = 50;
const ROUNDS = 10;
const ROUND_MS = 700;
const LEASE_MS = 3000;

async function withAdmin<T>(work: (client: pg.Client) => Promise<T>): Promise<T> {
  const client = new pg.Client({ connectionString: TEST_DATABASE_URL });
  await client.connect();
  try {
    return await work(client);
  } finally {
    await client.end();
  }
}

/** Why deliveries got 503, from the receiver's log: error message → count. */
function notStoredReasons(receiver: ReceiverProcess): Record<string, number> {
  const reasons: Record<string, number> = {};
  for (const record of receiver.logRecords()) {
    if (record.msg !== 'delivery not stored: store unavailable') continue;
    const message = String((record.err as { message?: unknown } | undefined)?.message ?? '?').slice(0, 80);
    reasons[message] = (reasons[message] ?? 0) + 1;
  }
  return reasons;
}

describe('PostgreSQL connections terminated and cut under load with a forward handler', () => {
  const seed = scenarioSeed();
  const schema = `rel_loss_${process.pid}_${seed.toString(36)}`;
  const applicationName = `srhooks_rel_loss_${process.pid}_${seed.toString(36)}`;
  const proxy = new TcpProxy(Number(new URL(TEST_DATABASE_URL).port || 5432));
  let dir: ScenarioDir;
  let target: ForwardTarget;
  let receiver: ReceiverProcess;
  let probe: ReadinessProbe;
  let load: LoadResult;
  let stored: StoredFigures;
  let terminated = 0;
  let cuts = 0;
  let aliveAfterFaults = false;
  let readyAfter = false;
  let ackedAfterFaults = false;
  let jobsSettled = false;
  let overdueRunning = -1;
  let failed = false;

  beforeAll(async () => {
    const url = new URL(TEST_DATABASE_URL);
    url.hostname = '127.0.0.1';
    url.port = String(await proxy.start());
    url.searchParams.set('application_name', applicationName);
    dir = scenarioDir('loss');
    target = await ForwardTarget.start(FORWARD_SECRET);
    receiver = await ReceiverProcess.start({
      dir: dir.path,
      port: await freePort(),
      env: {
        SRHOOKS_SECRETS: RELIABILITY_SECRET,
        DATABASE_URL: url.toString(),
        SRHOOKS_DB_SCHEMA: schema,
        SRHOOKS_JOB_LEASE_MS: String(LEASE_MS),
        LOG_LEVEL: 'warn',
      },
      config: {
        shops: [{ name: SHOP, handlers: ['erp'] }],
        handlers: {
          erp: { type: 'forward', url: target.url, secret: FORWARD_SECRET, allowPrivateTargets: true },
        },
      },
    });
    probe = new ReadinessProbe(receiver.baseUrl);
    const deliveries = orderDeliveries({
      shop: SHOP,
      secret: RELIABILITY_SECRET,
      count: DELIVERIES,
      firstInnerId: 5_000_000,
      seed,
    });
    let stop = false;
    const faults = (async () => {
      await sleep(1000);
      for (let round = 0; round < ROUNDS; round++) {
        terminated += await withAdmin(async (client) => {
          const result = await client.query(
            'SELECT count(*) FILTER (WHERE pg_terminate_backend(pid))::int AS n FROM pg_stat_activity WHERE application_name = $1',
            [applicationName],
          );
          return (result.rows[0] as { n: number }).n;
        });
        await sleep(ROUND_MS);
      }
      for (let round = 0; round < ROUNDS; round++) {
        cuts += proxy.openSockets > 0 ? 1 : 0;
        proxy.cut();
        await sleep(ROUND_MS);
      }
      stop = true;
    })();
    const loadDone = runLoad({
      baseUrl: receiver.baseUrl,
      deliveries,
      concurrency: CONCURRENCY,
      retryDelayMs: 200,
      paceMs: PACE_MS,
      deadlineMs: 40_000,
      onAck: () => {
        if (stop && !ackedAfterFaults) ackedAfterFaults = true;
      },
    });
    await faults;
    aliveAfterFaults = receiver.alive;
    readyAfter = await waitUntil(() => probe.samples.at(-1)?.status === 200, 10_000);
    load = await loadDone;
    const jobsDone = async () => {
      const figures = await readPostgresStore(TEST_DATABASE_URL, schema, SHOP);
      return figures.jobs.succeeded === figures.orders.size && (figures.jobs.running ?? 0) === 0;
    };
    const deadline = Date.now() + 3 * LEASE_MS + 10_000;
    while (!jobsSettled && Date.now() < deadline) {
      jobsSettled = await jobsDone();
      if (!jobsSettled) await sleep(250);
    }
    overdueRunning = await withAdmin(async (client) => {
      const result = await client.query(
        `SELECT count(*)::int AS n FROM "${schema}".jobs WHERE status = 'running' AND lease_expires_at < now() - interval '1 second'`,
      );
      return (result.rows[0] as { n: number }).n;
    });
    await probe.stop();
    stored = await readPostgresStore(TEST_DATABASE_URL, schema, SHOP);
  }, 90_000);

  afterAll(async () => {
    await probe?.stop();
    await receiver?.stop();
    await target?.close();
    await proxy.stop();
    await withAdmin((client) => client.query(`DROP SCHEMA IF EXISTS "${schema}" CASCADE`)).catch(() => {});
    dir?.remove(failed);
  });

  it('prints its figures', () => {
    const comparison = compareAcks(load.acked.keys(), stored);
    printFigures('connection-loss', {
      seed,
      sent: load.sent,
      acked: load.acked.size,
      stored: stored.orders.size,
      lost: comparison.lost.length,
      storedTwice: comparison.doubled.length,
      terminatedBackends: terminated,
      proxyCuts: cuts,
      jobs: JSON.stringify(stored.jobs),
      handledAtTarget: target.figures().orders,
      answers: formatOutcomes(load.outcomes),
      notStored: JSON.stringify(notStoredReasons(receiver)),
      seconds: load.seconds.toFixed(1),
    });
    expect(terminated).toBeGreaterThan(ROUNDS);
    expect(cuts).toBeGreaterThan(0);
  });

  it('keeps running and turns ready again by itself', () => {
    failed ||= !aliveAfterFaults || !readyAfter;
    expect(aliveAfterFaults).toBe(true);
    expect(receiver.pids).toHaveLength(1);
    expect(readyAfter).toBe(true);
    expect(ackedAfterFaults).toBe(true);
  });

  it('loses no acknowledged delivery and stores none twice', () => {
    const comparison = compareAcks(load.acked.keys(), stored);
    failed ||= comparison.lost.length > 0;
    expect(comparison.lost).toEqual([]);
    expect(comparison.doubled).toEqual([]);
    expect(load.unacked).toEqual([]);
  });

  it('costs no delivery while PostgreSQL itself is up: an ingest that lost its connection ran again', () => {
    expect(load.outcomes['503'] ?? 0).toBe(0);
  });

  it('finishes every job: none stays running past its lease, every order reaches the target once', () => {
    failed ||= !jobsSettled;
    expect(overdueRunning).toBe(0);
    expect(jobsSettled).toBe(true);
    const figures = target.figures();
    expect(figures.orders).toBe(stored.orders.size);
    expect(figures.duplicates).toBe(0);
  });
});
