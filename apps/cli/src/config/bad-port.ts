/**
 * A port that `listen` or `sandbox` would serve on but fetch refuses to request (a "bad port" of the
 * fetch spec: 6000, 10080, …): asked of fetch itself, through @srhooks/client's isBadPort, so there is
 * no second list to keep in step with undici's.
 */
import { badPortAdvice, isBadPort } from '@srhooks/client/network-failure';
import { usageError } from '../cli-error.js';

/** Sends nothing: fetch's bad-port check comes before it asks a dispatcher to connect. */
const SEND_NOTHING = {
  dispatch(_options: unknown, handler: { onError?: (error: Error) => void }): boolean {
    handler.onError?.(new Error('port probe: nothing sent'));
    return true;
  },
};

/** Whether fetch refuses to request `port` (no request is sent either way). */
export async function fetchRefusesPort(port: number): Promise<boolean> {
  if (!Number.isInteger(port) || port <= 0 || port > 65535) return false;
  try {
    // The signal bounds the probe should a later fetch call the dispatcher's handler by other names
    // (nothing would settle it): then the port counts as usable, after at most a second.
    await fetch(`http://127.0.0.1:${port}/`, {
      dispatcher: SEND_NOTHING,
      signal: AbortSignal.timeout(1000),
    } as RequestInit);
    return false;
  } catch (error) {
    return isBadPort(error);
  }
}

/**
 * Refuses (exit 2, code `bad_port`) a `--port` that fetch refuses to request: a server there could not be
 * reached by the admin commands or the sandbox subcommands.
 */
export async function refuseBadPort(port: number): Promise<void> {
  if (!(await fetchRefusesPort(port))) return;
  throw usageError(
    badPortAdvice(`http://127.0.0.1:${port}/`),
    `pick another with --port (0 = any free port): srhooks commands (fetch) could not reach a server on port ${port}`,
    'bad_port',
  );
}
