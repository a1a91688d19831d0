/**
 * Store unreachable at start (PostgreSQL mode, spool on): the built receiver (child process, its own
 * schema) is started while the fault-injecting TCP proxy in front of PostgreSQL refuses connections — a
 * deploy, crash or reboot during a store outage. It must listen anyway and spool; load keeps coming
 * (400 deliveries spread over ~8 s, 4 connections); after SRHOOKS_RELIABILITY_DOWN_START_MS (default 4 s)
 * the proxy forwards, the full receiver takes over the same socket in the same process and drains the
 * spool. Then:
 * - no delivery is refused or answered 503 at any time: every first send is acknowledged (no re-send);
 * - lost = 0: every acknowledged order is in the schema exactly once as new, under its delivery id;
 * - the spool is empty, `/readyz` was 503 while spooling and is 200 after, and one pid served throughout.
 *
 * The machine's PostgreSQL itself is never touched.
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
import { ReadinessProbe } from './support/readiness-probe.js';
import { ReceiverProcess } from './support/receiver-process.js';
import { type ScenarioDir, scenarioDir } from './support/scenario-dir.js';
import { RELIABILITY_SECRET } from './support/secrets.js';
import { scenarioSeed } from './support/seeded-random.js';
import {
  ackFigures,
  compareAcks,
  dropSchema,
  readPostgresStore,
  type StoredFigures,
  storedDeliveryIds,
} from './support/store-inspection.js';
import { sleep, waitUntil } from './support/wait-until.js';

const SHOP = 'down-start-shop';
const DATABASE_URL = TEST_DATABASE_URL;
const DOWN_MS = Number(process.env.SRHOOKS_RELIABILITY_DOWN_START_MS ?? 4000);
const DELIVERIES = 400;
const CONCURRENCY = 4;
const SPREAD_MS = 2 * DOWN_MS;

describe('store down at start: the receiver listens anyway, spools, and takes the store over in the same process', () => {
  const seed = scenarioSeed();
  const schema = `rel_downstart_${process.pid}_${seed.toString(36)}`;
  let dir: ScenarioDir;
  let spoolDir: string;
  let receiver: ReceiverProcess;
  let probe: ReadinessProbe;
  let load: LoadResult;
  let stored: StoredFigures;
  let storedIds: Set<string>;
  let startedAt = 0;
  let forwardedAt = 0;
  let spooledBeforeForward = 0;
  let pidAfter: number | null = null;
  let aliveAfter = false;
  let readyAfter: Record<string, unknown> = {};
  let failed = false;
  const proxy = new TcpProxy(new URL(DATABASE_URL).port ? Number(new URL(DATABASE_URL).port) : 5432);

  const spoolFiles = () => readdirSync(spoolDir).filter((name) => name.endsWith('.delivery'));

  beforeAll(async () => {
    const proxyPort = await proxy.start();
    await proxy.stop(); // refuses on its port from now on: PostgreSQL is unreachable
    const proxiedUrl = new URL(DATABASE_URL);
    proxiedUrl.hostname = '127.0.0.1';
    proxiedUrl.port = String(proxyPort);
    dir = scenarioDir('down-start');
    spoolDir = join(dir.path, 'spool');
    startedAt = Date.now();
    receiver = await ReceiverProcess.start({
      dir: dir.path,
      port: await freePort(),
      env: {
        SRHOOKS_SECRETS: RELIABILITY_SECRET,
        DATABASE_URL: proxiedUrl.toString(),
        SRHOOKS_DB_SCHEMA: schema,
        SRHOOKS_SPOOL_DIR: spoolDir,
        LOG_LEVEL: 'info',
      },
    });
    probe = new ReadinessProbe(receiver.baseUrl);
    const deliveries = orderDeliveries({
      shop: SHOP,
      secret: RELIABILITY_SECRET,
      count: DELIVERIES,
      firstInnerId: 4_000_000,
      seed,
    });
    const forward = (async () => {
      await sleep(DOWN_MS);
      spooledBeforeForward = spoolFiles().length;
      await proxy.start();
      forwardedAt = Date.now();
    })();
    try {
      load = await runLoad({
        baseUrl: receiver.baseUrl,
        deliveries,
        concurrency: CONCURRENCY,
        retryDelayMs: 200,
        spreadOverMs: SPREAD_MS,
        deadlineMs: SPREAD_MS + 60_000,
      });
    } finally {
      await forward;
    }
    await waitUntil(async () => {
      const response = await fetch(`${receiver.baseUrl}/readyz`).catch(() => null);
      if (response?.status !== 200) return false;
      readyAfter = (await response.json()) as Record<string, unknown>;
      return (readyAfter.spool as { deliveries?: number } | undefined)?.deliveries === 0;
    }, 60_000);
    await probe.stop();
    pidAfter = receiver.pid;
    aliveAfter = receiver.alive;
    await receiver.stop();
    stored = await readPostgresStore(DATABASE_URL, schema, SHOP);
    storedIds = await storedDeliveryIds(DATABASE_URL, schema);
  }, SPREAD_MS + 150_000);

  afterAll(async () => {
    await probe?.stop();
    await receiver?.stop();
    await proxy.stop();
    await dropSchema(DATABASE_URL, schema);
    dir?.remove(failed);
  });

  const logged = (start: string) =>
    receiver.logRecords().filter((record) => String(record.msg).startsWith(start));

  it('prints its figures', () => {
    const comparison = compareAcks(load.acked.keys(), stored);
    const takenOver = logged('store reachable: the full receiver took over')[0];
    printFigures('store-down-start', {
      seed,
      ...ackFigures(load, stored, comparison),
      downMs: forwardedAt - startedAt,
      spooledBeforeForward,
      takeOverMs: takenOver ? Number(takenOver.time) - forwardedAt : -1,
      answers: formatOutcomes(load.outcomes),
      seconds: load.seconds.toFixed(1),
    });
    expect(forwardedAt).toBeGreaterThan(0);
  });

  it('listens from the start and refuses no delivery at any time: every first send is answered 200', () => {
    failed ||= Object.keys(load.outcomes).some((key) => key !== '200');
    expect(logged('store unreachable at start')).toHaveLength(1);
    expect(load.outcomes).toEqual({ '200': DELIVERIES });
    expect(load.requests).toBe(DELIVERIES);
    expect(load.unacked).toEqual([]);
    // spooled before the store was reachable, stored after: both phases took load
    expect(spooledBeforeForward).toBeGreaterThan(0);
    expect([...load.acked.values()].filter((ack) => ack.at > forwardedAt + 1000).length).toBeGreaterThan(0);
  });

  it('was not ready while spooling, is ready after, in one process that never restarted', () => {
    const before = probe.between(startedAt, forwardedAt);
    expect(before.length).toBeGreaterThan(0);
    expect(before.every((sample) => sample.status === 503)).toBe(true);
    expect(probe.samples.at(-1)?.status).toBe(200);
    expect(logged('store reachable: the full receiver took over')).toHaveLength(1);
    expect(receiver.pids).toHaveLength(1);
    expect(pidAfter).toBe(receiver.pids[0]);
    expect(aliveAfter).toBe(true);
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
    expect(spoolFiles()).toEqual([]);
    expect(readyAfter).toMatchObject({ ok: true, spool: { deliveries: 0, bytes: 0 } });
  });
});
