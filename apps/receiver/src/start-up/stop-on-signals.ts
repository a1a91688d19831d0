/**
 * SIGTERM/SIGINT: the first starts a graceful stop (`close`: stop accepting, answer in-flight requests,
 * finish pending commits, close the store), bounded by SRHOOKS_SHUTDOWN_TIMEOUT_MS (then exit 1); a second
 * exits at once (130). Returns a promise resolved once the graceful stop has finished.
 */
import type { Logger } from 'pino';

export interface SignalSource {
  on(signal: NodeJS.Signals, listener: (signal: NodeJS.Signals) => void): unknown;
  exitCode?: number | string | undefined;
  exit(code: number): void;
}

export function stopOnSignals(
  proc: SignalSource,
  log: Logger,
  timeoutMs: number,
  close: () => Promise<void>,
): Promise<void> {
  let closing = false;
  let markStopped: () => void = () => {};
  const stopped = new Promise<void>((resolve) => {
    markStopped = resolve;
  });
  const shutdown = (signal: NodeJS.Signals): void => {
    if (closing) {
      log.warn({ signal }, 'second signal: exiting without waiting');
      proc.exit(130);
      return;
    }
    closing = true;
    log.info({ signal }, 'shutting down: finishing in-flight deliveries');
    const timer = setTimeout(() => {
      log.error({ timeoutMs }, 'graceful shutdown timed out; exiting');
      proc.exit(1);
    }, timeoutMs);
    timer.unref();
    close().then(
      () => {
        clearTimeout(timer);
        log.info('receiver stopped');
        markStopped();
      },
      (error: unknown) => {
        clearTimeout(timer);
        log.error({ err: error }, 'error while shutting down');
        proc.exitCode = 1;
        markStopped();
      },
    );
  };
  proc.on('SIGTERM', shutdown);
  proc.on('SIGINT', shutdown);
  return stopped;
}
