/**
 * Store outage with the delivery spool on (PostgreSQL mode): as `store-outage`, the receiver (child
 * process, its own schema) reaches PostgreSQL through a fault-injecting TCP proxy this test owns, and
 * mid-load the proxy refuses new connections and cuts the open ones — but the receiver runs with
 * SRHOOKS_SPOOL_DIR. Halfway through the outage the receiver is killed (`kill -9`) with deliveries in its
 * spool; it is started again (on the same spool folder) once the proxy forwards again, and drains them.
 * The generator re-sends whatever got no 2xx (here: only what the kill cut off or refused). Then:
 * - no delivery is answered 503: during the outage every authentic delivery is spooled and acknowledged;
 * - every acknowledged order is in the schema exactly once as new, every acknowledged delivery id is
 *   stored, and the spool is empty (what the killed process spooled was drained by the next one);
 * - nothing but the kill cut a request off (no other 5xx, no timeout).
 *
 * The machine's PostgreSQL itself is never touched. The outage lasts SRHOOKS_RELIABILITY_SPOOL_OUTAGE_MS
 * (default 8 s).
 */
import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { freePort } from '@srhooks/sandbox';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { TEST_DATABASE_URL } from '../src/test-support/postgres-schema.js';
import { TcpProxy } from '../src/test-support/tcp-proxy.js';
import { printFigures } from './support/figures.js';
import { formatOutcomes, type LoadResult, runLoad } from './support/load-generator.js';
import { orderDeliveries } from './support/order-deliveries.js';
import { ReceiverProcess } from './support/receiver-process.js';
import { type ScenarioDir, scenarioDir } from './support/scenario-dir.js';
import { RELIABILITY_SECRET } from './support/secrets.js';
import { scenarioSeed, seededRandom } from './support/seeded-random.js';
import {
  ackFigures,
  compareAcks,
  dropSchema,
  readPostgresStore,
  type StoredFigures,
  storedDeliveryIds,
} from './support/store-inspection.js';
import { sleep, waitUntil } from './support/wait-until.js';

const SHOP = 'spool-shop';
const DATABASE_URL = TEST_DATABASE_URL;
const OUTAGE_MS = Number(process.env.SRHOOKS_RELIABILITY_SPOOL_OUTAGE_MS ?? 8000);
const DELIVERIES = 1500;
const CONCURRENCY = 4;
const PACE_MS = 10;

interface Timeline {
  stopped: number;
  killed: number;
  downUntil: number;
  restarted: number;
}

