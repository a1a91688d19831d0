/**
 * Paths fastify's router refuses before any route runs: a malformed percent-encoding (`%zz`, `%E0%A4%A`)
 * and a path parameter over 100 characters. They got fastify's own body (`{"error":"Bad Request","code":
 * "FST_ERR_BAD_URL",…}`, echoing the path) instead of the uniform one, and under /hooks/ a 400 or 414
 * where every other malformed signed URL gets the generic 404 of a forged delivery.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestReceiver, type TestReceiver } from '../test-support/test-receiver.js';

const ADMIN_TOKEN = 'admin-token-framework-errors-01';
const LONG = 'a'.repeat(120);

describe('paths the router refuses', () => {
  let receiver: TestReceiver;

  beforeAll(async () => {
    receiver = await startTestReceiver({ adminToken: ADMIN_TOKEN, shops: [{ name: 'demo' }] });
  });
  afterAll(async () => {
    await receiver?.close();
  });

  async function send(method: string, path: string) {
    const response = await fetch(receiver.baseUrl + path, {
      method,
      headers: { authorization: `Bearer ${ADMIN_TOKEN}` },
      redirect: 'manual',
    });
    return { status: response.status, text: await response.text() };
  }

  it.each([
    ['POST', '/hooks/demo/order_confirm/%E0%A4%A'],
    ['POST', '/hooks/demo/order_confirm/%zz'],
    ['POST', '/hooks/%zz/order_confirm/x'],
  ])('answers %s %s under /hooks/ with the generic 404 of a forged delivery', async (method, path) => {
    const forgedBefore = receiver.logLines.filter((line) => line.includes('forged delivery attempt')).length;
    const answer = await send(method, path);
    expect(answer).toEqual({
      status: 404,
      text: '{"ok":false,"error":{"code":"not_found","message":"Not found."}}',
    });
    const forgedAfter = receiver.logLines.filter((line) => line.includes('forged delivery attempt')).length;
    expect(forgedAfter).toBe(forgedBefore + 1);
  });

  it.each([
    ['GET', '/admin/api/deliveries/%E0%A4%A', 400, 'bad_url'],
    ['GET', '/ui/deliveries/%zz', 400, 'bad_url'],
    ['POST', '/admin/api/events/%zz/replay', 400, 'bad_url'],
    ['GET', `/admin/api/deliveries/${LONG}`, 414, 'path_segment_too_long'],
    ['GET', `/ui/deliveries/${LONG}`, 414, 'path_segment_too_long'],
    ['POST', `/admin/api/handlers/${LONG}/enable`, 414, 'path_segment_too_long'],
  ])('answers %s %s with the uniform error body (%i %s)', async (method, path, status, code) => {
    const answer = await send(method, path);
    expect(answer.status).toBe(status);
    const body = JSON.parse(answer.text) as { ok: boolean; error: { code: string; message: string } };
    expect(body.ok).toBe(false);
    expect(body.error.code).toBe(code);
    expect(answer.text).not.toContain('FST_ERR');
    expect(answer.text).not.toContain('%E0');
    expect(answer.text).not.toContain(LONG);
  });
});
