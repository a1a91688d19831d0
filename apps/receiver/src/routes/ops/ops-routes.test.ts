/** /healthz, /readyz and /metrics content after a known mix of deliveries. */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { deliveryBody } from '../../test-support/delivery-fixtures.js';
import { startTestReceiver, type TestReceiver } from '../../test-support/test-receiver.js';

describe('ops routes', () => {
  let receiver: TestReceiver;
  beforeAll(async () => {
    receiver = await startTestReceiver({}, { defaultMetrics: true });
  });
  afterAll(async () => {
    await receiver.close();
  });

  const { contentType, body } = deliveryBody('order_confirm');
  const post = (path: string, payload: BodyInit, type = contentType) =>
    fetch(receiver.baseUrl + path, { method: 'POST', body: payload, headers: { 'content-type': type } });

  it('answers /healthz and /readyz', async () => {
    const health = await fetch(`${receiver.baseUrl}/healthz`);
    expect(health.status).toBe(200);
    expect(await health.json()).toEqual({ ok: true });
    const ready = await fetch(`${receiver.baseUrl}/readyz`);
    expect(ready.status).toBe(200);
    expect(await ready.json()).toEqual({ ok: true, store: 'sqlite' });
  });

  it('answers unknown routes with the generic 404', async () => {
    const response = await fetch(`${receiver.baseUrl}/admin`);
    expect(response.status).toBe(404);
    expect(await response.json()).toEqual({ ok: false, error: { code: 'not_found', message: 'Not found.' } });
  });

  it('answers an unknown route 404 whatever its body: never a 413 naming the body limit, nor a parse error', async () => {
    // found by the receiver QA: a body over SRHOOKS_BODY_LIMIT sent to /nothing was answered 413 with the limit
    const huge = JSON.stringify({ pad: 'x'.repeat(2.2 * 1024 * 1024) });
    for (const [path, payload, type] of [
      ['/nothing', huge, 'application/json'],
      ['/admin/api/nothing', huge, 'application/json'],
      ['/nothing', '{"broken', 'application/json'],
    ] as const) {
      const response = await post(path, payload, type);
      expect(response.status, path).toBe(404);
      expect(await response.json()).toEqual({
        ok: false,
        error: { code: 'not_found', message: 'Not found.' },
      });
    }
  });

  it('counts deliveries by outcome, duplicates, quarantines, forged attempts and latency', async () => {
    const path = receiver.path('demo', 'order_confirm');
    expect((await post(path, new Uint8Array(body))).status).toBe(200);
    expect((await post(path, new Uint8Array(body))).status).toBe(200);
    expect((await post(path, '{"orders":', 'application/json')).status).toBe(400);
    expect((await post(path.replace('order_confirm', 'abandoned_cart'), new Uint8Array(body))).status).toBe(
      404,
    );
    expect((await post('/hooks/demo/order_paid/x', new Uint8Array(body))).status).toBe(404);
    expect((await post('/hooks/nope', new Uint8Array(body))).status).toBe(404);

    const response = await fetch(`${receiver.baseUrl}/metrics`);
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toMatch(/^text\/plain/);
    const text = await response.text();
    const lines = [
      'srhooks_deliveries_total{shop="demo",event="order_confirm",outcome="stored"} 2',
      'srhooks_deliveries_total{shop="demo",event="order_confirm",outcome="quarantined"} 1',
      'srhooks_events_total{shop="demo",event="order_confirm"} 2',
      'srhooks_duplicate_events_total{shop="demo",event="order_confirm"} 1',
      'srhooks_quarantined_deliveries_total{shop="demo",event="order_confirm",code="invalid_json"} 1',
      'srhooks_forged_attempts_total{reason="bad_token"} 1',
      'srhooks_forged_attempts_total{reason="unknown_event"} 1',
      'srhooks_forged_attempts_total{reason="unknown_route"} 1',
      'srhooks_ingest_duration_seconds_count{outcome="stored"} 2',
      'srhooks_ingest_duration_seconds_count{outcome="quarantined"} 1',
      'srhooks_ingest_duration_seconds_bucket{le="+Inf",outcome="stored"} 2',
    ];
    for (const line of lines) expect(text).toContain(line);
    expect(text).toContain('# TYPE srhooks_store_errors_total counter');
    // The store's own counters: three deliveries were written (two stored, one quarantined).
    const gauge = (name: string) => Number(new RegExp(`^${name} (\\S+)$`, 'm').exec(text)?.[1]);
    expect(gauge('srhooks_store_commits')).toBeGreaterThanOrEqual(1);
    expect(gauge('srhooks_store_committed_writes')).toBeGreaterThanOrEqual(3);
    expect(gauge('srhooks_store_slow_commits')).toBeGreaterThanOrEqual(0);
    expect(gauge('srhooks_store_longest_commit_seconds')).toBeGreaterThan(0);
    expect(text).toMatch(/^srhooks_process_resident_memory_bytes \d+/m);
    // Forged attempts never create series with attacker-chosen values.
    expect(text).not.toContain('abandoned_cart');
    expect(text).not.toContain('order_paid');
  });
});
