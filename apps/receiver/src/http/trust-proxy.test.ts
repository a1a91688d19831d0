/**
 * `trustProxy: true` behind a proxy that appends the client's address to `X-Forwarded-For` (nginx's
 * `$proxy_add_x_forwarded_for`, Caddy, every load balancer): the client chooses what comes before that
 * entry, so the client address must be the entry the proxy appended, never the first one. Found by
 * sending `X-Forwarded-For: <allowed address>, <real client>` (as nginx forwards a client that sent the
 * allowed address itself): before the fix the allow-list let it post deliveries, and changing the first
 * entry with each wrong admin token made the throttle count every guess for another address.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestReceiver, type TestReceiver } from '../test-support/test-receiver.js';
import { fastifyTrustProxy, trustNearestHop } from './trust-proxy.js';

const ADMIN_TOKEN = 'admin-token-0123456789abcdef';
const ALLOWED = '203.0.113.7';
const CLIENT = '198.51.100.9';

describe('trustProxy: true (one proxy in front, appending to X-Forwarded-For)', () => {
  let receiver: TestReceiver;
  beforeAll(async () => {
    receiver = await startTestReceiver({
      trustProxy: true,
      allowIps: [ALLOWED],
      adminToken: ADMIN_TOKEN,
      adminMaxFailures: 3,
    });
  });
  afterAll(async () => {
    await receiver?.close();
  });

  const deliver = (forwardedFor: string) =>
    fetch(`${receiver.baseUrl}${receiver.path('demo', 'order_confirm')}`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'x-forwarded-for': forwardedFor },
      body: '{"orders":{"order":[{"innerId":"1"}]}}',
    });

  it('takes the address the proxy appended for the allow-list, not one the client put before it', async () => {
    expect((await deliver(`${ALLOWED}, ${CLIENT}`)).status).toBe(403);
    expect((await deliver(CLIENT)).status).toBe(403);
    expect((await deliver(`${CLIENT}, ${ALLOWED}`)).status).toBe(200);
    expect((await deliver(ALLOWED)).status).toBe(200);
  });

  it('throttles wrong admin tokens by that address, whatever the client puts before it', async () => {
    const statuses: number[] = [];
    for (let i = 0; i < 5; i++) {
      const response = await fetch(`${receiver.baseUrl}/admin/api/deliveries`, {
        headers: {
          authorization: `Bearer wrong-token-${i}-xxxxxxxx`,
          'x-forwarded-for': `10.0.${i}.1, ${CLIENT}`,
        },
      });
      statuses.push(response.status);
    }
    expect(statuses).toEqual([401, 401, 401, 429, 429]);
  });

  it('keeps the other settings as they are', () => {
    expect(fastifyTrustProxy(false)).toBe(false);
    expect(fastifyTrustProxy(['10.0.0.0/8', '::1'])).toEqual(['10.0.0.0/8', '::1']);
    expect(fastifyTrustProxy(true)).toBe(trustNearestHop);
  });
});
