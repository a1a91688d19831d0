/**
 * Process entry point: read the configuration, build the receiver, listen, reconcile
 * subscriptions when configured, and shut down gracefully on SIGTERM/SIGINT (stop accepting,
 * answer in-flight requests, finish pending commits, close the store).
 */
import { buildReceiver } from './app.js';
import { ConfigError } from './config/config-error.js';
import type { ReceiverConfig } from './config/config-schema.js';
import { loadConfig } from './config/load-config.js';
import { reconcileShops } from './reconcile/reconcile-shops.js';

function readConfig(): ReceiverConfig | null {
  try {
    return loadConfig();
  } catch (error) {
    if (!(error instanceof ConfigError)) throw error;
    process.stderr.write(`${error.message}\n`);
    process.exitCode = 1;
    return null;
  }
}

async function main(): Promise<void> {
  const config = readConfig();
  if (!config) return;
  const app = await buildReceiver(config);

  let closing = false;
  const shutdown = (signal: NodeJS.Signals): void => {
    if (closing) {
      app.log.warn({ signal }, 'second signal: exiting without waiting');
      process.exit(130);
    }
    closing = true;
    app.log.info({ signal }, 'shutting down: finishing in-flight deliveries');
    const timer = setTimeout(() => {
      app.log.error({ timeoutMs: config.shutdownTimeoutMs }, 'graceful shutdown timed out; exiting');
      process.exit(1);
    }, config.shutdownTimeoutMs);
    timer.unref();
    app.close().then(
      () => {
        clearTimeout(timer);
        app.log.info('receiver stopped');
      },
      (error: unknown) => {
        clearTimeout(timer);
        app.log.error({ err: error }, 'error while shutting down');
        process.exitCode = 1;
      },
    );
  };
  process.on('SIGTERM', shutdown);
  process.on('SIGINT', shutdown);

  try {
    await app.listen({ port: config.port, host: config.host });
  } catch (error) {
    await app.close();
    throw error;
  }
  if (config.shops.some((shop) => shop.reconcile)) {
    await reconcileShops(config, { logger: app.log });
  }
}

main().catch((error: unknown) => {
  process.stderr.write(
    `srhooks receiver failed to start: ${error instanceof Error ? error.message : String(error)}\n`,
  );
  process.exitCode = 1;
});
