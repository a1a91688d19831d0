/** What the ingest benchmark's parent (ingest-bench.mjs) and its servers (ingest-servers.mjs) share. */

/** The receiver's secret in the bench: the signed URLs the load uses are made with it. */
export const SECRET = 'bench-secret-0123456789abcdef';
/** The PostgreSQL the `postgres` and `floorPostgres*` variants use (each in its own schema, dropped after). */
export const DATABASE_URL = process.env.DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/test';

/** `value` rounded to `digits` decimals, for printing. */
export function round(value, digits = 2) {
  return Math.round(value * 10 ** digits) / 10 ** digits;
}
