/**
 * Why `srhooks listen` cannot use its SQLite file (`--db`, or listen.db in the config dir), in listen's
 * words: the caller's file, not a receiver outage.
 */
import { statSync } from 'node:fs';
import { dirname } from 'node:path';
import { CliError, EXIT_CODES } from '../cli-error.js';
import { productName } from '../cli-invocation.js';

/**
 * What is wrong with the path itself, when SQLite's own words ("unable to open database file") do not
 * say: a directory, or a path through a file. Null when the path looks usable (or cannot be looked at).
 */
export function dbPathProblem(db: string): string | null {
  const kind = (path: string): 'file' | 'directory' | 'other' | 'missing' => {
    try {
      const stat = statSync(path);
      return stat.isDirectory() ? 'directory' : stat.isFile() ? 'file' : 'other';
    } catch {
      return 'missing';
    }
  };
  if (kind(db) === 'directory') return 'it is a directory, not a file';
  for (let parent = dirname(db); parent !== dirname(parent); parent = dirname(parent)) {
    const found = kind(parent);
    if (found === 'file') return `${parent} is a file, not a directory`;
    if (found === 'directory') return null;
  }
  return null;
}

/**
 * The receiver's refusal of its SQLite file (`SRHOOKS_DB (or "db") names F, which is on a read-only file
 * system: …`) as what is wrong with the file ("it is on a read-only file system"), without the advice
 * about SRHOOKS_DB; the whole message when it is not in that form.
 */
function refusedFileReason(message: string): string {
  const clause = /^SRHOOKS_DB \(or "db"\) names .+?, which (.+?): /.exec(message)?.[1];
  if (clause === undefined) return message;
  return clause.startsWith('is ') ? `it ${clause}` : clause.replace("this receiver's user", 'this user');
}

/**
 * The store refusing listen's SQLite file at start (a directory it cannot create, a file that is
 * not a SQLite database — refused before it is opened, StoreConfigError —, a file another receiver uses) is the caller's file, not a receiver outage: a
 * usage error naming it, instead of the receiver's "retry once the database is reachable" / "report it".
 */
export function unusableDb(error: unknown, db: string, flag: boolean): unknown {
  if (error instanceof Error && error.name === 'StoreInUseError') {
    // another receiver (a receiver, or a listen with another config dir) runs on this file
    // the receiver's message ends in its own advice (SRHOOKS_DB, DATABASE_URL): settings listen does not read
    const sentences = error.message.split(/(?<=\.) /);
    return new CliError(sentences.slice(0, 2).join(' '), {
      code: 'listen_db_in_use',
      exitCode: EXIT_CODES.usage,
      hint: flag
        ? 'stop the receiver using it, or pass --db with another file (or leave --db out: listen.db in the config dir)'
        : 'stop the receiver using it, or pass --db with another file',
      cause: error,
    });
  }
  if (!(error instanceof Error)) return error;
  if (error.name === 'SqliteDriverError') {
    // not the file: better-sqlite3's native module did not load (the receiver's message says how to rebuild it)
    const [what, ...advice] = error.message.split(/(?<=\.) /);
    return new CliError(what ?? error.message, {
      code: 'sqlite_driver_unavailable',
      exitCode: EXIT_CODES.failure,
      hint: advice.join(' '),
      cause: error,
    });
  }
  // StoreConfigError: the receiver refused the file before opening it (not SQLite, a directory, no
  // access, a read-only file system), in words about SRHOOKS_DB, a setting listen does not read.
  const refused = error.name === 'StoreConfigError';
  const notSqlite = refused && / is not a SQLite database file /.test(error.message);
  if (!refused && error.name !== 'StoreUnavailableError') return error;
  const damaged = (error as { damaged?: unknown }).damaged === true;
  const cause = (error as { cause?: unknown }).cause;
  const reason = notSqlite
    ? "it is not a SQLite database (it does not start with SQLite's header)"
    : damaged
      ? 'it is not a SQLite database, or a damaged one'
      : (dbPathProblem(db) ??
        (refused
          ? refusedFileReason(error.message)
          : cause instanceof Error
            ? cause.message
            : error.message));
  const named = flag ? `--db ${db}` : db;
  return new CliError(`cannot use ${named} as listen's SQLite database: ${reason}`, {
    code: 'listen_db_unusable',
    exitCode: EXIT_CODES.usage,
    hint: flag
      ? `pass --db with a new file, or one an earlier ${productName('listen')} wrote, in a writable directory (or leave --db out: listen.db in the config dir)`
      : 'check the config dir (SRHOOKS_CONFIG_DIR), or pass --db with a file in a writable directory',
    cause: error,
  });
}
