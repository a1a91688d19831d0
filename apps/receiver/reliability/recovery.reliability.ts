/**
 * Recovery under crash and load (FACTS.md §6):
 * - kill -9 mid-recovery: the sandbox holds 600 orders whose deliveries never reached the receiver;
 *   the receiver (child process, SQLite, a `forward` handler to a counting target) starts, its start-up
 *   pass is killed after its first pages, and it starts again on the same file. Every order is then
 *   stored exactly once as new (no gap: the watermark had not moved past what was read) and handled
 *   under one webhook-id (no double handling).
 * - the budget: recovering 2,000 orders while `webhooks sync` runs for the same shop in the same
 *   process makes zero 429s (one 3 requests/second window per shop and application).
 */
import { createShopRenterClient } from '@srhooks/client';
import { DEMO_CLIENT, freePort, type RunningSandbox, startSandbox } from '@srhooks/sandbox';
import { afterAll, describe, expect, it } from 'vitest';
import {
  type RecoveryScenario,
  SHOP as SCENARIO_SHOP,
  startRecoveryScenario,
} from '../src/recovery/test-support/recovery-scenario.js';
import { printFigures } from './support/figures.js';
import { ForwardTarget } from './support/forward-target.js';
import { ReceiverProcess } from './support/receiver-process.js';
import { type ScenarioDir, scenarioDir } from './support/scenario-dir.js';
import { FORWARD_SECRET, RELIABILITY_ADMIN_TOKEN, RELIABILITY_SECRET } from './support/secrets.js';
import { readSqliteStore } from './support/store-inspection.js';
import { sleep, waitUntil } from './support/wait-until.js';

const SHOP = 'demo';
const ORDERS = 600;

describe('recovery: kill -9 mid-pass, restart, no gap and no double handling', () => {
  let sandbox: RunningSandbox;
  let target: ForwardTarget;
  let dir: ScenarioDir;
  let receiver: ReceiverProcess | null = null;
  let failed = true;

  afterAll(async () => {
    await receiver?.stop();
    await target?.close();
    sandbox?.app.server.closeAllConnections();
    await sandbox?.close();
    dir?.remove(failed);
  });

  it('every missed order is stored once and handled once', { timeout: 120_000 }, async () => {
    sandbox = await startSandbox({ logger: false, rateLimit: { perSecond: 3 } });
    target = await ForwardTarget.start(FORWARD_SECRET);
    dir = scenarioDir('recovery-crash');
    for (let i = 0; i < ORDERS; i++) await sandbox.simulator.placeOrder(SHOP);
    const dbFile = dir.file('srhooks.db');
    const port = await freePort();
    receiver = await ReceiverProcess.start({
      dir: dir.path,
      port,
      env: {
        SRHOOKS_SECRETS: RELIABILITY_SECRET,
        SRHOOKS_ADMIN_TOKEN: RELIABILITY_ADMIN_TOKEN,
        SRHOOKS_DB: dbFile,
        SRHOOKS_JOB_LEASE_MS: '5000',
        SRHOOKS_RECOVERY_INTERVAL_MINUTES: '0',
        LOG_LEVEL: 'info',
      },
      config: {
        shops: [
          {
            name: SHOP,
            clientId: DEMO_CLIENT.clientId,
            clientSecret: DEMO_CLIENT.clientSecret,
            apiUrl: sandbox.apiUrlTemplate.replace('{shop}', SHOP),
            tokenUrl: sandbox.tokenUrlTemplate.replace('{shop}', SHOP),
            events: ['order_confirm'],
            handlers: ['counting-target'],
          },
        ],
        handlers: {
          'counting-target': {
            type: 'forward',
            url: target.url,
            secret: FORWARD_SECRET,
            allowPrivateTargets: true,
          },
        },
      },
    });
    // Kill while the pass is between pages: some orders stored, the pass not finished.
    const reached = await waitUntil(() => (readSqliteStore(dbFile, SHOP).orders.size ?? 0) > 0, 30_000, 20);
    expect(reached).toBe(true);
    const storedAtKill = readSqliteStore(dbFile, SHOP).orders.size;
    await receiver.kill9();
    expect(storedAtKill).toBeLessThan(ORDERS);
    await sleep(300);
    await receiver.launch();
    const complete = await waitUntil(() => readSqliteStore(dbFile, SHOP).orders.size === ORDERS, 60_000, 200);
    const settled = await waitUntil(() => target.figures().orders === ORDERS, 60_000, 200);
    const stored = readSqliteStore(dbFile, SHOP);
    const figures = target.figures();
    printFigures('recovery-crash', {
      orders: ORDERS,
      storedAtKill,
      storedAfter: stored.orders.size,
      storedTwice: [...stored.orders.values()].filter((n) => n > 1).length,
      handledOrders: figures.orders,
      handledTwice: figures.duplicates,
      resent: figures.resent,
      sandbox429: sandbox.requestCount(SHOP).byStatus[429] ?? 0,
    });
    expect(complete).toBe(true);
    expect(settled).toBe(true);
    expect([...stored.orders.values()].every((n) => n === 1)).toBe(true);
    expect(figures.duplicates).toBe(0);
    expect(figures.badSignatures).toBe(0);
    failed = false;
  });
});

describe('recovery and webhooks sync share the 3 requests/second window', () => {
  let scenario: RecoveryScenario;
  afterAll(async () => {
    await scenario?.close();
  });

  it('recovering 2,000 orders while `webhooks sync` runs: zero 429s', { timeout: 120_000 }, async () => {
    scenario = await startRecoveryScenario({ rateLimit: 3 });
    for (let i = 0; i < 2000; i++) await scenario.sandbox.simulator.placeOrder(SCENARIO_SHOP);
    const app = await scenario.startReceiver();
    const sync = createShopRenterClient({
      shop: SCENARIO_SHOP,
      auth: { clientId: DEMO_CLIENT.clientId, clientSecret: DEMO_CLIENT.clientSecret },
      apiUrl: scenario.sandbox.apiUrlTemplate,
      tokenUrl: scenario.sandbox.tokenUrlTemplate,
    });
    const events = [
      'order_confirm',
      'order_status_change',
      'abandoned_cart',
      'newsletter_subscribe',
    ] as const;
    const syncs = (async () => {
      for (let round = 0; round < 3; round++) {
        await sync.sync(
          events.map((event) => ({
            event,
            url: `https://hooks.example.com/hooks/${SCENARIO_SHOP}/${event}/round-${round}`,
          })),
        );
      }
    })();
    const passed = await waitUntil(
      async () => (await app.store.getRecoveryState(SCENARIO_SHOP)) !== null,
      90_000,
      200,
    );
    await syncs;
    const state = await app.store.getRecoveryState(SCENARIO_SHOP);
    printFigures('recovery-budget', {
      orders: 2000,
      recovered: state?.lastPass?.recovered.order_confirm ?? 0,
      requests: scenario.sandbox.requestCount(SCENARIO_SHOP).total,
      sandbox429: scenario.sandbox.requestCount(SCENARIO_SHOP).byStatus[429] ?? 0,
    });
    expect(passed).toBe(true);
    expect(state?.lastPass).toMatchObject({
      outcome: 'ok',
      ordersRead: 2000,
      recovered: { order_confirm: 2000 },
    });
    expect(scenario.sandbox.requestCount(SCENARIO_SHOP).byStatus[429] ?? 0).toBe(0);
  });
});
