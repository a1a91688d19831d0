/**
 * Recovery when things go wrong, and its budget: a shop whose API fails or whose credentials are
 * refused is logged, counted and retried, never moves the watermark and never turns /readyz red;
 * recovery and a `webhooks sync` for the same shop share the 3 requests/second window (zero 429s).
 */
import { createShopRenterClient } from '@srhooks/client';
import { DEMO_CLIENT } from '@srhooks/sandbox';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  ADMIN_TOKEN,
  type RecoveryScenario,
  SHOP,
  startRecoveryScenario,
  waitUntil,
} from './test-support/recovery-scenario.js';

describe('recovery failures', () => {
  let scenario: RecoveryScenario;
  beforeAll(async () => {
    scenario = await startRecoveryScenario({ rateLimit: false });
  });
  afterAll(async () => {
    await scenario.close();
  });

  it('an API failure is counted and recorded, leaves the watermark, keeps /readyz green; the next pass recovers', async () => {
    const sim = scenario.sandbox.simulator;
    await sim.placeOrder(SHOP);
    scenario.sandbox.setFaults(SHOP, { errorRate: 1, errorStatus: 503 });
    const app = await scenario.startReceiver({ shops: [scenario.shop({ events: ['order_confirm'] })] });
    const failed = await waitUntil(
      'a failed pass',
      async () => {
        const state = await app.store.getRecoveryState(SHOP);
        return state?.lastPass?.outcome === 'failed' ? state : null;
      },
      60_000,
    );
    expect(failed.watermark).toBeNull();
    expect(failed.consecutiveFailures).toBe(1);
    expect(failed.lastPass?.error).toMatch(/503/);
    expect((await app.inject({ method: 'GET', url: '/readyz' })).statusCode).toBe(200);
    const metrics = (await app.inject({ method: 'GET', url: '/metrics' })).body;
    expect(metrics).toMatch(/srhooks_recovery_failures_total\{shop="demo"\} 1/);
    // The shops list says the recovery that is "on" is failing, and why.
    const shopRow = async () =>
      (
        await app.inject({
          method: 'GET',
          url: '/admin/api/shops',
          headers: { authorization: `Bearer ${ADMIN_TOKEN}` },
        })
      )
        .json()
        .items.find((item: { name: string }) => item.name === SHOP);
    const failing = await shopRow();
    expect(failing).toMatchObject({ recoveryFailures: 1 });
    expect(failing.recoveryError).toMatch(/503/);
    // …and when this receiver tries again (scheduled once the failed pass is recorded).
    const nextTurnAt = await waitUntil(
      'the next turn',
      async () => {
        const recovery = (
          await app.inject({
            method: 'GET',
            url: '/admin/api/recovery',
            headers: { authorization: `Bearer ${ADMIN_TOKEN}` },
          })
        ).json();
        return recovery.items.find((item: { shop: string }) => item.shop === SHOP)?.nextTurnAt ?? null;
      },
      10_000,
    );
    expect(Date.parse(nextTurnAt)).toBeGreaterThan(Date.now() - 1000);
    // The shop answers again: the next pass (here on demand) recovers the order and sets the watermark.
    scenario.sandbox.setFaults(SHOP, {});
    const res = await app.inject({
      method: 'POST',
      url: '/admin/api/recover',
      headers: { authorization: `Bearer ${ADMIN_TOKEN}` },
      payload: { shop: SHOP },
    });
    expect(res.statusCode).toBe(200);
    expect(res.json().report.recovered).toEqual({ order_confirm: 1 });
    const state = await app.store.getRecoveryState(SHOP);
    expect(state?.consecutiveFailures).toBe(0);
    expect(await shopRow()).toMatchObject({ recoveryFailures: 0, recoveryError: null });
    expect(state?.watermark).toBeInstanceOf(Date);
    const after = (await app.inject({ method: 'GET', url: '/metrics' })).body;
    expect(after).toMatch(/srhooks_recovered_events_total\{shop="demo",event="order_confirm"\} 1/);
    expect(after).toMatch(/srhooks_recovery_lag_seconds\{shop="demo"\} \d/);
    await scenario.stopReceiver();
  });

  it('interval 0: a failed start-up pass is retried with backoff until one succeeds', async () => {
    const sim = scenario.sandbox.simulator;
    await sim.placeOrder(SHOP);
    scenario.sandbox.setFaults(SHOP, { tokenEndpointDown: true });
    const app = await scenario.startReceiver(
      { recoveryIntervalMinutes: 0, shops: [scenario.shop({ events: ['order_confirm'], handlers: [] })] },
      { schedule: true, firstRetryMs: 200 },
    );
    try {
      // Retried by itself: a second failure in a row (200 ms after the first).
      const first = await waitUntil('a failed pass', async () => {
        const state = await app.store.getRecoveryState(SHOP);
        return state?.lastPass?.outcome === 'failed' ? state : null;
      });
      const failing = await waitUntil('two failed passes in a row', async () => {
        const state = await app.store.getRecoveryState(SHOP);
        return (state?.consecutiveFailures ?? 0) >= 2 ? state : null;
      });
      expect(failing.watermark).toEqual(first.watermark);
      // The token endpoint is back: a later retry (at most 200 ms × 2^n away) recovers the order.
      scenario.sandbox.setFaults(SHOP, {});
      const recovered = await waitUntil('a retried pass that succeeds', async () => {
        const state = await app.store.getRecoveryState(SHOP);
        return state?.lastPass?.outcome === 'ok' ? state : null;
      });
      expect(recovered.consecutiveFailures).toBe(0);
      expect(recovered.watermark).toBeInstanceOf(Date);
      expect(recovered.lastPass?.recovered).toEqual({ order_confirm: 1 });
    } finally {
      await scenario.stopReceiver();
    }
  });

  it('refused credentials: the admin API answers 502 with the reason; nothing is stored', async () => {
    const app = await scenario.startReceiver({
      shops: [
        scenario.shop({
          clientSecret: 'wrong-secret-for-recovery-test',
          events: ['order_confirm'],
          handlers: [],
        }),
      ],
    });
    const res = await app.inject({
      method: 'POST',
      url: '/admin/api/recover',
      headers: { authorization: `Bearer ${ADMIN_TOKEN}` },
      payload: { shop: SHOP, since: '2d' },
    });
    expect(res.statusCode).toBe(502);
    expect(res.json().error.code).toBe('shop_api_failed');
    const unknown = await app.inject({
      method: 'POST',
      url: '/admin/api/recover',
      headers: { authorization: `Bearer ${ADMIN_TOKEN}` },
      payload: { shop: 'nope', since: 'yesterday' },
    });
    expect(unknown.statusCode).toBe(400);
    expect(unknown.json().error.message).toMatch(/since/);
    // Further back than the look-back (3 days by default): refused before any call to the shop.
    const tooEarly = await app.inject({
      method: 'POST',
      url: '/admin/api/recover',
      headers: { authorization: `Bearer ${ADMIN_TOKEN}` },
      payload: { shop: SHOP, since: '10d' },
    });
    expect(tooEarly.statusCode).toBe(400);
    expect(tooEarly.json().error).toMatchObject({ code: 'bad_since' });
    expect(tooEarly.json().error.message).toContain('SRHOOKS_RECOVERY_LOOK_BACK_DAYS');
    // A since in the future is refused too (it answered 200 with a window ending before it began).
    const future = await app.inject({
      method: 'POST',
      url: '/admin/api/recover',
      headers: { authorization: `Bearer ${ADMIN_TOKEN}` },
      payload: { shop: SHOP, since: new Date(Date.now() + 86_400_000).toISOString(), dryRun: true },
    });
    expect(future.statusCode).toBe(400);
    expect(future.json().error).toMatchObject({ code: 'bad_since' });
    expect(future.json().error.message).toContain('in the future');
    // A duration of nothing (0m, 0h, 00d) reads no order: refused as any since that is no window back is,
    // naming the part and field and saying what to send (it answered 200 after an empty pass).
    for (const [since, part] of [
      ['0m', 'body'],
      ['00d', 'body'],
      ['0h', 'query'],
    ] as const) {
      const zero = await app.inject({
        method: 'POST',
        url:
          part === 'query' ? `/admin/api/recover?shop=${SHOP}&since=${since}&dryRun=1` : '/admin/api/recover',
        headers: { authorization: `Bearer ${ADMIN_TOKEN}` },
        ...(part === 'body' ? { payload: { shop: SHOP, since, dryRun: true } } : {}),
      });
      expect(zero.statusCode).toBe(400);
      expect(zero.json().error).toEqual({
        code: 'invalid_request',
        in: part,
        field: 'since',
        message: `${part}.since: must reach back at least 1m (${since} is no window: no order would be read); send a duration such as 2d, 12h or 90m, or an ISO 8601 time such as 2025-12-01T08:00:00Z`,
      });
    }
    // The whole look-back is allowed: this one reaches the shop (and fails on the wrong secret).
    const whole = await app.inject({
      method: 'POST',
      url: '/admin/api/recover',
      headers: { authorization: `Bearer ${ADMIN_TOKEN}` },
      payload: { shop: SHOP, since: '3d' },
    });
    expect(whole.json().error.code).toBe('shop_api_failed');
    // A blank dryRun is refused, not read as "store for real".
    const blank = await app.inject({
      method: 'POST',
      url: `/admin/api/recover?shop=${SHOP}&dryRun`,
      headers: { authorization: `Bearer ${ADMIN_TOKEN}` },
    });
    expect(blank.statusCode).toBe(400);
    expect(blank.json().error).toMatchObject({ field: 'dryRun' });
    // A JSON body carries dryRun as a JSON boolean: the text "true" is refused, not read as a dry run.
    const asText = await app.inject({
      method: 'POST',
      url: '/admin/api/recover',
      headers: { authorization: `Bearer ${ADMIN_TOKEN}` },
      payload: { shop: SHOP, since: '2d', dryRun: 'true' },
    });
    expect(asText.statusCode).toBe(400);
    expect(asText.json().error).toMatchObject({
      code: 'invalid_request',
      field: 'dryRun',
      message: 'body.dryRun: must be a JSON boolean, not the text "true"; send "dryRun": true without quotes',
    });
    // A query string carries it as text: accepted, and this pass reaches the shop (wrong secret).
    const byQuery = await app.inject({
      method: 'POST',
      url: `/admin/api/recover?shop=${SHOP}&since=2d&dryRun=1`,
      headers: { authorization: `Bearer ${ADMIN_TOKEN}` },
    });
    expect(byQuery.json().error.code).toBe('shop_api_failed');
    await scenario.stopReceiver();
  });
});

