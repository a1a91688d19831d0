/**
 * Whether an admin command's receiver is this config directory's running `srhooks listen` (listen.json
 * records where it runs): its advice then names listen's settings, not a receiver config file's.
 */
import { resolveConfigDir } from '../config/config-dir.js';
import { readListenRunning } from '../config/listen-secrets.js';

export async function isRunningListen(
  receiverUrl: string,
  env: Record<string, string | undefined>,
): Promise<boolean> {
  const running = await readListenRunning(resolveConfigDir(env)).catch(() => undefined);
  return running?.alive === true && running.url.replace(/\/+$/, '') === receiverUrl.replace(/\/+$/, '');
}
