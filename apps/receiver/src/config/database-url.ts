/**
 * What is wrong with a DATABASE_URL before the driver sees it, or null. The driver's own words name
 * nothing: a port over 65535 fails with "Invalid URL", an unknown `sslmode` turns SSL on and fails with
 * "The server does not support SSL connections". Never quotes the URL (it holds the password).
 */

/** The `sslmode` values node-postgres acts on (pg-connection-string); any other one turns SSL on. */
const SSL_MODES = ['disable', 'prefer', 'require', 'verify-ca', 'verify-full', 'no-verify'];

export function databaseUrlProblem(url: string): string | null {
  if (!/^postgres(ql)?:\/\//.test(url)) return 'must be a postgres:// or postgresql:// connection string';
  if (!URL.canParse(url)) {
    return 'is not a valid URL: write it as postgres://user:password@host:5432/database (a port is 1 to 65535; percent-encode @, :, /, ?, # and % in the user name and password)';
  }
  const sslmode = new URL(url).searchParams.get('sslmode');
  if (sslmode !== null && !SSL_MODES.includes(sslmode))
    return `sslmode must be one of ${SSL_MODES.join(', ')}`;
  return null;
}
