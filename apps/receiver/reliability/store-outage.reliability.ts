/**
 * Store outage (PostgreSQL mode): the receiver (child process, its own schema) reaches PostgreSQL
 * through a fault-injecting TCP proxy that this test owns; mid-load the proxy refuses new
 * connections and cuts the open ones for 30 s (PostgreSQL is unreachable for the receiver, exactly
 * as when the server is down or the network is cut), then forwards again. The generator re-sends
 * whatever got no 2xx. Then:
 * - no acknowledged delivery is lost (every acked order is in the schema);
 * - /readyz is red while PostgreSQL is down and green again afterwards;
 * - the same receiver process recovers unattended (2xx again after PostgreSQL returns) and no request
 *   hangs (each is answered, 503 during the outage).
 *
 * The machine's PostgreSQL itself is never touched (other tests and other runs use it); the outage
 * lasts SRHOOKS_RELIABILITY_OUTAGE_MS (default 30 s).
 */

import { freePort } from '@srhooks/sandbox';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { TEST_DATABASE_URL } from '../src/test-support/postgres-schema.js';
import { TcpProxy } from '../src/test-support/tcp-proxy.js';
import { printFigures } from './support/figures.js';
import { formatOutcomes, type LoadResult, runLoad } from './support/load-generator.js';
import { orderDeliveries } from './support/order-deliveries.js';
import { ReadinessProbe } from './support/readiness-probe.js';
import { ReceiverProcess } from './support/receiver-process.js';
import { type ScenarioDir, scenarioDir } from './support/scenario-dir.js';
import { RELIABILITY_SECRET } from './support/secrets.js';
import { scenarioSeed, seededRandom } from './support/seeded-random.js';
import {
  ackFigures,
  compareAcks,
  readPostgresStore,
  type StoredFigures,
} from './support/store-inspection.js';
import { sleep, waitUntil } from './support/wait-until.js';

const SHOP = 'outage-shop';
const DATABASE_URL = TEST_DATABASE_URL;
const OUTAGE_MS = Number(process.env.SRHOOKS_RELIABILITY_OUTAGE_MS ?? 30_000);
const DELIVERIES = 3000;
const CONCURRENCY = 4;
/** ≈ CONCURRENCY / PACE_MS deliveries per second outside the outage, so the load spans it. */
const PACE_MS = 10;

interface Timeline {
  stopRequested: number;
  /** The proxy refuses connections and has cut the open ones from here on. */
  stopped: number;
  /** The proxy forwards again from here on. */
  downUntil: number;
  back: number;
}

async function dropSchema(schema: string): Promise<void> {
  const client = new pg.Client({ connectionString: DATABASE_URL });
  await client.connect();
  try {
    await client.query(`DROP SCHEMA IF EXISTS "${schema}" CASCADE`);
  } finally {
    await client.end();
  }
}

