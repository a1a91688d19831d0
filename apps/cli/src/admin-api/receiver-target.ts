import { badPortAdvice } from '@srhooks/client/network-failure';
import { remoteError, usageError } from '../cli-error.js';
import { productName } from '../cli-invocation.js';
import { resolveConfigDir } from '../config/config-dir.js';
import { DEFAULT_LISTEN_PORT } from '../config/listen-defaults.js';
import { type ListenRunning, readListenRunning } from '../config/listen-secrets.js';

/** The receiver the admin commands fall back to: the port `srhooks listen` takes by default. */
export const DEFAULT_RECEIVER_URL = `http://127.0.0.1:${DEFAULT_LISTEN_PORT}`;

/**
 * Why a receiver was chosen: `--receiver`, `SRHOOKS_RECEIVER_URL`, the running `srhooks listen` of
 * this config directory (listen.json), or the documented default when none of these names one.
 */
export type ReceiverSource = 'flag' | 'env' | 'listen' | 'default';

export interface ReceiverTarget {
  /** Base URL without a trailing slash. */
  url: string;
  source: ReceiverSource;
  /** The config directory whose listen.json was read (source `listen` or `default`). */
  configDir?: string;
  /** Set when the URL is the running `srhooks listen` recorded in listen.json. */
  listen?: ListenRunning;
}

/**
 * Which receiver the admin commands talk to, in this order: `--receiver`, else
 * `SRHOOKS_RECEIVER_URL`, else the `srhooks listen` of this config directory recorded in listen.json
 * (on whatever port it runs), else the default `http://127.0.0.1:4750`. A recorded listen whose
 * process is gone (killed without cleaning up) is an error saying so, rather than a connection
 * refused on a port nobody listens on.
 */
export async function resolveReceiverTarget(
  flag: string | undefined,
  env: Record<string, string | undefined>,
): Promise<ReceiverTarget> {
  if (flag !== undefined) return { url: flag.replace(/\/+$/, ''), source: 'flag' };
  const fromEnv = env.SRHOOKS_RECEIVER_URL?.trim() || undefined;
  if (fromEnv !== undefined) return { url: fromEnv.replace(/\/+$/, ''), source: 'env' };
  const configDir = resolveConfigDir(env);
  const running = await readListenRunning(configDir);
  if (!running) return { url: DEFAULT_RECEIVER_URL, source: 'default', configDir };
  if (!running.alive) {
    throw remoteError(
      `${productName('listen')} is no longer running (listen.json names ${running.url}, process ${running.pid} since ${running.startedAt}, which has ended)`,
      'start srhooks listen again, or pass --receiver URL or set SRHOOKS_RECEIVER_URL',
      'listen_not_running',
    );
  }
  const { alive: _alive, ...listen } = running;
  return { url: running.url.replace(/\/+$/, ''), source: 'listen', configDir, listen };
}

/** The config directory as the user set it: `/tmp/a (SRHOOKS_CONFIG_DIR)`, or the platform's. */
function configDirText(configDir: string | undefined, env: Record<string, string | undefined>): string {
  return env.SRHOOKS_CONFIG_DIR?.trim() ? `${configDir} (SRHOOKS_CONFIG_DIR)` : `${configDir}`;
}

/**
 * Why this receiver was the one tried, for an error message: `given with --receiver`,
 * `from SRHOOKS_RECEIVER_URL`, `the srhooks listen of the config directory …, process 4242`, or
 * `the default: no srhooks listen runs for the config directory …, and neither --receiver nor
 * SRHOOKS_RECEIVER_URL is set`.
 */
export function receiverTargetReason(
  target: ReceiverTarget,
  env: Record<string, string | undefined>,
): string {
  switch (target.source) {
    case 'flag':
      return 'given with --receiver';
    case 'env':
      return 'from SRHOOKS_RECEIVER_URL';
    case 'listen':
      return `the ${productName('listen')} of the config directory ${configDirText(target.configDir, env)}, process ${target.listen?.pid}`;
    case 'default':
      return `the default: no ${productName('listen')} runs for the config directory ${configDirText(target.configDir, env)}, and neither --receiver nor SRHOOKS_RECEIVER_URL is set`;
  }
}

/** What to do when the receiver tried is not the one meant (or not there). */
export function receiverTargetAdvice(target: ReceiverTarget): string {
  switch (target.source) {
    case 'flag':
      return 'check --receiver: is the receiver running at that URL?';
    case 'env':
      return 'check SRHOOKS_RECEIVER_URL: is the receiver running at that URL? (--receiver URL overrides it)';
    case 'listen':
      return `is ${productName('listen')} still starting or stopping? pass --receiver URL or set SRHOOKS_RECEIVER_URL for another receiver`;
    case 'default':
      return 'start srhooks listen with this config directory (the admin commands then find it on any port), or pass --receiver URL or set SRHOOKS_RECEIVER_URL';
  }
}

/**
 * What to do when fetch refused the receiver URL's port outright (a "bad port", @srhooks/client's
 * isBadPort): no receiver on it can be asked, running or not; name the port, and where to give another.
 */
export function receiverBadPortAdvice(target: ReceiverTarget): string {
  const port = badPortAdvice(target.url);
  switch (target.source) {
    case 'flag':
      return `${port} (run the receiver on one and pass its URL with --receiver)`;
    case 'env':
      return `${port} (run the receiver on one and set SRHOOKS_RECEIVER_URL to its URL; --receiver URL overrides it)`;
    case 'listen':
      return `${port} (restart ${productName('listen')} with --port set to one)`;
    case 'default':
      return `${port} (pass --receiver URL or set SRHOOKS_RECEIVER_URL)`;
  }
}

/**
 * The default receiver with no admin token to send it: listen.json's token is this config
 * directory's listen's, which does not run, so it would only be refused by whatever listens on the
 * default port (another config directory's listen, say) and count towards its lock-out. Nothing is
 * sent; the error says which receiver would have been tried and why.
 */
export function noReceiverError(target: ReceiverTarget, env: Record<string, string | undefined>): Error {
  return usageError(
    `no receiver to ask: no ${productName('listen')} runs for the config directory ${configDirText(target.configDir, env)}, neither --receiver nor SRHOOKS_RECEIVER_URL is set, and the default ${target.url} was not tried without an admin token (--admin-token or SRHOOKS_ADMIN_TOKEN)`,
    'start srhooks listen with this config directory (the admin commands then find it on any port and use its token), or pass --receiver URL with --admin-token (or set SRHOOKS_RECEIVER_URL and SRHOOKS_ADMIN_TOKEN)',
    'no_receiver',
  );
}
