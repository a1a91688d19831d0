/**
 * checkAppSession against a scripted HTTP server: what each receiver answer becomes, that only the
 * session's own parameters travel, and that a wrong URL or a dead receiver is a typed error. The
 * end-to-end check against a real receiver is apps/receiver/src/app-mode/app-entry-redirect.test.ts.
 */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { NetworkError } from '../errors.js';
import { AppSessionCheckError, AppSessionUnavailableError, checkAppSession } from './check-app-session.js';

let server: Server;
let base: string;
const seen: string[] = [];
let next: { status: number; type?: string; body: string; headers?: Record<string, string> } = {
  status: 200,
  body: '{}',
};

beforeAll(async () => {
  server = createServer((request, response) => {
    seen.push(request.url ?? '');
    response.writeHead(next.status, { 'content-type': next.type ?? 'application/json', ...next.headers });
    response.end(next.body);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
afterAll(async () => {
  await new Promise((resolve) => server.close(resolve));
});

const SESSION = { shop: 'alpha', expires: '1900000000', session: 'abc_-123' };

describe('checkAppSession', () => {
  it('200: the shop, its status and the expiry as a Date; only shop, expires and session are sent', async () => {
    next = {
      status: 200,
      body: JSON.stringify({
        ok: true,
        shop: 'alpha',
        status: 'installed',
        expiresAt: '2030-03-17T17:46:40.000Z',
      }),
    };
    seen.length = 0;
    const result = await checkAppSession(
      `${base}/app/entry/session`,
      `/dashboard?${new URLSearchParams({ ...SESSION, tab: 'orders' })}`,
    );
    expect(result).toEqual({
      ok: true,
      shop: 'alpha',
      status: 'installed',
      expiresAt: new Date('2030-03-17T17:46:40.000Z'),
    });
    const sent = new URL(seen[0] ?? '', base);
    expect(sent.pathname).toBe('/app/entry/session');
    expect(Object.fromEntries(sent.searchParams)).toEqual(SESSION);
  });

  it('401/403 refusals are answers: code, message, and the uninstall time as a Date', async () => {
    next = {
      status: 403,
      body: JSON.stringify({
        ok: false,
        error: {
          code: 'shop_uninstalled',
          message: 'The app is no longer installed on alpha.',
          shop: 'alpha',
          uninstalledAt: '2026-12-04T10:00:00.000Z',
        },
      }),
    };
    expect(await checkAppSession(`${base}/app/entry/session`, SESSION)).toEqual({
      ok: false,
      code: 'shop_uninstalled',
      message: 'The app is no longer installed on alpha.',
      shop: 'alpha',
      uninstalledAt: new Date('2026-12-04T10:00:00.000Z'),
    });
    next = {
      status: 401,
      body: JSON.stringify({ ok: false, error: { code: 'session_expired', message: 'expired' } }),
    };
    expect(await checkAppSession(`${base}/app/entry/session`, new URLSearchParams(SESSION))).toEqual({
      ok: false,
      code: 'session_expired',
      message: 'expired',
    });
  });

  it('503 store_unavailable is AppSessionUnavailableError: temporary, not about the session, ask again after Retry-After', async () => {
    // before: AppSessionCheckError unexpected_response, telling the app its URL was wrong
    const said = "The session could not be checked: the receiver cannot read the shops' install state.";
    next = {
      status: 503,
      headers: { 'retry-after': '5' },
      body: JSON.stringify({ ok: false, error: { code: 'store_unavailable', message: said } }),
    };
    const error = await checkAppSession(`${base}/app/entry/session`, SESSION).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(AppSessionUnavailableError);
    expect(error).toMatchObject({
      code: 'session_check_unavailable',
      status: 503,
      reason: 'store_unavailable',
      retryAfterMs: 5000,
      url: `${base}/app/entry/session`,
    });
    expect((error as Error).message).toContain('answered 503 store_unavailable');
    expect((error as Error).message).toContain('neither honour nor end the session on it; ask again in 5 s');
    expect((error as Error).message).toContain(said);
    expect((error as Error).message).not.toContain(SESSION.session);
    // without Retry-After
    next = {
      status: 503,
      body: JSON.stringify({ ok: false, error: { code: 'store_unavailable', message: said } }),
    };
    const bare = await checkAppSession(`${base}/app/entry/session`, SESSION).catch((e: unknown) => e);
    expect(bare).toMatchObject({ code: 'session_check_unavailable', retryAfterMs: null });
    expect((bare as Error).message).toContain('ask again shortly');
  });

  it('anything else is AppSessionCheckError unexpected_response, naming the status and what to fix', async () => {
    for (const answer of [
      { status: 404, type: 'text/html', body: '<h1>Not Found</h1>' },
      { status: 200, body: JSON.stringify({ ok: true, shop: 'alpha' }) },
      { status: 401, body: JSON.stringify({ ok: false, error: { code: 'unauthorized', message: 'token' } }) },
      { status: 500, body: 'oops' },
      // a 503 that is not the receiver's (a proxy's page): still a wrong-URL kind of answer
      { status: 503, type: 'text/html', body: '<h1>Service Unavailable</h1>' },
    ]) {
      next = answer;
      const error = await checkAppSession(`${base}/wrong`, SESSION).catch((e: unknown) => e);
      expect(error).toBeInstanceOf(AppSessionCheckError);
      expect(error).toMatchObject({ code: 'unexpected_response', status: answer.status });
      expect((error as Error).message).toContain(`answered ${answer.status}`);
      expect((error as Error).message).toContain('{entryPath}/session');
      // the session itself is never echoed into the error
      expect((error as Error).message).not.toContain(SESSION.session);
    }
  });

  it('a receiver that cannot be reached is a NetworkError', async () => {
    const closed = createServer();
    await new Promise<void>((resolve) => closed.listen(0, '127.0.0.1', resolve));
    const port = (closed.address() as AddressInfo).port;
    await new Promise((resolve) => closed.close(resolve));
    const error = await checkAppSession(`http://127.0.0.1:${port}/app/entry/session`, SESSION).catch(
      (e: unknown) => e,
    );
    expect(error).toBeInstanceOf(NetworkError);
    expect(error).toMatchObject({ code: 'network_error' });
    expect((error as Error).message).not.toContain(SESSION.session);
  });
});
