import { StoreError, StoreUnavailableError } from '../store-errors.js';

const NETWORK_CODES = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'ECONNABORTED',
  'ETIMEDOUT',
  'EHOSTUNREACH',
  'ENETUNREACH',
  'ENOTFOUND',
  'EAI_AGAIN',
  'EPIPE',
]);

/**
 * SQLSTATEs meaning "the server cannot serve us now": connection exceptions, shutdown, too many
 * connections, disk full, and 25006 (a write in a read-only transaction: a hot standby after a failover,
 * or default_transaction_read_only).
 */
const UNAVAILABLE_SQLSTATE = /^(08...|57P0[123]|53300|53100|53200|25006)$/;

/** node-pg and pg-pool report lost or impossible connections with plain messages. */
const UNAVAILABLE_MESSAGE =
  /Connection terminated|timeout exceeded when trying to connect|^timeout expired$|Query read timeout|connection timeout|Client has encountered a connection error|Cannot use a pool after calling end|Client was closed|not queryable/i;

export function isPgUnavailable(error: unknown): boolean {
  if (error instanceof StoreUnavailableError) return true;
  const code = (error as { code?: unknown } | null)?.code;
  if (typeof code === 'string' && (NETWORK_CODES.has(code) || UNAVAILABLE_SQLSTATE.test(code))) return true;
  if (error instanceof AggregateError) return error.errors.some((inner) => isPgUnavailable(inner));
  return error instanceof Error && UNAVAILABLE_MESSAGE.test(error.message);
}

/** Passes the store's own errors through, turns connectivity failures into StoreUnavailableError. */
export function mapPgError(error: unknown): Error {
  if (error instanceof StoreError) return error;
  if (isPgUnavailable(error)) {
    const code = (error as { code?: unknown }).code;
    const detail =
      error instanceof Error && error.message !== '' ? error.message : String(code ?? 'no connection');
    return new StoreUnavailableError(`PostgreSQL: ${detail}`, { cause: error });
  }
  return error instanceof Error ? error : new Error(String(error));
}
