/**
 * The request URL of the log line, against the real receiver's log output: a valid signed-URL
 * token never appears, whatever the spelling of the path, and filter values or path segments that
 * are not of a harmless shape are masked. Then the function alone, table-driven.
 */
import { deliveryToken } from '@srhooks/contracts';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestReceiver, TEST_SECRET, type TestReceiver } from '../test-support/test-receiver.js';
import { loggedRequestUrl } from './logged-request-url.js';

const ADMIN_TOKEN = 'admin-token-for-url-log-test-01';
const TOKEN = deliveryToken({ shop: 'teszt-bolt', event: 'order_confirm' }, TEST_SECRET);
const BODY = '{"orders":{"order":[{"innerId":"7100"}]}}';

describe('request URLs in the real log', () => {
  let receiver: TestReceiver;
  const statuses: Record<string, number> = {};

  beforeAll(async () => {
    receiver = await startTestReceiver({ adminToken: ADMIN_TOKEN, shops: [{ name: 'teszt-bolt' }] });
    const posts = [
      `/%68ooks/teszt-bolt/order_confirm/${TOKEN}`,
      `/hooks/teszt-bolt%2Forder_confirm/${TOKEN}`,
      `/hooks%2Fteszt-bolt/order_confirm/${TOKEN}`,
      `/HOOKS/teszt-bolt/order_confirm/${TOKEN}`,
      `/hooks/teszt-bolt/${TOKEN}`,
      `/hooks/teszt-bolt/order_confirm%2F${TOKEN}`,
      `/ui/${TOKEN}`,
      `/x/${TOKEN.slice(0, 20)}/${TOKEN.slice(20)}`,
    ];
    for (const path of posts) {
      const response = await fetch(receiver.baseUrl + path, {
        method: 'POST',
        body: BODY,
        headers: { 'content-type': 'application/json' },
      });
      statuses[path] = response.status;
    }
    for (const path of [
      '/ui?from=Kov%C3%A1cs%20%C3%89va',
      '/ui/deliveries/Kov%C3%A1cs%20%C3%89va',
      '/admin/api/events?deliveryId=Szil%C3%A1gyi%20P%C3%A9ter',
      '/admin/api/deliveries?shop=Szil%C3%A1gyi',
    ]) {
      const response = await fetch(receiver.baseUrl + path, {
        headers: { authorization: `Bearer ${ADMIN_TOKEN}` },
        redirect: 'manual',
      });
      statuses[path] = response.status;
    }
  });
  afterAll(async () => {
    await receiver?.close();
  });

  it('routes the percent-encoded path (fastify decodes it) and refuses the others', () => {
    expect(statuses[`/%68ooks/teszt-bolt/order_confirm/${TOKEN}`]).toBe(200);
    expect(statuses[`/ui/${TOKEN}`]).not.toBe(200);
  });

  it('never logs the token, in whole or in part', () => {
    expect(receiver.logLines.filter((line) => line.includes(TOKEN.slice(0, 12)))).toEqual([]);
    expect(receiver.logLines.filter((line) => line.includes(TOKEN.slice(20, 32)))).toEqual([]);
  });

  it('never logs a name from a filter value or a path segment', () => {
    for (const value of ['Kov', 'Szil', '%C3%A1']) {
      expect(receiver.logLines.filter((line) => line.includes(value))).toEqual([]);
    }
  });

  it('logs the stored delivery with its path as sent, the token masked', () => {
    const urls = receiver.logLines.map((line) => (JSON.parse(line) as { req?: { url?: string } }).req?.url);
    expect(urls).toContain('/%68ooks/teszt-bolt/order_confirm/[token]');
    expect(urls).toContain('/ui/deliveries/[redacted]');
    expect(urls).toContain('/ui?from=[redacted]');
    expect(urls).toContain('/admin/api/events?deliveryId=[redacted]');
  });
});

describe('loggedRequestUrl', () => {
  it.each([
    ['/hooks/demo/order_confirm/TOKEN', '/hooks/:shop/:event/:token', '/hooks/demo/order_confirm/[token]'],
    [
      '/%68ooks/demo/order_confirm/TOKEN',
      '/hooks/:shop/:event/:token',
      '/%68ooks/demo/order_confirm/[token]',
    ],
    ['/hooks/demo/TOKEN', '/hooks/*', '/hooks/demo/[token]'],
    ['/HOOKS/demo/order_confirm/TOKEN/x', undefined, '/HOOKS/demo/order_confirm/[token]/[token]'],
    ['/hooks/demo%2Forder_confirm/TOKEN', '/hooks/*', '/hooks/demo%2Forder_confirm/[token]'],
    ['/hooks%2Fdemo/order_confirm/TOKEN', undefined, '/hooks%2Fdemo/order_confirm/[token]'],
    ['/hooks/demo/order_confirm%2FTOKEN', '/hooks/*', '/hooks/demo/[token]'],
    ['/ui/TOKEN', undefined, '/ui/[token]'],
    ['/ui/deliveries/dlv_01abc', '/ui/deliveries/:id', '/ui/deliveries/dlv_01abc'],
    ['/ui/deliveries/kovacs', '/ui/deliveries/:id', '/ui/deliveries/[redacted]'],
    ['/admin/api/handlers/erp/enable', '/admin/api/handlers/:name/enable', '/admin/api/handlers/erp/enable'],
    ['/nowhere/kovacs', undefined, '/[redacted]/[redacted]'],
    ['/readyz', '/readyz', '/readyz'],
    ['/ui?shop=demo&q=Kov%C3%A1cs', '/ui', '/ui?shop=demo&q=[redacted]'],
    ['/ui?from=2025-12-01&to=Kov%C3%A1cs', '/ui', '/ui?from=2025-12-01&to=[redacted]'],
    // events tail's catch-up (a time), and anything else given for it
    [
      '/admin/api/deliveries?changedSince=2026-12-06T21%3A43%3A20.000Z&limit=200',
      '/admin/api/deliveries',
      '/admin/api/deliveries?changedSince=2026-12-06T21%3A43%3A20.000Z&limit=200',
    ],
    [
      '/admin/api/deliveries?changedSince=eva%40example.hu',
      '/admin/api/deliveries',
      '/admin/api/deliveries?changedSince=[redacted]',
    ],
    ['/ui?reveal=1&limit=20&cursor=dlv_01x', '/ui', '/ui?reveal=1&limit=20&cursor=dlv_01x'],
    ['/ui?status=kovacs&event=order_confirm', '/ui', '/ui?status=[redacted]&event=order_confirm'],
    ['/ui?token=abc', '/ui', '/ui?token=[redacted]'],
  ])('%s (route %s) → %s', (url, route, expected) => {
    const token = 'Zm9vYmFyYmF6cXV4cXV1eGZvb2JhcmJhenF1eHF1dXg';
    expect(loggedRequestUrl(url.replace('TOKEN', token), route)).toBe(expected);
  });
});
