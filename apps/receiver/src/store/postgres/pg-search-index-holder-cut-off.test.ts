/**
 * The text-search index build at start (pg-search-index.ts) runs under a session advisory lock per schema:
 * of several receivers starting together one builds, the others go on without the index. When the building
 * receiver is cut off from PostgreSQL silently (a NAT or firewall dropping the flow: nothing reaches the
 * server, not even its exit) between two of its statements, the server kept its session — and the lock —
 * until its TCP keepalive gave up (about two hours): every receiver starting meanwhile found the lock taken
 * (`building-elsewhere`), and search read every event. The lock's session is now guarded like the other
 * long-held locks' (lock-session-guard.ts): silent past the limit, the server ends it, and the next receiver
 * to start builds the index.
 *
 * Receiver A reaches PostgreSQL through a proxy this test owns: the proxy freezes (open connections hang
 * for good, nothing closed) just as A sends its CREATE INDEX, so the statement never reaches the server and
 * A's session sits idle holding the lock — inside the build's transaction (a small table, a plain CREATE
 * INDEX) or outside any (a large one, CREATE INDEX CONCURRENTLY). Receiver B connects directly and starts
 * again and again until it is not told `building-elsewhere`. Real PostgreSQL, schemas of their own.
 */
import pg from 'pg';
import { afterAll, describe, expect, it } from 'vitest';
import { TEST_DATABASE_URL, testSchemas } from '../../test-support/postgres-schema.js';
import { TcpProxy } from '../../test-support/tcp-proxy.js';
import { ensurePgSearchIndex, type PgSearchIndexStatus, SEARCH_INDEX_NAME } from './pg-search-index.js';
import { PgStore } from './pg-store.js';

const LOCK_IDLE_MS = 2000;
const nextSchema = testSchemas('srhooks_trgm_cut');
const proxy = new TcpProxy(Number(new URL(TEST_DATABASE_URL).port || 5432));
const clients: pg.Client[] = [];
afterAll(async () => {
  await proxy.stop();
  await Promise.allSettled(clients.map((client) => client.end()));
});

async function connect(url: string, schema: string): Promise<pg.Client> {
  const client = new pg.Client({ connectionString: url, options: `-c search_path=${schema}` });
  client.on('error', () => {});
  clients.push(client);
  await client.connect();
  return client;
}

/** A receiver starting on the schema: its store's migrations, then its index step, to the end. */
async function startReceiver(schema: string, inlineMaxBytes: number): Promise<PgSearchIndexStatus> {
  const store = new PgStore({
    url: TEST_DATABASE_URL,
    schema,
    poolSize: 2,
    shareChanges: false,
    lockIdleTimeoutMs: LOCK_IDLE_MS,
    searchIndexInlineMaxBytes: inlineMaxBytes,
  });
  try {
    await store.migrate();
    const status = await store.searchIndex();
    return status.state === 'building' ? await status.done : status;
  } finally {
    await store.close();
  }
}

describe('the text-search index builder cut off from PostgreSQL', () => {
  it.each([
    ['a small table (plain CREATE INDEX, in a transaction)', Number.MAX_SAFE_INTEGER, 'built', false],
    ['a large table (CREATE INDEX CONCURRENTLY, outside a transaction)', -1, 'built', true],
  ] as const)(
    '%s: the server frees the build lock and the next receiver builds the index',
    async (_name, inlineMaxBytes, state, concurrently) => {
      const schema = nextSchema();
      // The schema as a first start leaves it, without the index (an earlier start could not build it).
      const first = await startReceiver(schema, inlineMaxBytes);
      expect(first.state).toBe('built');
      const direct = await connect(TEST_DATABASE_URL, schema);
      await direct.query(`DROP INDEX ${SEARCH_INDEX_NAME}`);

      const viaProxy = new URL(TEST_DATABASE_URL);
      viaProxy.port = String(proxy.port || (await proxy.start()));
      const a = await connect(viaProxy.toString(), schema);
      const send = a.query.bind(a) as (...args: unknown[]) => unknown;
      let cutOff = () => {};
      const aCutOff = new Promise<void>((resolve) => (cutOff = resolve));
      // A's link falls silent just as it sends its CREATE INDEX: the lock is held, the statement never arrives.
      (a as unknown as { query: (...args: unknown[]) => unknown }).query = (...args: unknown[]) => {
        if (typeof args[0] === 'string' && /^\s*CREATE INDEX/.test(args[0])) {
          proxy.freeze();
          cutOff();
        }
        return send(...args);
      };
      const aBuilds = ensurePgSearchIndex(a, {
        schema,
        inlineMaxBytes,
        lockIdleTimeoutMs: LOCK_IDLE_MS,
      }).catch((error: unknown) => error);
      await aCutOff;

      const started = Date.now();
      let status: PgSearchIndexStatus = await startReceiver(schema, inlineMaxBytes);
      while (status.state === 'building-elsewhere' && Date.now() - started < 30_000) {
        await new Promise((resolve) => setTimeout(resolve, 250));
        status = await startReceiver(schema, inlineMaxBytes);
      }
      expect(status).toEqual({ state, concurrently });
      // Before, B was told `building-elsewhere` until the server's TCP keepalive ended A's session (hours).
      expect(Date.now() - started).toBeLessThan(LOCK_IDLE_MS * 5);
      const valid = await direct.query<{ valid: boolean }>(
        'SELECT indisvalid AS valid FROM pg_index WHERE indexrelid = $1::regclass',
        [SEARCH_INDEX_NAME],
      );
      expect(valid.rows).toEqual([{ valid: true }]);
      void aBuilds; // A's connection hangs until the proxy stops (afterAll)
    },
    60_000,
  );

  it('a builder that is well keeps the lock past the limit: a concurrent build waiting longer is not cut short', async () => {
    const schema = nextSchema();
    const first = await startReceiver(schema, -1);
    expect(first.state).toBe('built');
    const direct = await connect(TEST_DATABASE_URL, schema);
    await direct.query(`DROP INDEX ${SEARCH_INDEX_NAME}`);
    // An open write transaction on events: the concurrent build waits for it, longer than the limit.
    const writer = await connect(TEST_DATABASE_URL, schema);
    await writer.query('BEGIN');
    await writer.query('UPDATE events SET held = held');
    const builder = await connect(TEST_DATABASE_URL, schema);
    const building = ensurePgSearchIndex(builder, {
      schema,
      inlineMaxBytes: -1,
      lockIdleTimeoutMs: LOCK_IDLE_MS,
    });
    await new Promise((resolve) => setTimeout(resolve, LOCK_IDLE_MS * 2));
    expect(await startReceiver(schema, -1)).toEqual({ state: 'building-elsewhere' });
    await writer.query('ROLLBACK');
    expect(await building).toEqual({ state: 'built', concurrently: true });
    // The session's limits are set back: the connection is usable after.
    expect((await builder.query('SHOW idle_session_timeout')).rows).toEqual([{ idle_session_timeout: '0' }]);
  }, 60_000);
});
