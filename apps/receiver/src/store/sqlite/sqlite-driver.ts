/**
 * Opening a SQLite file with better-sqlite3, whose native module (`better_sqlite3.node`) is loaded at the
 * first open. When it cannot load — its install script did not run (npm 11 runs none unless allowed), or
 * it was built for another Node.js than the one running now (a Node upgrade after a global install) —
 * every open fails with the loader's words (`Could not locate the bindings file`, `was compiled against
 * a different Node.js version … NODE_MODULE_VERSION`, `invalid ELF header`), which callers would report
 * as a file or folder problem. That failure is a refusal of its own here, saying how to rebuild the
 * driver.
 */
import Database from 'better-sqlite3';
import { StoreConfigError } from '../store-errors.js';

/** The loader's failure when `error` is better-sqlite3 failing to load its native module; else null. */
export function driverLoadFailure(error: unknown): string | null {
  const code = (error as { code?: unknown } | null)?.code;
  const message = error instanceof Error ? error.message : '';
  const loader =
    code === 'ERR_DLOPEN_FAILED' ||
    /Could not locate the bindings file|NODE_MODULE_VERSION|compiled against a different Node\.js version|better_sqlite3\.node/.test(
      message,
    );
  if (!loader) return null;
  return message.split('\n').find((line) => line.trim() !== '') ?? String(code);
}

/** better-sqlite3's native module did not load: nothing SQLite can be opened until it is rebuilt. */
export class SqliteDriverError extends StoreConfigError {
  constructor(failure: string, options: { cause?: unknown } = {}) {
    super(
      `the SQLite driver (better-sqlite3) cannot load its native module (${failure}): its install script did not run, ` +
        `or it was built for another Node.js than this one (${process.version}). Rebuild it where srhooks is installed: ` +
        '`npm rebuild better-sqlite3` (npm 11 runs install scripts only when allowed: `--allow-scripts=better-sqlite3`), or install srhooks again.',
    );
    if (options.cause !== undefined) Object.defineProperty(this, 'cause', { value: options.cause });
  }
}

/** `new Database(file, options)`; a driver that cannot load is thrown as SqliteDriverError. */
export function openSqlite(file: string, options?: Database.Options): Database.Database {
  try {
    return new Database(file, options);
  } catch (error) {
    const failure = driverLoadFailure(error);
    if (failure !== null) throw new SqliteDriverError(failure, { cause: error });
    throw error;
  }
}
