/**
 * PostgreSQL readiness: the pool answers, and its sessions may write. A session in read-only transaction
 * mode (what a hot standby after a failover gives too) answers `SELECT 1` but refuses every ingest.
 */
import { describe, expect, it } from 'vitest';
import { TEST_DATABASE_URL, testSchemas } from '../../test-support/postgres-schema.js';
import { StoreUnavailableError } from '../store-errors.js';
import { PgStore } from './pg-store.js';

const nextSchema = testSchemas('rdy');

function withOptions(url: string, options: string): string {
  const parsed = new URL(url);
  parsed.searchParams.set('options', options);
  return parsed.toString();
}

describe('PgStore.ping', () => {
  it('is ready on a writable session and not on a read-only one', async () => {
    const schema = nextSchema();
    const writable = new PgStore({ url: TEST_DATABASE_URL, schema, poolSize: 1 });
    const readOnly = new PgStore({
      url: withOptions(TEST_DATABASE_URL, '-c default_transaction_read_only=on'),
      schema,
      poolSize: 1,
    });
    try {
      await writable.migrate();
      await writable.ping();
      const error = await readOnly.ping().then(
        () => null,
        (caught: unknown) => caught,
      );
      expect(error).toBeInstanceOf(StoreUnavailableError);
      // The store's first call would migrate; refused as read-only, which is the same verdict.
      expect((error as Error).message).toMatch(/accepts only reads|read-only transaction/);
    } finally {
      await readOnly.close();
      await writable.close();
    }
  });
});
