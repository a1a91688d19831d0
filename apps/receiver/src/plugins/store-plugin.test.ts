/**
 * The store plugin says when it created a new, empty store (a wrong SRHOOKS_DB, SRHOOKS_DB_SCHEMA or
 * database looks like a fresh install): a new SQLite file, or a PostgreSQL schema whose tables the
 * migrations just created.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import { afterAll, describe, expect, it } from 'vitest';
import { ConfigError } from '../config/config-error.js';
import { defineReceiverConfig } from '../config/load-config.js';
import { applyPgMigrations, PG_MIGRATIONS } from '../store/postgres/pg-migrations.js';
import { TEST_DATABASE_URL, testSchemas } from '../test-support/postgres-schema.js';
import { startTestReceiver } from '../test-support/test-receiver.js';
import { storeSelection } from './store-plugin.js';

const dir = mkdtempSync(join(tmpdir(), 'srhooks-store-plugin-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const createdLines = (lines: string[]) =>
  lines.filter((line) => line.includes('a new, empty SQLite store was created'));
const pgCreatedLines = (lines: string[]) =>
  lines.filter((line) => line.includes('a new, empty PostgreSQL store was created'));
const newSchema = testSchemas('storeplug');

describe('storePlugin', () => {
  it("never takes PgStore's test-only jobClock from the configuration: the store a config selects is on the server's clock", () => {
    const secrets = ['store-plugin-secret-0123456789abcdef'];
    const config = defineReceiverConfig({
      secrets,
      databaseUrl: 'postgres://postgres@127.0.0.1:5432/test',
      databaseSchema: 'store_plugin',
    });
    expect(storeSelection(config)).toEqual({
      kind: 'postgres',
      url: 'postgres://postgres@127.0.0.1:5432/test',
      schema: 'store_plugin',
      poolSize: 10,
    });
    // SRHOOKS_DB_POOL_SIZE (databasePoolSize) sizes the pool
    expect(storeSelection(defineReceiverConfig({ ...config, databasePoolSize: 3 }))).toMatchObject({
      kind: 'postgres',
      poolSize: 3,
    });
    expect(() =>
      defineReceiverConfig({
        secrets,
        databaseUrl: 'postgres://x@127.0.0.1/test',
        jobClock: 'caller',
      } as never),
    ).toThrow(ConfigError);
  });

  it('warns once at start when the SQLite file did not exist, naming it and what recovery would do; not for an existing file', async () => {
    const db = join(dir, 'fresh', 'srhooks.db');
    const first = await startTestReceiver({ db });
    await first.close();
    const created = createdLines(first.logLines);
    expect(created).toHaveLength(1);
    const line = JSON.parse(created[0] as string);
    expect(line).toMatchObject({ level: 40, store: { kind: 'sqlite', file: db, created: true } });
    expect(line.msg).toContain(`created at ${db}`);
    expect(line.msg).toContain(
      "store the last 3 days' orders again as new events and run their handlers again",
    );

    const second = await startTestReceiver({ db });
    await second.close();
    expect(createdLines(second.logLines)).toEqual([]);
  });

  it('warns once at start when the PostgreSQL migrations created the tables, naming schema and database, never the password', async () => {
    const schema = newSchema();
    // Trust authentication ignores the password: it only shows the warning never prints the URL.
    const url = new URL(TEST_DATABASE_URL);
    url.password = 'not-for-logs-7f3a';
    const databaseUrl = url.toString();
    const first = await startTestReceiver({ databaseUrl, databaseSchema: schema });
    await first.close();
    const created = pgCreatedLines(first.logLines);
    expect(created).toHaveLength(1);
    const line = JSON.parse(created[0] as string);
    const database = url.pathname.slice(1);
    expect(line).toMatchObject({ level: 40, store: { kind: 'postgres', schema, database, created: true } });
    expect(line.msg).toContain(`created in schema "${schema}" of database "${database}"`);
    expect(line.msg).toContain('set SRHOOKS_DB_SCHEMA');
    expect(line.msg).toContain(
      "store the last 3 days' orders again as new events and run their handlers again",
    );
    expect(first.logLines.join('\n')).not.toContain('not-for-logs-7f3a');

    const second = await startTestReceiver({ databaseUrl, databaseSchema: schema });
    await second.close();
    expect(pgCreatedLines(second.logLines)).toEqual([]);
  });

  it('a PostgreSQL migration running longer than a plugin may take to load (10 s) does not fail the start; each version is logged', async () => {
    const schema = newSchema();
    const admin = new pg.Client({ connectionString: TEST_DATABASE_URL });
    await admin.connect();
    try {
      await admin.query(`SET search_path TO "${schema}"`);
      await applyPgMigrations(
        admin,
        schema,
        PG_MIGRATIONS.filter((migration) => migration.version < 11),
      );
      // Version 11's index build waits for this lock (a large store's build takes as long): 11 s.
      await admin.query('BEGIN');
      await admin.query('LOCK TABLE deliveries IN SHARE ROW EXCLUSIVE MODE');
      const starting = startTestReceiver({ databaseUrl: TEST_DATABASE_URL, databaseSchema: schema });
      await new Promise((resolve) => setTimeout(resolve, 11_000));
      await admin.query('COMMIT');
      const receiver = await starting;
      await receiver.close();
      const versions = receiver.logLines
        .map((line) => JSON.parse(line) as { migration?: { version?: number; step?: string } })
        .filter((line) => line.migration?.step === 'version-done')
        .map((line) => line.migration?.version);
      expect(versions).toEqual(PG_MIGRATIONS.filter((m) => m.version >= 11).map((m) => m.version));
    } finally {
      await admin.end();
    }
  });
});
