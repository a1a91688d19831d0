/**
 * An on-demand recovery (`POST /admin/api/recover`, what `srhooks recover` calls) whose shop API
 * fails is an expected outcome of the caller's request, answered to it (502 `shop_api_failed`): the
 * receiver logs it at warn with the typed codes, never at error — kept for what nobody expects (a
 * store gone under the receiver, a bug), which the last case guards. The sandbox
 * over real HTTP; the receiver's own pino lines.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  ADMIN_TOKEN,
  freePort,
  type RecoveryScenario,
  SHOP,
  startRecoveryScenario,
} from './test-support/recovery-scenario.js';

interface LogLine {
  level: number;
  msg: string;
  [key: string]: unknown;
}

describe('the log level of a failed on-demand recovery', () => {
  let scenario: RecoveryScenario;
  beforeAll(async () => {
    scenario = await startRecoveryScenario({ rateLimit: false });
  });
  afterAll(async () => {
    await scenario.close();
  });

  async function recoverOverHttp(): Promise<{ status: number; body: { error?: { code: string } } }> {
    const res = await fetch(`http://127.0.0.1:${scenario.port}/admin/api/recover`, {
      method: 'POST',
      headers: { authorization: `Bearer ${ADMIN_TOKEN}`, 'content-type': 'application/json' },
      body: JSON.stringify({ shop: SHOP, since: '2d' }),
    });
    return { status: res.status, body: (await res.json()) as { error?: { code: string } } };
  }

  const linesOf = (from: number): LogLine[] =>
    scenario.logLines.slice(from).map((line) => JSON.parse(line) as LogLine);

  it.each([
    ['credentials refused', 'refused', 'invalid_client'],
    ['the token endpoint unreachable', 'token', 'token_endpoint_unavailable'],
    ['the shop API unreachable', 'api', 'network_error'],
  ] as const)('%s: 502 to the caller, warn with the codes, nothing at error', async (_what, fault, cause) => {
    // nothing listens on a port freePort() has just given back
    const nowhere = `http://127.0.0.1:${await freePort()}/${SHOP}`;
    const shop = scenario.shop({
      ...(fault === 'refused' ? { clientSecret: 'wrong-secret-for-log-level-test' } : {}),
      ...(fault === 'token' ? { tokenUrl: `${nowhere}/token` } : {}),
      ...(fault === 'api' ? { apiUrl: `${nowhere}/api` } : {}),
      events: ['order_confirm'],
      handlers: [],
    });
    await scenario.startReceiver({ shops: [shop] }, { schedule: false });
    try {
      const from = scenario.logLines.length;
      const answer = await recoverOverHttp();
      expect(answer.status).toBe(502);
      expect(answer.body.error?.code).toBe('shop_api_failed');
      const lines = linesOf(from);
      expect(lines.filter((line) => line.level >= 50)).toEqual([]);
      const request = lines.find(
        (line) => (line.req as { url?: string } | undefined)?.url === '/admin/api/recover',
      );
      expect(request).toMatchObject({
        level: 40,
        res: { statusCode: 502 },
        errorCode: 'shop_api_failed',
        shopApiError: cause,
        recovery: { shop: SHOP },
      });
      expect(lines.find((line) => line.msg === 'recovery pass failed')).toMatchObject({
        level: 40,
        recovery: { shop: SHOP, errorCode: cause },
      });
    } finally {
      await scenario.stopReceiver();
    }
  });

  it('a failure that is nobody’s expected outcome (the store gone under it) stays at error', async () => {
    const app = await scenario.startReceiver(
      { shops: [scenario.shop({ events: ['order_confirm'], handlers: [] })] },
      { schedule: false },
    );
    try {
      await app.store.close();
      const from = scenario.logLines.length;
      const answer = await recoverOverHttp();
      // the receiver's error handler answers a store it cannot use 503
      expect(answer.status).toBe(503);
      const request = linesOf(from).find(
        (line) => (line.req as { url?: string } | undefined)?.url === '/admin/api/recover',
      );
      expect(request).toMatchObject({ level: 50, msg: 'request failed', res: { statusCode: 503 } });
      expect(request).not.toHaveProperty('errorCode');
    } finally {
      await scenario.stopReceiver().catch(() => {});
    }
  });
});
