/** `GET /metrics` behind `metricsToken` (SRHOOKS_METRICS_TOKEN): only the scrape job's bearer token. */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../../config/load-config.js';
import { startTestReceiver, type TestReceiver } from '../../test-support/test-receiver.js';

const TOKEN = 'metrics-scrape-token-0123456789';

describe('/metrics with a metrics token', () => {
  let receiver: TestReceiver;
  beforeAll(async () => {
    receiver = await startTestReceiver({ metricsToken: TOKEN });
  });
  afterAll(async () => {
    await receiver.close();
  });
  const metrics = (authorization?: string) =>
    fetch(`${receiver.baseUrl}/metrics`, authorization ? { headers: { authorization } } : {});

  it('answers the scrape job that sends the token', async () => {
    const response = await metrics(`Bearer ${TOKEN}`);
    expect(response.status).toBe(200);
    expect(await response.text()).toContain('srhooks_deliveries_total');
  });

  it('refuses a request without the token, or with another, with the uniform body saying what to send', async () => {
    for (const authorization of [undefined, 'Bearer wrong-token-0123456789', `Basic ${TOKEN}`, TOKEN]) {
      const response = await metrics(authorization);
      expect(response.status).toBe(401);
      expect(response.headers.get('www-authenticate')).toBe('Bearer realm="srhooks metrics"');
      const body = await response.json();
      expect(body).toMatchObject({ ok: false, error: { code: 'unauthorized' } });
      expect(body.error.message).toContain('Authorization: Bearer <SRHOOKS_METRICS_TOKEN>');
      expect(JSON.stringify(body)).not.toContain('srhooks_deliveries_total');
    }
  });

  it('leaves the other ops endpoints open (health checks carry no token)', async () => {
    expect((await fetch(`${receiver.baseUrl}/healthz`)).status).toBe(200);
    expect((await fetch(`${receiver.baseUrl}/readyz`)).status).toBe(200);
  });

  it('never writes the token to the log', async () => {
    await metrics(`Bearer ${TOKEN}`);
    await metrics('Bearer wrong-token-0123456789');
    expect(receiver.logLines.join('\n')).not.toContain(TOKEN);
  });
});

describe('/metrics token guessing', () => {
  // Before, /metrics answered every guess with a 401 however many came (logged at debug only): the
  // admin token's throttle (SRHOOKS_ADMIN_MAX_FAILURES) did not cover the metrics token.
  let receiver: TestReceiver;
  beforeAll(async () => {
    receiver = await startTestReceiver({ metricsToken: TOKEN, adminMaxFailures: 3 });
  });
  afterAll(async () => {
    await receiver.close();
  });
  const metrics = (authorization?: string) =>
    fetch(`${receiver.baseUrl}/metrics`, authorization ? { headers: { authorization } } : {});

  it('refuses an address after SRHOOKS_ADMIN_MAX_FAILURES wrong tokens with 429, the right token too, unchecked', async () => {
    expect((await metrics()).status).toBe(401); // no token presented: not a guess
    for (let guess = 0; guess < 3; guess += 1) {
      expect((await metrics(`Bearer wrong-token-${guess}-0123456789`)).status).toBe(401);
    }
    const refused = await metrics(`Bearer ${TOKEN}`);
    expect(refused.status).toBe(429);
    expect(Number(refused.headers.get('retry-after'))).toBeGreaterThan(0);
    const body = await refused.json();
    expect(body).toMatchObject({ ok: false, error: { code: 'too_many_failures' } });
    expect(body.error.message).toContain(
      'Too many wrong metrics tokens from this address (3 within 5 minutes)',
    );
    expect(JSON.stringify(body)).not.toContain('srhooks_deliveries_total');
  });
});

describe('SRHOOKS_METRICS_TOKEN', () => {
  it('is read from the environment and refused when shorter than 16 characters', () => {
    const base = { SRHOOKS_SECRETS: 'metrics-token-test-secret-0123456789' };
    expect(loadConfig({ env: { ...base, SRHOOKS_METRICS_TOKEN: TOKEN } }).metricsToken).toBe(TOKEN);
    expect(() => loadConfig({ env: { ...base, SRHOOKS_METRICS_TOKEN: 'short' } })).toThrow(
      /SRHOOKS_METRICS_TOKEN.*at least 16 characters/s,
    );
  });
});
