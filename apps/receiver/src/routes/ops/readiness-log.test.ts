/**
 * A failing readiness probe says why once when the store turns unavailable (or the reason changes), not
 * on every probe: a load balancer probing every few seconds must not flood the log during an outage.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { StoreUnavailableError } from '../../store/store-errors.js';
import { startTestReceiver, type TestReceiver } from '../../test-support/test-receiver.js';

describe('readiness probe log lines', () => {
  let receiver: TestReceiver;
  let down: string | null = null;
  beforeAll(async () => {
    receiver = await startTestReceiver();
    const store = receiver.app.store;
    const ping = store.ping.bind(store);
    store.ping = async () => {
      if (down !== null) throw new StoreUnavailableError(down);
      return ping();
    };
  });
  afterAll(async () => {
    await receiver.close();
  });

  const probe = async (path = '/readyz') => (await fetch(`${receiver.baseUrl}${path}`)).status;
  const lines = () => receiver.logLines.map((line) => JSON.parse(line) as { level: number; msg: string });
  const count = (msg: string, level: number) =>
    lines().filter((line) => line.msg === msg && line.level === level).length;

  it('warns when the store turns unavailable and when the reason changes, not on every probe; says when it is back', async () => {
    down = 'test: the database is down';
    for (let i = 0; i < 4; i++) expect(await probe(i % 2 === 0 ? '/readyz' : '/readyz/deliveries')).toBe(503);
    expect(count('readiness probe: store unavailable', 40)).toBe(1);
    expect(count('request failed', 40) + count('request failed', 50)).toBe(0);

    down = 'test: the database refuses writes';
    expect(await probe()).toBe(503);
    expect(count('readiness probe: store unavailable', 40)).toBe(2);

    down = null;
    expect(await probe()).toBe(200);
    expect(await probe()).toBe(200);
    expect(count('readiness probe: store available again', 30)).toBe(1);

    down = 'test: the database is down';
    expect(await probe()).toBe(503);
    expect(count('readiness probe: store unavailable', 40)).toBe(3);
  });

  // Before: SQLite's busy reason counts the seconds the lock has been held ("… unavailable for 5 s …",
  // then 7 s, 9 s), so every probe of a long lock hold warned again, as if the reason had changed.
  it('does not warn again while only the time the write lock has been held grows', async () => {
    const before = count('readiness probe: store unavailable', 40);
    for (const seconds of [5, 7, 9, 11]) {
      down = `the SQLite file cannot be written now: SQLite SQLITE_BUSY: database is locked; its write lock has been unavailable for ${seconds} s, as long as a delivery waits for it`;
      expect(await probe()).toBe(503);
    }
    expect(count('readiness probe: store unavailable', 40)).toBe(before + 1);
    down = null;
    expect(await probe()).toBe(200);
  });

  it("answers in public what to do, never what the store's error said (a host, a user, a path): that is in the warn line", async () => {
    down = 'connect ECONNREFUSED 10.20.30.40:5432 (user srhooks_writer, /var/lib/srhooks/srhooks.db)';
    for (const path of ['/readyz', '/readyz/deliveries']) {
      const response = await fetch(`${receiver.baseUrl}${path}`);
      expect(response.status).toBe(503);
      const text = await response.text();
      for (const secret of ['10.20.30.40', '5432', 'srhooks_writer', '/var/lib/srhooks'])
        expect(text, `${path} answered ${text}`).not.toContain(secret);
      expect(JSON.parse(text).error).toMatchObject({
        code: 'store_unavailable',
        message: expect.stringMatching(
          /^The event store cannot store a delivery now: .* What failed is in the receiver's log \(the warn line "readiness probe: store unavailable"\), not in this public answer\./,
        ),
      });
    }
    const warned = receiver.logLines.filter((line) => line.includes('10.20.30.40'));
    expect(warned.length).toBeGreaterThan(0);
    expect(JSON.parse(warned[0] ?? '{}').msg).toBe('readiness probe: store unavailable');
    down = null;
    expect(await probe()).toBe(200);
  });
});
