/**
 * Crash: 10,000 real-format order deliveries at full speed against the receiver (child process,
 * SQLite, a `forward` handler to a local counting target); `kill -9` at a random moment, restart on
 * the same file and port; the generator re-sends only what got no 2xx. Then:
 * - every delivery that got a 2xx is in the store (lost = 0), and no order is stored twice as new;
 * - every stored order is handled exactly once at the forward target (duplicates = 0: no order under
 *   two webhook-ids; a re-sent webhook-id is counted as `resent`, which the id makes harmless).
 *
 * Reproduce a run with SRHOOKS_RELIABILITY_SEED=<seed from the figures line>.
 */

import { freePort } from '@srhooks/sandbox';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { printFigures } from './support/figures.js';
import { ForwardTarget } from './support/forward-target.js';
import { formatOutcomes, type LoadResult, runLoad } from './support/load-generator.js';
import { orderDeliveries } from './support/order-deliveries.js';
import { ReceiverProcess } from './support/receiver-process.js';
import { type ScenarioDir, scenarioDir } from './support/scenario-dir.js';
import { FORWARD_SECRET, RELIABILITY_ADMIN_TOKEN, RELIABILITY_SECRET } from './support/secrets.js';
import { scenarioSeed, seededRandom } from './support/seeded-random.js';
import { ackFigures, compareAcks, readSqliteStore, type StoredFigures } from './support/store-inspection.js';
import { sleep, waitUntil } from './support/wait-until.js';

const SHOP = 'crash-shop';
const DELIVERIES = Number(process.env.SRHOOKS_RELIABILITY_CRASH_COUNT ?? 10_000);
const CONCURRENCY = 32;
/** A job that was running at the kill is taken over when its lease expires (5 s here, 60 s by default). */
const JOB_LEASE_MS = 5_000;
const HANDLING_TIMEOUT_MS = 100_000;
/** No job claimed this long after the load: the receiver runs no worker. */
const NO_PROCESSING_AFTER_MS = 15_000;