describe('store outage: PostgreSQL unreachable for 30 s under load', () => {
  const seed = scenarioSeed();
  const random = seededRandom(seed);
  const schema = `rel_outage_${process.pid}_${seed.toString(36)}`;
  let dir: ScenarioDir;
  let receiver: ReceiverProcess;
  let probe: ReadinessProbe;
  let load: LoadResult;
  let stored: StoredFigures;
  let timeline: Timeline | null = null;
  let outageError: unknown = null;
  let stopAtAck = 0;
  let failed = false;
  const proxy = new TcpProxy(new URL(DATABASE_URL).port ? Number(new URL(DATABASE_URL).port) : 5432);

  beforeAll(async () => {
    const proxyPort = await proxy.start();
    const proxiedUrl = new URL(DATABASE_URL);
    proxiedUrl.hostname = '127.0.0.1';
    proxiedUrl.port = String(proxyPort);
    dir = scenarioDir('outage');
    receiver = await ReceiverProcess.start({
      dir: dir.path,
      port: await freePort(),
      env: {
        SRHOOKS_SECRETS: RELIABILITY_SECRET,
        DATABASE_URL: proxiedUrl.toString(),
        SRHOOKS_DB_SCHEMA: schema,
        LOG_LEVEL: 'warn',
      },
    });
    probe = new ReadinessProbe(receiver.baseUrl);
    const deliveries = orderDeliveries({
      shop: SHOP,
      secret: RELIABILITY_SECRET,
      count: DELIVERIES,
      firstInnerId: 2_000_000,
      seed,
    });
    stopAtAck = random.int(300, 900);
    let outage: Promise<void> | null = null;
    const cutStore = async () => {
      const stopRequested = Date.now();
      let stopped = 0;
      try {
        await proxy.stop();
        stopped = Date.now();
        await sleep(OUTAGE_MS);
      } catch (error) {
        outageError = error;
      } finally {
        const downUntil = Date.now();
        await proxy.start();
        timeline = { stopRequested, stopped, downUntil, back: Date.now() };
      }
    };
    try {
      load = await runLoad({
        baseUrl: receiver.baseUrl,
        deliveries,
        concurrency: CONCURRENCY,
        retryDelayMs: 200,
        paceMs: PACE_MS,
        deadlineMs: OUTAGE_MS + 90_000,
        onAck: (acked) => {
          if (acked === stopAtAck && !outage) outage = cutStore();
        },
      });
    } finally {
      await (outage ?? Promise.resolve());
    }
    // readiness after the restart, then the final state of the schema
    await waitUntil(() => probe.samples.at(-1)?.status === 200, 15_000);
    await probe.stop();
    await receiver.stop();
    stored = await readPostgresStore(DATABASE_URL, schema, SHOP);
  }, OUTAGE_MS + 180_000);

  afterAll(async () => {
    await probe?.stop();
    await receiver?.stop();
    await proxy.stop();
    await dropSchema(schema).catch(() => {});
    dir?.remove(failed);
  });

  it('prints its figures', () => {
    const comparison = compareAcks(load.acked.keys(), stored);
    const during = timeline ? probe.between(timeline.stopped + 500, timeline.downUntil) : [];
    printFigures('store-outage', {
      seed,
      ...ackFigures(load, stored, comparison),
      outageMs: timeline ? timeline.downUntil - timeline.stopped : 0,
      stoppedAtAck: stopAtAck,
      readyzRed: during.filter((sample) => sample.status !== 200).length,
      readyzGreenDuringOutage: during.filter((sample) => sample.status === 200).length,
      ackedAfterRestart: [...load.acked.values()].filter((ack) => timeline && ack.at > timeline.back).length,
      answers: formatOutcomes(load.outcomes),
      seconds: load.seconds.toFixed(1),
    });
    expect(outageError).toBeNull();
    expect(timeline?.stopped).toBeGreaterThan(0);
  });

  it('loses no acknowledged delivery', () => {
    const comparison = compareAcks(load.acked.keys(), stored);
    failed ||= comparison.lost.length > 0;
    expect(comparison.lost).toEqual([]);
    expect(comparison.doubled).toEqual([]);
  });

  it('reports not-ready while PostgreSQL is down, ready before and after', () => {
    if (!timeline) throw new Error('the outage did not happen');
    const { stopRequested, stopped, downUntil } = timeline;
    const before = probe.samples.filter((sample) => sample.at < stopRequested);
    // from half a second after the stop (the store notices) until it was back
    const during = probe.between(stopped + 500, downUntil);
    expect(before.length).toBeGreaterThan(0);
    expect(before.filter((sample) => sample.status !== 200)).toEqual([]);
    expect(during.length).toBeGreaterThan(0);
    // every probe taken while it was down (after the store noticed) is red: 503, never a hang
    expect(during.filter((sample) => sample.status !== 503)).toEqual([]);
    expect(probe.samples.at(-1)?.status).toBe(200);
  });

  it('recovers unattended: the same process acknowledges again after PostgreSQL returns', () => {
    if (!timeline) throw new Error('the outage did not happen');
    const back = timeline.back;
    failed ||= load.unacked.length > 0;
    expect(receiver.pids).toHaveLength(1);
    expect(load.unacked).toEqual([]);
    expect([...load.acked.values()].filter((ack) => ack.at > back).length).toBeGreaterThan(0);
    // the store refused with 503 during the outage; no request hung until the client gave up
    expect(load.outcomes['503'] ?? 0).toBeGreaterThan(0);
    expect(load.outcomes.timeout ?? 0).toBe(0);
    expect(Object.keys(load.outcomes).filter((key) => Number(key) >= 500 && key !== '503')).toEqual([]);
    expect(stored.orders.size).toBe(DELIVERIES);
  });
});
