import pg from 'pg';
import { afterEach, describe, expect, it } from 'vitest';
import { socketsLeftTo } from '../../test-support/open-sockets.js';
import { TEST_DATABASE_URL, testSchemas } from '../../test-support/postgres-schema.js';
import { TcpProxy } from '../../test-support/tcp-proxy.js';
import type { StoreChange } from '../store.js';
import { jsonDelivery } from '../test-support/store-contract.js';
import {
  CHECK_INTERVAL_MS,
  CHECK_TIMEOUT_MS,
  changeChannel,
  changePayloads,
  PgChangeRelay,
  PUBLISH_INTERVAL_MS,
  parseChangePayload,
  relayApplicationName,
} from './pg-change-relay.js';
import { PgStore } from './pg-store.js';

const url = TEST_DATABASE_URL;
const nextSchema = testSchemas('srhooks_relay');

async function until(check: () => boolean | Promise<boolean>, what: string, timeoutMs = 5000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

/** The relays' listening backends of the channel right now. */
async function listeningBackends(channel: string): Promise<number[]> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    const result = await client.query<{ pid: number }>(
      'SELECT pid FROM pg_stat_activity WHERE application_name = $1',
      [relayApplicationName(channel)],
    );
    return result.rows.map((row) => row.pid);
  } finally {
    await client.end();
  }
}

const delivery = (id: string): StoreChange => ({
  kind: 'delivery',
  deliveryId: id,
  shop: 'demo',
  event: 'order_confirm',
  status: 'stored',
});

describe('change payloads', () => {
  it('names one channel per schema, as an identifier PostgreSQL keeps unchanged', () => {
    expect(changeChannel('a')).toBe(changeChannel('a'));
    expect(changeChannel('a')).not.toBe(changeChannel('b'));
    expect(changeChannel(null)).not.toBe(changeChannel('a'));
    expect(changeChannel('x'.repeat(63))).toMatch(/^[a-z_][a-z0-9_]{0,62}$/);
  });

  it('splits many changes into payloads under the 8000-byte limit, in order, and reads them back', () => {
    const changes = Array.from({ length: 500 }, (_, i) => delivery(`dlv_${String(i).padStart(26, '0')}`));
    const payloads = changePayloads('origin-a', changes);
    expect(payloads.length).toBeGreaterThan(1);
    for (const payload of payloads) expect(Buffer.byteLength(payload)).toBeLessThan(8000);
    const back = payloads.flatMap((payload) => parseChangePayload(payload, 'origin-b') ?? []);
    expect(back).toEqual(changes);
  });

  it("skips this instance's own notifications, foreign or malformed ones, and entries that are not changes", () => {
    const [payload] = changePayloads('self', [delivery('dlv_1')]);
    expect(parseChangePayload(payload, 'self')).toBeNull();
    expect(parseChangePayload('not json', 'self')).toBeNull();
    expect(parseChangePayload('{"c":[]}', 'self')).toBeNull();
    expect(parseChangePayload(undefined, 'self')).toBeNull();
    expect(
      parseChangePayload(
        JSON.stringify({
          o: 'other',
          c: [
            delivery('dlv_2'),
            { kind: 'delivery' },
            { kind: 'job', jobId: 'job_1', eventId: 'evt_1', handler: 'erp', status: 'pending' },
            { kind: 'drop table', status: 'x' },
            null,
          ],
        }),
        'self',
      ),
    ).toEqual([
      delivery('dlv_2'),
      { kind: 'job', jobId: 'job_1', eventId: 'evt_1', handler: 'erp', status: 'pending' },
    ]);
  });
});