describe('recovery within the 3 requests/second budget', () => {
  let scenario: RecoveryScenario;
  beforeAll(async () => {
    scenario = await startRecoveryScenario({ rateLimit: 3 });
  });
  afterAll(async () => {
    await scenario.close();
  });

  it('recovering 400 orders while `webhooks sync` runs for the same shop: zero 429s', async () => {
    for (let i = 0; i < 400; i++) await scenario.sandbox.simulator.placeOrder(SHOP);
    const app = await scenario.startReceiver({ recoveryIntervalMinutes: 0 });
    const sync = createShopRenterClient({
      shop: SHOP,
      auth: { clientId: DEMO_CLIENT.clientId, clientSecret: DEMO_CLIENT.clientSecret },
      apiUrl: scenario.sandbox.apiUrlTemplate,
      tokenUrl: scenario.sandbox.tokenUrlTemplate,
    });
    const desired = ['order_confirm', 'order_status_change', 'abandoned_cart', 'newsletter_subscribe'].map(
      (event) => ({
        event: event as 'order_confirm',
        url: `https://hooks.example.com/hooks/${SHOP}/${event}/sync-test`,
      }),
    );
    const [report] = await Promise.all([
      sync.sync(desired),
      waitUntil('the pass', () => app.store.getRecoveryState(SHOP), 60_000),
    ]);
    expect(report.steps.length).toBeGreaterThan(0);
    const state = await app.store.getRecoveryState(SHOP);
    expect(state?.lastPass).toMatchObject({
      outcome: 'ok',
      ordersRead: 400,
      recovered: { order_confirm: 400 },
    });
    expect(scenario.sandbox.requestCount(SHOP).byStatus[429] ?? 0).toBe(0);
  });
});
