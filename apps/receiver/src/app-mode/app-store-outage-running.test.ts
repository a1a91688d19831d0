/**
 * App mode's install, entry and session-check requests while the receiver runs (not stopping) and its
 * PostgreSQL store is unavailable: refused (the server down, a network cut) or silent (a NAT dropping the
 * flow: the store timeout ends the wait). Each answers 503, never a 500 or a stack trace: the shop owner's
 * pages ask to try again in a minute (store-unavailable-page.ts); the session check — read by the app's own
 * UI — answers the uniform error body `store_unavailable` saying the check could not be made, that it is
 * temporary and what to do. It answered 500 `internal_error` before.
 *
 * PostgreSQL behind a TcpProxy this test owns (`stop`: refused; `stall`: silent). Real PostgreSQL, a schema
 * of its own.
 */
import { AppSessionUnavailableError, checkAppSession } from '@srhooks/client';
import { afterEach, describe, expect, it } from 'vitest';
import { TEST_DATABASE_URL, testSchemas } from '../test-support/postgres-schema.js';
import { TcpProxy } from '../test-support/tcp-proxy.js';
import { createShopSession, sessionQuery } from './shop-session.js';
import {
  APP_CLIENT_SECRET,
  type AppModeFixture,
  signedAppPath,
  startAppModeFixture,
} from './test-support/app-mode-fixture.js';

const schemas = testSchemas('app_outage');
const fixtures: AppModeFixture[] = [];
const proxies: TcpProxy[] = [];
afterEach(async () => {
  for (const proxy of proxies) {
    proxy.resume();
    await proxy.start().catch(() => 0);
  }
  for (const fixture of fixtures.splice(0)) await fixture.close();
  for (const proxy of proxies.splice(0)) await proxy.stop();
});

const STORE_TIMEOUT_MS = 1500;

/** An app-mode receiver on PostgreSQL through a proxy, `alpha` installed; and a session of `alpha`. */
async function pgFixture() {
  const proxy = new TcpProxy(Number(new URL(TEST_DATABASE_URL).port || 5432));
  proxies.push(proxy);
  const url = new URL(TEST_DATABASE_URL);
  url.hostname = '127.0.0.1';
  url.port = String(await proxy.start());
  const f = await startAppModeFixture({
    shops: ['alpha'],
    config: { databaseUrl: url.toString(), databaseSchema: schemas(), storeTimeoutMs: STORE_TIMEOUT_MS },
  });
  fixtures.push(f);
  expect((await f.sandbox.apps.install('55', 'alpha')).install.status).toBe(302);
  const session = sessionQuery(createShopSession('alpha', APP_CLIENT_SECRET));
  expect((await fetch(`${f.baseUrl}/app/entry/session?${session}`)).status).toBe(200);
  return { f, proxy, session };
}

type ErrorAnswer = { ok: boolean; error: { code: string; message: string } };

/** The session check's answer while the store is unavailable: 503 store_unavailable, saying what to do. */
async function expectSessionCheckUnavailable(f: AppModeFixture, session: string): Promise<void> {
  const started = Date.now();
  const checked = await fetch(`${f.baseUrl}/app/entry/session?${session}`);
  const text = await checked.text();
  expect(checked.status, text).toBe(503);
  expect(checked.headers.get('content-type')).toContain('application/json');
  expect(checked.headers.get('retry-after')).toBe('5');
  expect(checked.headers.get('cache-control')).toBe('no-store');
  const answer = JSON.parse(text) as ErrorAnswer;
  expect(answer.ok).toBe(false);
  expect(answer.error.code).toBe('store_unavailable');
  // What is wrong, that it is temporary, and what to do; no stack trace, no internal error.
  expect(answer.error.message).toMatch(/could not be checked/);
  expect(answer.error.message).toMatch(/temporary/);
  expect(answer.error.message).toMatch(/ask again/);
  expect(answer.error.message).not.toMatch(/Internal error|\n\s+at /);
  // The store timeout (1.5 s) ends a silent wait; generous for a loaded machine.
  expect(Date.now() - started).toBeLessThan(STORE_TIMEOUT_MS + 3000);
  // @srhooks/client reads it as what it is (it said unexpected_response: check the URL)
  const read = await checkAppSession(`${f.baseUrl}/app/entry/session`, session).catch((e: unknown) => e);
  expect(read).toBeInstanceOf(AppSessionUnavailableError);
  expect(read).toMatchObject({ reason: 'store_unavailable', retryAfterMs: 5000 });
}

/** An install or entry call's answer while the store is unavailable: the 503 page asking to try again. */
async function expectTryAgainPage(f: AppModeFixture, path: string): Promise<void> {
  const started = Date.now();
  const page = await fetch(`${f.baseUrl}${path}`, { redirect: 'manual', headers: { accept: 'text/html' } });
  expect(page.status, path).toBe(503);
  expect(page.headers.get('content-type'), path).toContain('text/html');
  expect(await page.text(), path).toContain('Please try again in a minute');
  expect(Date.now() - started, path).toBeLessThan(STORE_TIMEOUT_MS + 3000);
}

describe('app mode while running, its PostgreSQL store unavailable', () => {
  it('refused: the session check answers 503 store_unavailable with what to do, the install and entry pages 503 pages', async () => {
    const { f, proxy, session } = await pgFixture();
    await proxy.stop();
    await expectSessionCheckUnavailable(f, session);
    await expectTryAgainPage(f, signedAppPath('/app/install', 'alpha', 'installoutage1'));
    await expectTryAgainPage(f, signedAppPath('/app/entry', 'alpha', 'entryoutage1'));
    await expectTryAgainPage(f, `/app/entry?${session}`);
    await expectTryAgainPage(f, `/app/entry/events/evt_0000000000000000000000000000?${session}`);
    const warned = f.logLines.filter((line) => line.includes('app session check answered 503'));
    expect(warned.length).toBeGreaterThan(0);

    await proxy.start();
    expect((await fetch(`${f.baseUrl}/app/entry/session?${session}`)).status).toBe(200);
  }, 60_000);

  it('silent: the session check and the entry pages are answered 503 once the store timeout has passed', async () => {
    const { f, proxy, session } = await pgFixture();
    // Several entry lists at once, so the event store's pool holds open connections the next reads go to
    // (a new connection into the silent link fails at its connect timeout instead).
    const lists = await Promise.all(
      Array.from({ length: 4 }, () => fetch(`${f.baseUrl}/app/entry?${session}`)),
    );
    expect(lists.map((list) => list.status)).toEqual([200, 200, 200, 200]);
    proxy.stall();
    await expectSessionCheckUnavailable(f, session);
    await expectTryAgainPage(f, `/app/entry?${session}`);
    await expectTryAgainPage(f, `/app/entry/events/evt_0000000000000000000000000000?${session}`);
  }, 60_000);
});