describe('spool outage: PostgreSQL unreachable under load, the receiver spools; kill -9 in the outage', () => {
  const seed = scenarioSeed();
  const random = seededRandom(seed);
  const schema = `rel_spool_${process.pid}_${seed.toString(36)}`;
  let dir: ScenarioDir;
  let spoolDir: string;
  let receiver: ReceiverProcess;
  let load: LoadResult;
  let stored: StoredFigures;
  let storedIds: Set<string>;
  let timeline: Timeline | null = null;
  let outageError: unknown = null;
  let spooledAtKill = 0;
  let readyAfter: Record<string, unknown> = {};
  let stopAtAck = 0;
  let failed = false;
  const proxy = new TcpProxy(new URL(DATABASE_URL).port ? Number(new URL(DATABASE_URL).port) : 5432);

  const spoolFiles = () => readdirSync(spoolDir).filter((name) => name.endsWith('.delivery'));

  beforeAll(async () => {
    const proxyPort = await proxy.start();
    const proxiedUrl = new URL(DATABASE_URL);
    proxiedUrl.hostname = '127.0.0.1';
    proxiedUrl.port = String(proxyPort);
    dir = scenarioDir('spool');
    spoolDir = join(dir.path, 'spool');
    receiver = await ReceiverProcess.start({
      dir: dir.path,
      port: await freePort(),
      env: {
        SRHOOKS_SECRETS: RELIABILITY_SECRET,
        DATABASE_URL: proxiedUrl.toString(),
        SRHOOKS_DB_SCHEMA: schema,
        SRHOOKS_SPOOL_DIR: spoolDir,
        SRHOOKS_STORE_TIMEOUT_MS: '2000',
        LOG_LEVEL: 'info',
      },
    });
    const deliveries = orderDeliveries({
      shop: SHOP,
      secret: RELIABILITY_SECRET,
      count: DELIVERIES,
      firstInnerId: 3_000_000,
      seed,
    });
    stopAtAck = random.int(200, 500);
    let outage: Promise<void> | null = null;
    const cutStoreAndKill = async () => {
      let stopped = 0;
      let killed = 0;
      try {
        await proxy.stop();
        stopped = Date.now();
        await sleep(OUTAGE_MS / 2);
        await receiver.kill9();
        killed = Date.now();
        spooledAtKill = spoolFiles().length;
        await sleep(OUTAGE_MS / 2);
      } catch (error) {
        outageError = error;
      } finally {
        const downUntil = Date.now();
        await proxy.start();
        try {
          await receiver.launch();
        } catch (error) {
          outageError ??= error;
        }
        timeline = { stopped, killed, downUntil, restarted: Date.now() };
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
          if (acked === stopAtAck && !outage) outage = cutStoreAndKill();
        },
      });
    } finally {
      await (outage ?? Promise.resolve());
    }
    // the restarted receiver drains what the killed one spooled: the spool empties, /readyz says so
    await waitUntil(async () => {
      const response = await fetch(`${receiver.baseUrl}/readyz`).catch(() => null);
      if (response?.status !== 200) return false;
      readyAfter = (await response.json()) as Record<string, unknown>;
      return (readyAfter.spool as { deliveries?: number } | undefined)?.deliveries === 0;
    }, 30_000);
    await receiver.stop();
    stored = await readPostgresStore(DATABASE_URL, schema, SHOP);
    storedIds = await storedDeliveryIds(DATABASE_URL, schema);
  }, OUTAGE_MS + 180_000);

  afterAll(async () => {
    await receiver?.stop();
    await proxy.stop();
    await dropSchema(DATABASE_URL, schema);
    dir?.remove(failed);
  });

  function spooledLines(): number {
    return receiver
      .logRecords()
      .filter((record) => String(record.msg).startsWith('store unavailable: delivery spooled')).length;
  }

  it('prints its figures', () => {
    const comparison = compareAcks(load.acked.keys(), stored);
    printFigures('spool-outage', {
      seed,
      ...ackFigures(load, stored, comparison),
      outageMs: timeline ? timeline.downUntil - timeline.stopped : 0,
      stoppedAtAck: stopAtAck,
      spooled: spooledLines(),
      spooledAtKill,
      ackedDuringOutage: [...load.acked.values()].filter(
        (ack) => timeline && ack.at > timeline.stopped && ack.at < timeline.killed,
      ).length,
      answers: formatOutcomes(load.outcomes),
      seconds: load.seconds.toFixed(1),
    });
    expect(outageError).toBeNull();
    expect(timeline?.stopped).toBeGreaterThan(0);
    expect(timeline?.killed).toBeGreaterThan(0);
  });

  it('answers every authentic delivery 200 during the outage: no 503, nothing but the kill cuts a request off', () => {
    failed ||= (load.outcomes['503'] ?? 0) > 0;
    expect(load.outcomes['503'] ?? 0).toBe(0);
    expect(Object.keys(load.outcomes).filter((key) => Number(key) >= 500)).toEqual([]);
    expect(load.outcomes.timeout ?? 0).toBe(0);
    expect(load.unacked).toEqual([]);
    // acknowledged while PostgreSQL was unreachable: spooled
    if (!timeline) throw new Error('the outage did not happen');
    const { stopped, killed } = timeline;
    expect(
      [...load.acked.values()].filter((ack) => ack.at > stopped + 500 && ack.at < killed).length,
    ).toBeGreaterThan(0);
    expect(spooledLines()).toBeGreaterThan(0);
  });

  it('stores every acknowledged order exactly once, under the acknowledged delivery id, and empties the spool', () => {
    const comparison = compareAcks(load.acked.keys(), stored);
    failed ||= comparison.lost.length > 0 || comparison.doubled.length > 0;
    expect(comparison.lost).toEqual([]);
    expect(comparison.doubled).toEqual([]);
    expect(stored.orders.size).toBe(DELIVERIES);
    const missingIds = [...load.acked.values()]
      .map((ack) => ack.deliveryId)
      .filter((id): id is string => id !== null && !storedIds.has(id));
    expect(missingIds).toEqual([]);
    // the killed receiver left deliveries in its spool; the restarted one drained them
    expect(spooledAtKill).toBeGreaterThan(0);
    expect(receiver.pids).toHaveLength(2);
    expect(spoolFiles()).toEqual([]);
    expect(readyAfter).toMatchObject({ ok: true, spool: { deliveries: 0, bytes: 0 } });
  });
});
