/**
 * Shutdown (SIGTERM) while app mode's requests wait on a link to PostgreSQL gone silent (a NAT or firewall
 * dropping the flow: no answer, no error, no close): the entry page's event list and an event's page, the
 * session check of the app's own UI and an install call, and the admin API's mark of a lost uninstall call
 * (with SRHOOKS_STORE_TIMEOUT_MS raised past the query timeout, 10 s, as an operator may). Such
 * a request held the shutdown until its timeout (10 s) and the process exited 1. Now their store calls are
 * bounded as the admin area's are (Store.forRequests, Store.shutdownBoundViewOf for the shop records): cut
 * short after the store's close grace (2 s) once the shutdown has begun, answered 503, and the shutdown
 * ends cleanly.
 *
 * runReceiver with a fake process; PostgreSQL through a fault proxy this test owns (`stall`: open
 * connections hang, new ones are accepted and never forwarded; silentDatabaseReceiver). Real PostgreSQL, a
 * schema of its own.
 */
import { signAppRequest } from '@srhooks/contracts';
import { beforeAll, expect, it } from 'vitest';
import { createShopSession, sessionQuery } from './app-mode/shop-session.js';
import {
  appModeEnv,
  silentDatabaseReceiver,
  unansweredApiUrl,
} from './test-support/silent-database-receiver.js';

const SECRET = 'silent-db-app-mode-secret-0123456789';
const CLIENT_SECRET = 'silent-db-app-mode-client-secret';
const ADMIN_TOKEN = 'silent-db-app-mode-admin-token-0123456789';
const SHOP = 'alpha';
const db = silentDatabaseReceiver('app');

// The schema, and the shop installed (its subscriptions signed with the receiver's secret).
beforeAll(() => db.installAppShop(SHOP, SECRET));

it.skipIf(process.platform !== 'linux')(
  "answers app mode's entry, session and install requests a silent link leaves unanswered 503, and stops cleanly",
  async () => {
    // The shop API the app would call (it is not called here).
    const api = await unansweredApiUrl();
    db.writeConfig({ app: { apiUrl: `${api}/{shop}/api`, tokenUrl: `${api}/{shop}/token` } });
    const {
      proc,
      baseUrl: base,
      stopped,
    } = await db.start({
      secret: SECRET,
      env: {
        ...appModeEnv(CLIENT_SECRET),
        SRHOOKS_ADMIN_TOKEN: ADMIN_TOKEN,
        // Past the query timeout (10 s), as an operator may set it: the store timeout does not end them.
        SRHOOKS_STORE_TIMEOUT_MS: '30000',
        // The default: before, the requests' query timeout (10 s) reached it and the process exited 1.
        SRHOOKS_SHUTDOWN_TIMEOUT_MS: '10000',
      },
    });
    const session = sessionQuery(createShopSession(SHOP, CLIENT_SECRET));
    const entryList = `${base}/app/entry?${session}`;
    const sessionCheck = `${base}/app/entry/session?${session}`;
    const eventPage = `${base}/app/entry/events/evt_0000000000000000000000000000?${session}`;
    const installQuery = {
      shopname: SHOP,
      code: 'silentinstall1',
      timestamp: String(Math.floor(Date.now() / 1000)),
    };
    const install = `${base}/app/install?${new URLSearchParams({ ...installQuery, hmac: signAppRequest(installQuery, CLIENT_SECRET) })}`;

    // Running: each answers, and several connections of both pools are open, so the requests below send
    // their queries on open ones (a new connection into the silent link fails at its connect timeout).
    expect((await fetch(entryList)).status).toBe(200);
    expect((await fetch(sessionCheck)).status).toBe(200);
    await Promise.all([
      ...Array.from({ length: 4 }, () => fetch(entryList)),
      ...Array.from({ length: 2 }, () => fetch(sessionCheck)),
    ]);

    db.proxy.stall(); // PostgreSQL falls silent
    const requests = {
      list: fetch(entryList, { headers: { accept: 'text/html' } }),
      event: fetch(eventPage, { headers: { accept: 'text/html' } }),
      session: fetch(sessionCheck),
      install: fetch(install, { headers: { accept: 'text/html' } }),
      // The admin API's mark of a lost uninstall call reads and writes the shop records.
      markUninstalled: fetch(`${base}/admin/api/shops/${SHOP}/uninstall`, {
        method: 'POST',
        headers: { authorization: `Bearer ${ADMIN_TOKEN}` },
      }),
    };
    await new Promise((resolve) => setTimeout(resolve, 500)); // all wait on the silent link
    const stopping = Date.now();
    proc.emit('SIGTERM', 'SIGTERM');

    const list = await requests.list;
    expect(list.status).toBe(503);
    expect(await list.text()).toMatch(/try again in a minute/);
    expect((await requests.event).status).toBe(503);
    const installed = await requests.install;
    expect(installed.status, await installed.clone().text()).toBe(503);
    const checked = await requests.session;
    expect(checked.status).toBe(503);
    const answer = (await checked.json()) as { ok: boolean; error: { code: string; message: string } };
    expect(answer.ok).toBe(false);
    expect(answer.error.code).toBe('store_unavailable');
    expect(answer.error.message).toMatch(/receiver is stopping/);
    const marked = await requests.markUninstalled;
    expect(marked.status).toBe(503);
    const refused = (await marked.json()) as { error: { code: string; message: string } };
    expect(refused.error.code).toBe('store_unavailable');
    expect(refused.error.message).toMatch(/receiver is stopping/);

    expect(await stopped(20_000)).toBe(true);
    // Before: exit(1) at the shutdown timeout (10 s), the entry pages still waiting for their query timeout.
    expect(proc.exits).toEqual([]);
    expect(proc.exitCode).toBeUndefined();
    // The requests' grace (2 s from the shutdown's start), then the stores' close; generous for a loaded machine.
    expect(Date.now() - stopping).toBeLessThan(9000);
    expect(await db.connectionsLeft(), 'connections to PostgreSQL still open').toBe(0);
  },
  60_000,
);
