/**
 * What the process does, with the process itself injectable (tests): read the configuration,
 * build the receiver, listen, reconcile subscriptions when configured, and shut down gracefully
 * on SIGTERM/SIGINT (stop accepting, answer in-flight requests, finish pending commits, close
 * the store). `main.ts` calls it with the real process.
 */
import type { FastifyInstance } from 'fastify';
import { type BuildReceiverOptions, buildReceiver } from './app.js';
import { ConfigError } from './config/config-error.js';
import { loadConfig } from './config/load-config.js';
import { reconcileShops } from './reconcile/reconcile-shops.js';

export interface ReceiverProcess {
  readonly env: Record<string, string | undefined>;
  cwd(): string;
  on(signal: NodeJS.Signals, listener: (signal: NodeJS.Signals) => void): unknown;
  readonly stderr: { write(text: string): unknown };
  exitCode?: number | string | undefined;
  exit(code: number): void;
}

export interface RunningReceiver {
  readonly app: FastifyInstance;
  /** Resolves when a signal's graceful shutdown has finished. */
  readonly stopped: Promise<void>;
}

/** Starts the receiver; `null` (exit code 1, message on stderr) when the configuration is invalid. */
export async function runReceiver(
  proc: ReceiverProcess = process,
  buildOptions: BuildReceiverOptions = {},
): Promise<RunningReceiver | null> {
  let config: ReturnType<typeof loadConfig>;
  try {
    config = loadConfig({ env: proc.env, cwd: proc.cwd() });
  } catch (error) {
    if (!(error instanceof ConfigError)) throw error;
    proc.stderr.write(`${error.message}\n`);
    proc.exitCode = 1;
    return null;
  }
  const app = await buildReceiver(config, buildOptions);

  let closing = false;
  let markStopped: () => void = () => {};
  const stopped = new Promise<void>((resolve) => {
    markStopped = resolve;
  });
  const shutdown = (signal: NodeJS.Signals): void => {
    if (closing) {
      app.log.warn({ signal }, 'second signal: exiting without waiting');
      proc.exit(130);
      return;
    }
    closing = true;
    app.log.info({ signal }, 'shutting down: finishing in-flight deliveries');
    const timer = setTimeout(() => {
      app.log.error({ timeoutMs: config.shutdownTimeoutMs }, 'graceful shutdown timed out; exiting');
      proc.exit(1);
    }, config.shutdownTimeoutMs);
    timer.unref();
    app.close().then(
      () => {
        clearTimeout(timer);
        app.log.info('receiver stopped');
        markStopped();
      },
      (error: unknown) => {
        clearTimeout(timer);
        app.log.error({ err: error }, 'error while shutting down');
        proc.exitCode = 1;
        markStopped();
      },
    );
  };
  proc.on('SIGTERM', shutdown);
  proc.on('SIGINT', shutdown);

  try {
    await app.listen({ port: config.port, host: config.host });
  } catch (error) {
    await app.close();
    throw error;
  }
  if (config.shops.some((shop) => shop.reconcile)) {
    await reconcileShops(config, { logger: app.log });
  }
  // Recovery: a pass per shop now (covering the time the receiver was away), then on its interval.
  app.recovery.start();
  return { app, stopped };
}
