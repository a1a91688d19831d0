/**
 * Why the PostgreSQL store could not be opened, in words that say what to fix: the first contact with
 * the server (the migrations, before the receiver listens) fails on a setting — an unknown role, a
 * wrong password, a missing database, a role without the grants the store needs, nothing listening at
 * the address. The message names DATABASE_URL (user, host, port and database only: never its password
 * or query string) and what to check. Connectivity failures stay StoreUnavailableError (the server may
 * come back); refusals a setting causes become StoreSetupError — a TLS connection (sslmode) the server
 * does not offer, or whose certificate was not accepted, too.
 */
import { StoreError, StoreUnavailableError } from '../store-errors.js';
import { isPgUnavailable } from './pg-errors.js';

/** PostgreSQL refused the store's connection or its tables for a reason a setting or a grant fixes. */
export class StoreSetupError extends StoreError {
  declare readonly code: 'store_setup_refused';

  constructor(message: string, options?: { cause?: unknown }) {
    super('store_setup_refused', message, options);
  }
}

/** The parts of a connection URL that are safe to print: `postgres://user@host:port/database`. */
export interface PgUrlParts {
  /** The URL without password and query, or null when it is not a URL. */
  shown: string | null;
  user: string | null;
  host: string | null;
  port: string;
  database: string | null;
}

export function pgUrlParts(url: string): PgUrlParts {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    return { shown: null, user: null, host: null, port: '5432', database: null };
  }
  const user = parsed.username === '' ? null : decodeURIComponent(parsed.username);
  const host = parsed.hostname === '' ? null : parsed.hostname;
  const port = parsed.port === '' ? '5432' : parsed.port;
  const database = parsed.pathname.length > 1 ? decodeURIComponent(parsed.pathname.slice(1)) : null;
  const shown = `${parsed.protocol}//${parsed.username === '' ? '' : `${parsed.username}@`}${parsed.host}${parsed.pathname}`;
  return { shown, user, host, port, database };
}

const errorCode = (error: unknown): string | undefined => {
  const code = (error as { code?: unknown } | null)?.code;
  return typeof code === 'string' ? code : undefined;
};

const errorText = (error: unknown): string => (error instanceof Error ? error.message : String(error));

/**
 * The error to report for a failure while opening the store (`url` is the configured connection
 * string, `schema` SRHOOKS_DB_SCHEMA or null); `null` when the failure is none of those a setting
 * causes (the caller reports it as it is).
 */
export function pgSetupError(error: unknown, url: string, schema: string | null): StoreError | null {
  if (error instanceof StoreError && !(error instanceof StoreUnavailableError)) return null;
  const cause = error instanceof StoreUnavailableError && error.cause !== undefined ? error.cause : error;
  const parts = pgUrlParts(url);
  const where = parts.shown === null ? 'DATABASE_URL' : `DATABASE_URL (${parts.shown})`;
  const reason = errorText(cause);
  const user = parts.user ?? 'the default user';
  switch (errorCode(cause)) {
    case '28P01':
      return new StoreSetupError(
        `PostgreSQL refused the password for user "${user}" (${reason}, 28P01): check the user and password in ${where}; the password is not printed.`,
        { cause },
      );
    case '28000':
      return new StoreSetupError(
        `PostgreSQL refused the connection for user "${user}" (${reason}, 28000): check the user name in ${where}, or create that role on the server (CREATE ROLE … LOGIN); "no pg_hba.conf entry" means the server's pg_hba.conf does not let this user, host or database in.`,
        { cause },
      );
    case '3D000':
      return new StoreSetupError(
        `PostgreSQL has no database "${parts.database ?? 'of that name'}" (${reason}, 3D000): check the database name (after the last /) in ${where}, or create it (CREATE DATABASE).`,
        { cause },
      );
    case '42501':
      return new StoreSetupError(
        `PostgreSQL user "${user}" may not create or use the store's tables (${reason}, 42501): grant it what the store needs (${
          schema === null
            ? 'CREATE and USAGE on the schema of its search_path, usually public'
            : `CREATE and USAGE on schema "${schema}", or CREATE on the database so the receiver can create that schema (SRHOOKS_DB_SCHEMA)`
        }), or set ${where} to a user that has them.`,
        { cause },
      );
    case '3F000':
      return new StoreSetupError(
        `PostgreSQL has no such schema (${reason}, 3F000): check SRHOOKS_DB_SCHEMA and the search_path of the user in ${where}.`,
        { cause },
      );
    default:
      break;
  }
  const at = parts.host === null ? 'the server' : `${parts.host}:${parts.port}`;
  const tls = tlsSetupError(cause, url, at, where);
  if (tls !== null) return tls;
  if (!isPgUnavailable(cause)) return null;
  const hint = connectHint(errorCode(cause), reason, at, where);
  return hint === null ? null : new StoreUnavailableError(`PostgreSQL: ${reason}; ${hint}`, { cause });
}

