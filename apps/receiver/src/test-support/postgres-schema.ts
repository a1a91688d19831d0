/** The real PostgreSQL for tests: unique schemas per test file, dropped afterwards. */
import pg from 'pg';
import { afterAll } from 'vitest';

/** `SRHOOKS_TEST_DATABASE_URL`, else the local server CI starts (trust auth, database `test`). */
export const TEST_DATABASE_URL =
  process.env.SRHOOKS_TEST_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/test';

/** `rcv_<pid>_<random>`: parallel runs never share tables. */
export function uniqueSchemaName(prefix = 'rcv'): string {
  return `${prefix}_${process.pid}_${Math.random().toString(36).slice(2, 10)}`;
}

/** Runs `work` on a connection of its own to the test database (as its superuser), closed afterwards. */
export async function withTestDatabase<T>(work: (client: pg.Client) => Promise<T>): Promise<T> {
  const client = new pg.Client({ connectionString: TEST_DATABASE_URL });
  await client.connect();
  try {
    return await work(client);
  } finally {
    await client.end();
  }
}

export async function dropSchema(schema: string): Promise<void> {
  await withTestDatabase((client) => client.query(`DROP SCHEMA IF EXISTS "${schema}" CASCADE`));
}

/** For one test file: a function that names a new unique schema; all of them are dropped after the file's tests. */
export function testSchemas(prefix = 'rcv'): () => string {
  const created: string[] = [];
  afterAll(async () => {
    for (const schema of created) await dropSchema(schema);
  });
  return () => {
    const schema = uniqueSchemaName(prefix);
    created.push(schema);
    return schema;
  };
}
