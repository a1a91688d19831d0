/**
 * App mode without `webhookSecretKey`: the Payment API route cannot verify anything, so nothing is
 * stored. A notification sent there anyway (the app does bill through the Payment API, the key was
 * forgotten) used to get fastify's bare 404 "Not found." and leave no trace: now it is answered 503
 * `payment_api_off` saying which key to set — a status a sender retries, so nothing is lost once it is —
 * and logged at warn.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type AppModeFixture, startAppModeFixture } from './test-support/app-mode-fixture.js';

describe('app mode without a Payment API key', () => {
  let f: AppModeFixture;
  beforeAll(async () => {
    f = await startAppModeFixture({ shops: ['alpha'], app: { webhookSecretKey: undefined } });
  });
  afterAll(async () => {
    await f?.close();
  });

  it('answers a notification 503 payment_api_off naming the key, stores nothing, and logs it', async () => {
    const report = await f.sandbox.apps.notify('55', { url: `${f.baseUrl}/app/payments?shop=alpha` });
    expect(report.response.status).toBe(503);
    const body = JSON.parse(report.response.bodyExcerpt ?? '{}');
    expect(body.error.code).toBe('payment_api_off');
    expect(body.error.message).toContain('SRHOOKS_APP_WEBHOOK_SECRET_KEY');
    expect((await f.receiver.store.listDeliveries({})).items).toHaveLength(0);
    const warned = f.logLines
      .map((line) => JSON.parse(line))
      .filter((line) => line.code === 'payment_api_off');
    expect(warned).toHaveLength(1);
    expect(warned[0].level).toBe(40);
  });
});
