import { StoreError, StoreUnavailableError } from '../store-errors.js';

/** SQLite result codes that mean "the database cannot be written right now", not "this request is wrong". */
const UNAVAILABLE_CODES = /^SQLITE_(BUSY|LOCKED|IOERR|FULL|CANTOPEN|READONLY|NOMEM|PROTOCOL|NOTADB|CORRUPT)/;

/** The file itself is damaged: a retry cannot succeed; a backup has to be restored. */
const DAMAGED_CODES = /^SQLITE_(CORRUPT|NOTADB)/;

/** Passes the store's own errors through, turns storage-level failures into StoreUnavailableError. */
export function mapSqliteError(error: unknown): Error {
  if (error instanceof StoreError) return error;
  const code = (error as { code?: unknown } | null)?.code;
  if (typeof code === 'string' && UNAVAILABLE_CODES.test(code)) {
    return new StoreUnavailableError(`SQLite ${code}: ${(error as Error).message}`, {
      cause: error,
      damaged: DAMAGED_CODES.test(code),
    });
  }
  if (error instanceof TypeError && /database connection is not open/i.test(error.message)) {
    return new StoreUnavailableError('the SQLite store is closed', { cause: error });
  }
  return error instanceof Error ? error : new Error(String(error));
}
