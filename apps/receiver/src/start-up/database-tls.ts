/**
 * DATABASE_URL's sslmode as libpq reads it (config/database-url.ts), for the receiver process: the URL
 * every connection of the store is opened with gets `uselibpqcompat=true` (node-postgres then reads
 * require, verify-ca and verify-full as libpq does), and sslmode=prefer — which node-postgres cannot
 * honour: it never falls back to an unencrypted connection — is decided at start, as libpq decides it for
 * each connection: a trial connection with TLS (certificate not checked); when it fails and one without
 * TLS succeeds (a server without TLS, or one whose pg_hba.conf lets this user in only unencrypted), the
 * store's connections are made without TLS for the life of the process; else with TLS. When neither
 * connects (the server is down) nothing is decided yet: the caller decides again before it next tries the
 * store (a start during an outage, start-while-store-unreachable.ts).
 */
import type { Logger } from 'pino';
import type { ReceiverConfig } from '../config/config-schema.js';
import { driverDatabaseUrl, sslModeOf, withoutTls } from '../config/database-url.js';

/** How long each trial connection may take to connect (as the store's connections: pg-connection.ts). */
const TRIAL_CONNECT_TIMEOUT_MS = 5000;

/**
 * Opens a connection to `url` and closes it at once: 'connected', 'unreachable' (the server did not
 * answer: no trial without TLS is worth it then) or 'refused' (it answered, e.g. "The server does not
 * support SSL connections").
 */
async function tryConnect(url: string): Promise<'connected' | 'unreachable' | 'refused'> {
  // loaded here: a receiver on SQLite never loads the PostgreSQL driver
  const { newStoreClient } = await import('../store/postgres/pg-connection.js');
  const { isPgUnavailable } = await import('../store/postgres/pg-errors.js');
  let client: ReturnType<typeof newStoreClient> | undefined;
  try {
    // the driver reads sslrootcert & co. here: a file gone since the config was read fails the trial
    client = newStoreClient({
      connectionString: url,
      connectionTimeoutMillis: TRIAL_CONNECT_TIMEOUT_MS,
      application_name: 'srhooks-receiver',
    });
    await client.connect();
    return 'connected';
  } catch (error) {
    return isPgUnavailable(error) ? 'unreachable' : 'refused';
  } finally {
    await client?.end().catch(() => {});
  }
}

/** What sslmode=prefer came to at this start; null while undecided. */
export type PreferOutcome = 'tls' | 'no-tls' | null;

/**
 * The configuration whose `databaseUrl` is the one the driver is given (unchanged without one), and,
 * for sslmode=prefer, what the trial connections decided.
 */
export async function withDriverDatabaseUrl(
  config: ReceiverConfig,
): Promise<{ config: ReceiverConfig; prefer: PreferOutcome }> {
  if (config.databaseUrl === undefined) return { config, prefer: null };
  const url = driverDatabaseUrl(config.databaseUrl);
  if (sslModeOf(url) !== 'prefer') return { config: { ...config, databaseUrl: url }, prefer: null };
  const withTls = await tryConnect(url);
  if (withTls === 'connected') return { config: { ...config, databaseUrl: url }, prefer: 'tls' };
  const plain = withoutTls(url);
  if (withTls === 'refused' && (await tryConnect(plain)) === 'connected')
    return { config: { ...config, databaseUrl: plain }, prefer: 'no-tls' };
  // the server cannot be reached (or refuses both): the store's own start reports why
  return { config: { ...config, databaseUrl: url }, prefer: null };
}

/** Says what sslmode=prefer came to (nothing while undecided). */
export function logPreferOutcome(logger: Logger, prefer: PreferOutcome): void {
  if (prefer === 'tls')
    logger.info(
      { store: { kind: 'postgres', tls: true } },
      "DATABASE_URL has sslmode=prefer: PostgreSQL takes TLS, the store's connections are encrypted (its certificate is not checked: sslmode=verify-full checks it)",
    );
  else if (prefer === 'no-tls')
    logger.warn(
      { store: { kind: 'postgres', tls: false } },
      "DATABASE_URL has sslmode=prefer and PostgreSQL takes no TLS connection from this receiver: the store's connections are not encrypted (sslmode=require refuses to connect unencrypted)",
    );
}