describe('PgStore change feed across instances', () => {
  const open: PgStore[] = [];
  afterEach(async () => {
    await Promise.all(open.splice(0).map((store) => store.close()));
  });

  async function pair(options: { shareChanges?: boolean } = {}) {
    const schema = nextSchema();
    const a = new PgStore({ url, schema, poolSize: 4, ...options });
    const b = new PgStore({ url, schema, poolSize: 4, ...options });
    open.push(a, b);
    await a.migrate();
    await b.migrate();
    return { a, b, schema };
  }

  it("hands another instance's commits to this instance's listeners, and this instance's own once", async () => {
    const { a, b } = await pair();
    const seenByB: StoreChange[] = [];
    const seenByA: StoreChange[] = [];
    b.onChange((change) => seenByB.push(change));
    a.onChange((change) => seenByA.push(change));
    await until(() => b.relayStats()?.listening === true && a.relayStats()?.listening === true, 'LISTEN');

    const { deliveryId, events } = await a.ingest(
      jsonDelivery(),
      [{ dedupeKey: 'k1', subjectId: '1', payload: { innerId: '1' } }],
      ['erp'],
    );
    await until(() => seenByB.some((c) => c.kind === 'delivery' && c.deliveryId === deliveryId), 'B');
    expect(seenByB).toContainEqual({
      kind: 'delivery',
      deliveryId,
      shop: 'demo',
      event: 'order_confirm',
      status: 'stored',
    });

    // A job transition on B reaches A.
    const [job] = await b.claimJobs({ workerId: 'w-b', leaseMs: 60_000, limit: 1 });
    expect(job?.eventId).toBe(events[0]?.id);
    await until(
      () => seenByA.some((c) => c.kind === 'job' && c.jobId === job?.id && c.status === 'running'),
      'A to see B claim the job',
    );

    // A's own delivery reached A's listener once, at commit, not again through the channel.
    await new Promise((resolve) => setTimeout(resolve, 200));
    expect(seenByA.filter((c) => c.kind === 'delivery' && c.deliveryId === deliveryId)).toHaveLength(1);
    expect(a.relayStats()).toMatchObject({ publishFailures: 0 });
  });

  it('relays a burst of commits completely (many changes in one notification round) and only within the schema', async () => {
    const { a, b } = await pair();
    const elsewhere = new PgStore({ url, schema: nextSchema(), poolSize: 2 });
    open.push(elsewhere);
    await elsewhere.migrate();
    const seenByB = new Set<string>();
    const seenElsewhere: StoreChange[] = [];
    b.onChange((change) => {
      if (change.kind === 'delivery') seenByB.add(change.deliveryId);
    });
    elsewhere.onChange((change) => seenElsewhere.push(change));
    await until(
      () => b.relayStats()?.listening === true && elsewhere.relayStats()?.listening === true,
      'LISTEN',
    );

    const results = await Promise.all(
      Array.from({ length: 300 }, (_, i) =>
        a.ingest(jsonDelivery(), [{ dedupeKey: `k${i}`, subjectId: String(i), payload: { i } }], []),
      ),
    );
    await until(() => seenByB.size === 300, `all 300 deliveries at B (got ${seenByB.size})`, 15_000);
    expect([...seenByB].sort()).toEqual(results.map((r) => r.deliveryId).sort());
    expect(seenElsewhere).toEqual([]);
    // A counts a statement once its query returned, which can be after B got the notification.
    await until(() => a.relayStats()?.published === 300, "A's count of published changes to reach 300");

    // One commit after another: publishing statements start at most one per PUBLISH_INTERVAL_MS, however
    // many commits came meanwhile (on a fast machine far fewer statements than commits; on a loaded one,
    // where a commit alone takes longer than the interval, never more than the time allows).
    const before = { relay: a.relayStats(), commits: a.stats().commits };
    const started = performance.now();
    for (let i = 0; i < 40; i++) {
      await a.ingest(jsonDelivery(), [{ dedupeKey: `s${i}`, subjectId: String(i), payload: { i } }], []);
    }
    await until(
      () => seenByB.size === 340,
      `the 40 sequential deliveries at B (got ${seenByB.size - 300})`,
      15_000,
    );
    await until(
      () => (a.relayStats()?.published ?? 0) - (before.relay?.published ?? 0) === 40,
      "A's count of published changes to grow by 40",
    );
    const elapsedMs = performance.now() - started;
    const after = { relay: a.relayStats(), commits: a.stats().commits };
    expect(after.commits - before.commits).toBe(40);
    expect((after.relay?.published ?? 0) - (before.relay?.published ?? 0)).toBe(40);
    const statements = (after.relay?.statements ?? 0) - (before.relay?.statements ?? 0);
    expect(statements).toBeLessThanOrEqual(Math.min(40, Math.ceil(elapsedMs / PUBLISH_INTERVAL_MS) + 1));
  });

  it('listens again after its connection is killed, and stops listening when closed', async () => {
    const { a, b } = await pair();
    const seenByB: string[] = [];
    b.onChange((change) => {
      if (change.kind === 'delivery') seenByB.push(change.deliveryId);
    });
    await until(() => b.relayStats()?.listening === true, 'LISTEN');
    const channel = changeChannel(b.schema);
    const [pid] = await listeningBackends(channel);
    expect(pid).toBeTypeOf('number');

    const admin = new pg.Client({ connectionString: url });
    await admin.connect();
    try {
      await admin.query('SELECT pg_terminate_backend($1)', [pid]);
    } finally {
      await admin.end();
    }
    await until(() => b.relayStats()?.listening === false, 'the loss to be noticed');
    await until(() => b.relayStats()?.listening === true, 'the listener to reconnect');

    const { deliveryId } = await a.ingest(jsonDelivery(), [], []);
    await until(() => seenByB.includes(deliveryId), 'B to see a delivery after reconnecting');

    await b.close();
    await until(async () => (await listeningBackends(channel)).length === 0, 'no LISTEN connection left');
  });

  it('listens again after its connection went silent (a NAT or firewall dropped the flow: no error, no end)', async () => {
    const { a, b } = await pair();
    // B's listener reaches PostgreSQL through a proxy this test owns; B's store (and A) connect directly.
    const proxy = new TcpProxy(Number(new URL(url).port || 5432));
    const proxyUrl = new URL(url);
    proxyUrl.port = String(await proxy.start());
    const seen: string[] = [];
    const relay = new PgChangeRelay({
      url: proxyUrl.toString(),
      schema: b.schema,
      connectTimeoutMs: 2000,
      query: () => Promise.resolve(),
      onRemote: (changes) => {
        for (const change of changes) if (change.kind === 'delivery') seen.push(change.deliveryId);
      },
      reconnectDelaysMs: [50],
      checkIntervalMs: 200,
      checkTimeoutMs: 300,
    });
    try {
      await relay.listen();
      expect(relay.stats().listening).toBe(true);
      const first = await a.ingest(jsonDelivery(), [], []);
      await until(() => seen.includes(first.deliveryId), 'the relay to hear a delivery');

      proxy.freeze(); // the open connection hangs for good; new connections pass
      const during = await a.ingest(jsonDelivery(), [], []);
      await until(() => relay.stats().listening === false, 'the silent connection to be noticed', 10_000);
      await until(() => relay.stats().listening === true, 'the listener to reconnect', 10_000);
      const after = await a.ingest(jsonDelivery(), [], []);
      await until(() => seen.includes(after.deliveryId), 'the relay to hear a delivery after the silent cut');
      // Missed while cut off (a live view's gap), never in the store.
      expect(seen).not.toContain(during.deliveryId);
    } finally {
      await relay.close();
      await proxy.stop();
    }
    // The defaults: a silent listener is replaced within a quarter of a minute.
    expect(CHECK_INTERVAL_MS + CHECK_TIMEOUT_MS).toBeLessThanOrEqual(15_000);
  });

  it("closes within the store's close grace when its listening connection went silent before a check noticed it (shutdown is not held)", async () => {
    const proxy = new TcpProxy(Number(new URL(url).port || 5432));
    const proxyUrl = new URL(url);
    proxyUrl.port = String(await proxy.start());
    // The defaults (check timeout 5 s, close grace 2 s): before, the close waited for the check timeout.
    const relay = new PgChangeRelay({
      url: proxyUrl.toString(),
      schema: nextSchema(),
      connectTimeoutMs: 2000,
      query: () => Promise.resolve(),
      onRemote: () => {},
      checkIntervalMs: 60_000,
    });
    try {
      await relay.listen();
      expect(relay.stats().listening).toBe(true);
      proxy.freeze();
      const started = Date.now();
      await relay.close();
      expect(Date.now() - started).toBeLessThan(CHECK_TIMEOUT_MS - 1500);
      expect(relay.stats().listening).toBe(false);
    } finally {
      await relay.close();
      await proxy.stop();
    }
  });

  it.skipIf(process.platform !== 'linux')(
    'a store closing on a silent link leaves no relay connection open (a publish in flight, a listener not answering)',
    async () => {
      const proxy = new TcpProxy(Number(new URL(url).port || 5432));
      const proxyUrl = new URL(url);
      proxyUrl.port = String(await proxy.start());
      const store = new PgStore({
        url: proxyUrl.toString(),
        schema: nextSchema(),
        poolSize: 2,
        closeGraceMs: 500,
      });
      open.push(store);
      try {
        await store.migrate();
        store.onChange(() => {});
        await until(() => store.relayStats()?.listening === true, 'the relay to listen');
        await store.ingest(jsonDelivery(), [], []); // committed; its publish follows
        proxy.stall(); // the server falls silent: the publish (if still in flight) and the listener hang
        const started = Date.now();
        await store.close();
        // Before: the relay's listener waited for its check timeout (5 s) after the store's close returned.
        expect(Date.now() - started).toBeLessThan(2000);
        expect(await socketsLeftTo(proxy.port, 300), 'a connection to PostgreSQL still open').toBe(0);
      } finally {
        await proxy.stop();
      }
    },
  );

  it('keeps the feed to this instance with shareChanges: false (no LISTEN connection, nothing published)', async () => {
    const { a, b, schema } = await pair({ shareChanges: false });
    const seenByB: StoreChange[] = [];
    const seenByA: StoreChange[] = [];
    b.onChange((change) => seenByB.push(change));
    a.onChange((change) => seenByA.push(change));
    const { deliveryId } = await a.ingest(jsonDelivery(), [], []);
    await new Promise((resolve) => setTimeout(resolve, 300));
    expect(seenByA).toHaveLength(1);
    expect(seenByA[0]).toMatchObject({ kind: 'delivery', deliveryId });
    expect(seenByB).toEqual([]);
    expect(b.relayStats()).toBeNull();
    expect(await listeningBackends(changeChannel(schema))).toEqual([]);
  });
});
