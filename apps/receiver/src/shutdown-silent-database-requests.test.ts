/**
 * Shutdown (SIGTERM) while admin API and inspector requests wait on a link to PostgreSQL gone silent (a NAT
 * or firewall dropping the flow: no answer, no error, no close). Such a request waited for the store's
 * query timeout (10 s) — an inspector page reads some of its data without the request time limit, and an
 * operator may raise SRHOOKS_STORE_TIMEOUT_MS past it — so the shutdown reached its own timeout and the
 * process exited 1. Now, once the shutdown has begun, the admin area's store calls get the store's close
 * grace (2 s; Store.forRequests): a request cut short is answered 503 store_unavailable saying that the
 * receiver is stopping (a replay is not reported as done), and the shutdown ends cleanly.
 *
 * runReceiver with a fake process; PostgreSQL through a fault proxy this test owns (`stall`: open
 * connections hang, new ones are accepted and never forwarded). Real PostgreSQL, a schema of its own.
 */
import { expect, it } from 'vitest';
import { silentDatabaseReceiver } from './test-support/silent-database-receiver.js';

const SECRET = 'silent-db-requests-secret-0123456789';
const ADMIN_TOKEN = 'silent-db-requests-admin-token-0123456789';
const db = silentDatabaseReceiver('requests');

it.skipIf(process.platform !== 'linux')(
  'answers admin and inspector requests a silent link leaves unanswered 503 (the receiver is stopping), and stops cleanly',
  async () => {
    const {
      proc,
      baseUrl: base,
      postDelivery,
      stopped,
    } = await db.start({
      secret: SECRET,
      env: {
        SRHOOKS_ADMIN_TOKEN: ADMIN_TOKEN,
        // Past the query timeout (10 s), as an operator may set it: the request time limit does not end them.
        SRHOOKS_STORE_TIMEOUT_MS: '30000',
        // The default: before, the requests' query timeout (10 s) reached it and the process exited 1.
        SRHOOKS_SHUTDOWN_TIMEOUT_MS: '10000',
      },
    });
    const auth = { authorization: `Bearer ${ADMIN_TOKEN}` };
    const delivered = await postDelivery();
    expect(delivered.status).toBe(200);
    const events = (await (await fetch(`${base}/admin/api/events`, { headers: auth })).json()) as {
      items: { id: string }[];
    };
    const eventId = events.items[0]?.id;
    expect(eventId).toEqual(expect.any(String));

    // Several connections in the pool, so that the two requests below send their queries on open ones
    // (a new connection into the silent link would fail at the connect timeout, 2 s, racing the grace).
    await Promise.all(
      Array.from({ length: 6 }, () => fetch(`${base}/admin/api/events/${eventId}`, { headers: auth })),
    );

    db.proxy.stall(); // PostgreSQL falls silent
    const replay = fetch(`${base}/admin/api/events/${eventId}/replay`, { method: 'POST', headers: auth });
    const page = fetch(`${base}/ui/`, { headers: auth });
    await new Promise((resolve) => setTimeout(resolve, 500)); // both wait on the silent link
    const stopping = Date.now();
    proc.emit('SIGTERM', 'SIGTERM');

    const replayed = await replay;
    const shown = await page;
    expect(replayed.status).toBe(503);
    const answer = (await replayed.json()) as { ok: boolean; error: { code: string; message: string } };
    expect(answer.ok).toBe(false);
    expect(answer.error.code).toBe('store_unavailable');
    expect(answer.error.message).toMatch(/receiver is stopping/);
    expect(answer.error.message).toMatch(/Nothing it asked for is reported as done/);
    expect(shown.status).toBe(503);
    expect(await shown.text()).toMatch(/receiver is stopping/);

    expect(await stopped()).toBe(true);
    // Before: exit(1) at the shutdown timeout (10 s), the requests still waiting for their query timeout.
    expect(proc.exits).toEqual([]);
    expect(proc.exitCode).toBeUndefined();
    // The requests' grace (2 s from the shutdown's start), then the store's close without waiting again;
    // generous for a loaded machine. Before, the shutdown timeout (10 s) ended it.
    expect(Date.now() - stopping).toBeLessThan(9000);
    expect(await db.connectionsLeft(), 'connections to PostgreSQL still open').toBe(0);
  },
  60_000,
);