describe('crash: kill -9 under full load, restart, re-send what was not acknowledged', () => {
  const seed = scenarioSeed();
  const random = seededRandom(seed);
  let dir: ScenarioDir;
  let target: ForwardTarget;
  let receiver: ReceiverProcess | null = null;
  let load: LoadResult;
  let stored: StoredFigures;
  let killedAtAck = 0;
  let killDelayMs = 0;
  let downMs = 0;
  let handlingSettled = false;
  let processingSeen = false;
  let failed = false;

  beforeAll(async () => {
    dir = scenarioDir('crash');
    target = await ForwardTarget.start(FORWARD_SECRET);
    const port = await freePort();
    const dbFile = dir.file('srhooks.db');
    receiver = await ReceiverProcess.start({
      dir: dir.path,
      port,
      env: {
        SRHOOKS_SECRETS: RELIABILITY_SECRET,
        SRHOOKS_ADMIN_TOKEN: RELIABILITY_ADMIN_TOKEN,
        SRHOOKS_DB: dbFile,
        SRHOOKS_JOB_LEASE_MS: String(JOB_LEASE_MS),
        LOG_LEVEL: 'warn',
      },
      config: {
        shops: [{ name: SHOP, handlers: ['counting-target'] }],
        handlers: {
          'counting-target': {
            type: 'forward',
            url: target.url,
            secret: FORWARD_SECRET,
            allowPrivateTargets: true,
            concurrency: 16,
          },
        },
      },
    });

    const deliveries = orderDeliveries({
      shop: SHOP,
      secret: RELIABILITY_SECRET,
      count: DELIVERIES,
      firstInnerId: 1_000_000,
      seed,
    });
    killedAtAck = random.int(Math.floor(DELIVERIES * 0.2), Math.floor(DELIVERIES * 0.7));
    // not in step with an answer: a few ms after the chosen acknowledgement, mid-request or mid-commit
    killDelayMs = random.int(0, 25);
    downMs = random.int(200, 1500);
    const running = receiver;
    let crash: Promise<void> | null = null;
    load = await runLoad({
      baseUrl: running.baseUrl,
      deliveries,
      concurrency: CONCURRENCY,
      retryDelayMs: 50,
      deadlineMs: 90_000,
      onAck: (acked) => {
        if (acked !== killedAtAck || crash) return;
        crash = (async () => {
          await sleep(killDelayMs);
          await running.kill9();
          await sleep(downMs);
          await running.launch();
        })();
      },
    });
    await (crash ?? Promise.resolve());

    // Handling: wait until every job is final (succeeded/dead), or give up at the bound.
    const loadDone = Date.now();
    handlingSettled = await waitUntil(
      () => {
        const figures = readSqliteStore(dbFile, SHOP);
        if (target.attempts.length > 0) processingSeen = true;
        if (!processingSeen && Date.now() - loadDone > NO_PROCESSING_AFTER_MS) return true;
        return (figures.jobs.pending ?? 0) + (figures.jobs.running ?? 0) === 0;
      },
      HANDLING_TIMEOUT_MS,
      500,
    );
    await receiver.stop();
    stored = readSqliteStore(dbFile, SHOP);
  }, 300_000);

  afterAll(async () => {
    await receiver?.stop();
    await target?.close();
    dir?.remove(failed);
  });

  it('prints its figures', () => {
    const comparison = compareAcks(load.acked.keys(), stored);
    const handled = target.figures();
    printFigures('crash', {
      seed,
      ...ackFigures(load, stored, comparison),
      killedAtAck,
      killDelayMs,
      downMs,
      restarts: (receiver?.pids.length ?? 1) - 1,
      handled: handled.orders,
      duplicates: handled.duplicates,
      resent: handled.resent,
      badSignatures: handled.badSignatures,
      jobs: formatOutcomes(stored.jobs),
      answers: formatOutcomes(load.outcomes),
      seconds: load.seconds.toFixed(1),
    });
    expect(load.sent).toBe(DELIVERIES);
  });

  it('was killed once and restarted on the same store', () => {
    expect(receiver?.pids.length).toBe(2);
  });

  it('acknowledges every delivery in the end (re-sends succeed after the restart)', () => {
    failed ||= load.unacked.length > 0;
    expect(load.unacked).toEqual([]);
  });

  it('loses no acknowledged delivery and stores no order twice as new', () => {
    const comparison = compareAcks(load.acked.keys(), stored);
    failed ||= comparison.lost.length > 0 || comparison.doubled.length > 0;
    expect(comparison.lost).toEqual([]);
    expect(comparison.doubled).toEqual([]);
    expect(stored.deliveries.quarantined ?? 0).toBe(0);
    // every order the generator sent is stored (acked, or stored before the kill cut its answer)
    expect(stored.orders.size).toBe(DELIVERIES);
  });

  it('hands every stored order to the forward handler exactly once', () => {
    const handled = target.figures();
    if (!processingSeen) {
      failed = true;
      throw new Error(
        `no job was handled within ${NO_PROCESSING_AFTER_MS / 1000} s after the load (jobs: ${formatOutcomes(stored.jobs)}): ` +
          'the receiver started by dist/main.js runs no job worker, so events are stored but never forwarded',
      );
    }
    failed ||= !handlingSettled || handled.duplicates > 0;
    expect(
      handlingSettled,
      `jobs still open after ${HANDLING_TIMEOUT_MS / 1000} s: ${formatOutcomes(stored.jobs)}`,
    ).toBe(true);
    expect(handled.badSignatures).toBe(0);
    expect(handled.duplicates).toBe(0);
    expect(stored.jobs.succeeded).toBe(stored.orders.size);
    const unhandled = [...stored.orders.keys()].filter((id) => !target.handledOrders.has(id));
    expect(unhandled).toEqual([]);
    expect(handled.orders).toBe(stored.orders.size);
  });
});
