import { remoteError } from '../cli-error.js';
import { resolveConfigDir } from '../config/config-dir.js';
import { DEFAULT_LISTEN_PORT } from '../config/listen-defaults.js';
import { type ListenRunning, readListenRunning } from '../config/listen-secrets.js';

export interface ReceiverTarget {
  /** Base URL without a trailing slash. */
  url: string;
  /** Set when the URL is the running `srhooks listen` recorded in listen.json. */
  listen?: ListenRunning;
}

/**
 * Which receiver the admin commands talk to: `--receiver`, else `SRHOOKS_RECEIVER_URL`, else the
 * `srhooks listen` recorded in listen.json (on whatever port it runs), else the default
 * `http://127.0.0.1:4750`. A recorded listen whose process is gone (killed without cleaning up) is
 * an error saying so, rather than a connection refused on a port nobody listens on.
 */
export async function resolveReceiverTarget(
  flag: string | undefined,
  env: Record<string, string | undefined>,
): Promise<ReceiverTarget> {
  const given = flag ?? (env.SRHOOKS_RECEIVER_URL?.trim() || undefined);
  if (given !== undefined) return { url: given.replace(/\/+$/, '') };
  const running = await readListenRunning(resolveConfigDir(env));
  if (!running) return { url: `http://127.0.0.1:${DEFAULT_LISTEN_PORT}` };
  if (!running.alive) {
    throw remoteError(
      `srhooks listen is no longer running (listen.json names ${running.url}, process ${running.pid} since ${running.startedAt}, which has ended)`,
      'start srhooks listen again, or pass --receiver URL or set SRHOOKS_RECEIVER_URL',
      'listen_not_running',
    );
  }
  const { alive: _alive, ...listen } = running;
  return { url: running.url.replace(/\/+$/, ''), listen };
}