function connectHint(code: string | undefined, reason: string, at: string, where: string): string | null {
  switch (code) {
    case 'ECONNREFUSED':
      return `nothing accepts connections at ${at}: check the host and port in ${where} and that PostgreSQL is running there`;
    case 'ENOTFOUND':
    case 'EAI_AGAIN':
      return `the host name does not resolve: check the host in ${where}`;
    case 'ETIMEDOUT':
    case 'EHOSTUNREACH':
    case 'ENETUNREACH':
      return `${at} cannot be reached: check the host and port in ${where} and any firewall between`;
    case '53300':
      return "the server's connection limit is reached: retry later, or lower the number of receivers or raise max_connections";
    default:
      return /timeout/i.test(reason)
        ? `no answer from ${at} in time: check the host and port in ${where} and any firewall between`
        : null;
  }
}

/** The certificate checks Node's TLS reports by code (node:tls, OpenSSL's verify results). */
const CERTIFICATE_CODES = new Set([
  'DEPTH_ZERO_SELF_SIGNED_CERT',
  'SELF_SIGNED_CERT_IN_CHAIN',
  'UNABLE_TO_VERIFY_LEAF_SIGNATURE',
  'UNABLE_TO_GET_ISSUER_CERT',
  'UNABLE_TO_GET_ISSUER_CERT_LOCALLY',
  'CERT_HAS_EXPIRED',
  'CERT_NOT_YET_VALID',
  'CERT_UNTRUSTED',
  'CERT_REJECTED',
  'ERR_TLS_CERT_ALTNAME_INVALID',
]);

/** The URL's sslmode as written (never anything else of its query), null when none. */
function sslModeIn(url: string): string | null {
  return URL.canParse(url) ? new URL(url).searchParams.get('sslmode') : null;
}

/**
 * A TLS connection the URL asks for that the server does not offer, or whose certificate was not
 * accepted: a setting on either side, not an outage (StoreSetupError). Null for anything else.
 */
function tlsSetupError(cause: unknown, url: string, at: string, where: string): StoreSetupError | null {
  const sslmode = sslModeIn(url);
  const asked = sslmode === null ? 'TLS' : `sslmode=${sslmode}`;
  const reason = errorText(cause);
  if (/^The server does not support SSL connections$/.test(reason)) {
    return new StoreSetupError(
      `PostgreSQL at ${at} does not take TLS connections, and ${where} asks for TLS (${asked}): turn TLS on in the server (ssl = on in postgresql.conf), or set sslmode=prefer in DATABASE_URL (TLS when the server offers it, else unencrypted) or sslmode=disable (unencrypted).`,
      { cause },
    );
  }
  const code = errorCode(cause);
  if (code !== undefined && CERTIFICATE_CODES.has(code)) {
    return new StoreSetupError(
      `PostgreSQL's TLS certificate at ${at} was not accepted (${reason}, ${code}) with ${asked} in ${where}: give the CA that signed it with sslrootcert=/path/to/ca.pem in DATABASE_URL (verify-full checks the host name too, verify-ca only the CA), or use sslmode=require to encrypt without checking the certificate.`,
      { cause },
    );
  }
  return null;
}
