/**
 * What is wrong with a DATABASE_URL before the driver sees it, or null, and the URL the driver is given.
 * The driver's own words name nothing: a port over 65535 fails with "Invalid URL", an unknown `sslmode`
 * turns SSL on and fails with "The server does not support SSL connections". Never quotes the URL (it
 * holds the password).
 *
 * `sslmode` means what it means to libpq (psql, pg_dump), not what node-postgres makes of it by default
 * (prefer, require and verify-ca all checking the certificate and the host name, as verify-full):
 * - disable: no TLS;
 * - prefer: TLS (certificate not checked) when the server offers it, else unencrypted — decided by the
 *   receiver at start (start-up/database-tls.ts): node-postgres itself cannot fall back;
 * - require: TLS, the certificate not checked (checked against the CA of `sslrootcert` when given, as libpq
 *   does); a server without TLS is refused;
 * - verify-ca: TLS, the certificate checked against the CA of `sslrootcert` (required), not the host name;
 * - verify-full: TLS, the certificate checked (against `sslrootcert`, else the system's CAs) and its host
 *   name;
 * - no-verify (node-postgres' own): as require without `sslrootcert`.
 * Without `sslmode` the connection is not encrypted (libpq's default would be prefer).
 */
import { accessSync, constants, statSync } from 'node:fs';

/** Why `file` cannot be read, or null (a readable file). */
function unreadableFile(file: string): string | null {
  try {
    if (!statSync(file).isFile()) return 'is not a file';
    accessSync(file, constants.R_OK);
    return null;
  } catch (error) {
    const code = (error as { code?: unknown }).code;
    return code === 'ENOENT' ? 'does not exist' : `cannot be read (${String(code)})`;
  }
}

/** The `sslmode` values the receiver takes; any other one is refused. */
const SSL_MODES = ['disable', 'prefer', 'require', 'verify-ca', 'verify-full', 'no-verify'];

/** The modes node-postgres reads as libpq does only with `uselibpqcompat=true`. */
const LIBPQ_MODES = new Set(['prefer', 'require', 'verify-ca', 'verify-full']);

/** The URL's `sslmode`, null when it has none or is no URL. */
export function sslModeOf(url: string): string | null {
  return URL.canParse(url) ? new URL(url).searchParams.get('sslmode') : null;
}

export function databaseUrlProblem(url: string): string | null {
  if (!/^postgres(ql)?:\/\//.test(url)) return 'must be a postgres:// or postgresql:// connection string';
  if (!URL.canParse(url)) {
    return 'is not a valid URL: write it as postgres://user:password@host:5432/database (a port is 1 to 65535; percent-encode @, :, /, ?, # and % in the user name and password)';
  }
  const params = new URL(url).searchParams;
  const sslmode = params.get('sslmode');
  if (sslmode !== null && !SSL_MODES.includes(sslmode))
    return `sslmode must be one of ${SSL_MODES.join(', ')}`;
  if (sslmode === 'verify-ca' && params.get('sslrootcert') === null)
    return 'sslmode=verify-ca checks the server certificate against a CA of your own: add sslrootcert=/path/to/ca.pem (the CA file), or use sslmode=verify-full (the system CAs and the host name)';
  for (const key of ['sslrootcert', 'sslcert', 'sslkey']) {
    const file = params.get(key);
    const problem = file === null ? null : unreadableFile(file);
    if (problem !== null)
      return `${key}: the file ${file} ${problem}; node-postgres reads it for every connection (a path relative to the receiver's working folder)`;
  }
  const compat = params.get('uselibpqcompat');
  if (compat !== null && compat !== 'true')
    return 'uselibpqcompat: the receiver always reads sslmode as libpq does; remove uselibpqcompat';
  return null;
}

/** `url` with `name=value` in its query (before any #fragment), the rest of it kept as written. */
function withParam(url: string, name: string, value: string): string {
  const hash = url.indexOf('#');
  const [head, tail] = hash < 0 ? [url, ''] : [url.slice(0, hash), url.slice(hash)];
  return `${head}${head.includes('?') ? '&' : '?'}${name}=${value}${tail}`;
}

/**
 * The URL node-postgres is given for a valid DATABASE_URL: `uselibpqcompat=true` added when its sslmode
 * is one node-postgres reads otherwise (prefer, require, verify-ca, verify-full), so that it means what
 * libpq makes of it. prefer then asks for TLS without checking the certificate; the fall-back to an
 * unencrypted connection when the server has no TLS is the receiver's (start-up/database-tls.ts).
 */
export function driverDatabaseUrl(url: string): string {
  if (!URL.canParse(url)) return url;
  const params = new URL(url).searchParams;
  const sslmode = params.get('sslmode');
  if (sslmode === null || !LIBPQ_MODES.has(sslmode) || params.get('uselibpqcompat') === 'true') return url;
  return withParam(url, 'uselibpqcompat', 'true');
}

/** `url` (a driver URL of sslmode=prefer) asking for no TLS: what prefer is when the server has none. */
export function withoutTls(url: string): string {
  const hash = url.indexOf('#');
  const [head, tail] = hash < 0 ? [url, ''] : [url.slice(0, hash), url.slice(hash)];
  return `${head.replace(/([?&])sslmode=prefer(?=&|$)/, '$1sslmode=disable')}${tail}`;
}
