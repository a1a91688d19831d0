/**
 * What the process does, with the process itself injectable (tests): read the configuration,
 * build the receiver, listen, reconcile subscriptions when configured, and shut down gracefully
 * on SIGTERM/SIGINT (stop accepting, answer in-flight requests, finish pending commits, close
 * the store). `main.ts` calls it with the real process.
 *
 * A PostgreSQL store that cannot be reached at start fails it (exit 1, saying a spool would help) —
 * unless SRHOOKS_SPOOL_DIR is set: then the receiver listens anyway, spools deliveries and takes the
 * store once it opens (start-up/start-while-store-unreachable.ts).
 */
import { readFileSync } from 'node:fs';
import type { FastifyInstance } from 'fastify';
import type { Logger } from 'pino';
import { type BuildReceiverOptions, buildReceiver, receiverLogger } from './app.js';
import { APP_ENV_VARIABLES } from './app-mode/app-env.js';
import { ConfigError } from './config/config-error.js';
import type { ReceiverConfig } from './config/config-schema.js';
import { sslModeOf } from './config/database-url.js';
import { ENV_VARIABLES } from './config/env-config.js';
import { loadConfig } from './config/load-config.js';
import { type ProcessFault, watchProcessFaults } from './process-faults.js';
import { ReconcileRetries } from './reconcile/reconcile-retries.js';
import { reconcileShops } from './reconcile/reconcile-shops.js';
import { checkSpoolFolder } from './spool/spool-folder-check.js';
import { logPreferOutcome, withDriverDatabaseUrl } from './start-up/database-tls.js';
import { checkListenAddress, listenError } from './start-up/listen-error.js';
import {
  type StoreRetryOptions,
  startWhileStoreUnreachable,
} from './start-up/start-while-store-unreachable.js';
import { stopOnSignals } from './start-up/stop-on-signals.js';
import {
  probeStore,
  StoreUnreachableAtStartError,
  storeUnreachableAtStart,
} from './start-up/store-unreachable-at-start.js';

export { ListenError } from './start-up/listen-error.js';

export interface ReceiverProcess {
  readonly env: Record<string, string | undefined>;
  cwd(): string;
  on(signal: NodeJS.Signals, listener: (signal: NodeJS.Signals) => void): unknown;
  /** A module handler's error nothing caught: logged without its text (process-faults.ts). */
  on(event: ProcessFault, listener: (error: unknown) => void): unknown;
  readonly stderr: { write(text: string): unknown };
  /** `process.argv`: the receiver takes no arguments beyond `--help`/`--version` (absent: none). */
  readonly argv?: readonly string[];
  readonly stdout?: { write(text: string): unknown };
  exitCode?: number | string | undefined;
  exit(code: number): void;
}

export interface RunningReceiver {
  /**
   * The receiver taking requests. Started while the store was unreachable (with a spool): the spool-only
   * receiver until the store opens, then the full one (start-up/start-while-store-unreachable.ts).
   */
  readonly app: FastifyInstance;
  /** The full receiver once it serves (at once after a normal start); null when stopped before. */
  readonly full: Promise<FastifyInstance | null>;
  /** Resolves when a signal's graceful shutdown has finished. */
  readonly stopped: Promise<void>;
}

export interface RunOptions {
  /** How often a start without its store tries it again (default 1 s, doubling, at most 15 s; tests). */
  readonly storeRetry?: StoreRetryOptions;
}

const CONFIGURATION_DOCS = 'https://github.com/srhooks/srhooks/blob/main/apps/receiver/docs/configuration.md';

function receiverVersion(): string {
  const manifest = JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8')) as {
    version?: string;
  };
  return manifest.version ?? 'unknown';
}

function usage(): string {
  const names = [...Object.keys(ENV_VARIABLES), ...Object.keys(APP_ENV_VARIABLES), 'SRHOOKS_CONFIG'];
  const lines: string[] = [];
  let line = ' ';
  for (const name of names) {
    if (line.length + name.length > 96) {
      lines.push(line);
      line = ' ';
    }
    line += ` ${name}`;
  }
  lines.push(line);
  return `Usage: node dist/main.js   (in the repository: npm start in apps/receiver; installed from the npm registry:
       node node_modules/@srhooks/receiver/dist/main.js, with the start flags its README gives)

The srhooks receiver takes no command-line arguments. It is configured with environment variables,
optionally on top of a JSON file (./srhooks.config.json, or the file named by SRHOOKS_CONFIG);
environment variables win. SRHOOKS_SECRETS is required (delivery URL secrets, comma-separated,
newest first, each at least 16 characters), e.g.

  SRHOOKS_SECRETS="$(openssl rand -base64 32)" SRHOOKS_PUBLIC_URL=https://hooks.example.com node dist/main.js

Environment variables:
${lines.join('\n')}

What each one means: the receiver's docs/configuration.md (in the package, beside dist/; or
${CONFIGURATION_DOCS}).

Options:
  -h, --help     print this and exit
  -v, --version  print the receiver's version and exit
`;
}

/**
 * Handles the command line: `--help`/`--version` answer, anything else is refused (exit 2).
 * Returns true when the process should start the receiver.
 */
function acceptArguments(proc: ReceiverProcess): boolean {
  const args = proc.argv?.slice(2) ?? [];
  const stdout = proc.stdout ?? proc.stderr;
  if (args.length === 0) return true;
  const [first] = args;
  if (args.length === 1 && (first === '--help' || first === '-h')) {
    stdout.write(usage());
    proc.exitCode = 0;
    return false;
  }
  if (args.length === 1 && (first === '--version' || first === '-v')) {
    stdout.write(`${receiverVersion()}\n`);
    proc.exitCode = 0;
    return false;
  }
  const unknown = args.find((arg) => !['--help', '-h', '--version', '-v'].includes(arg)) ?? first;
  proc.stderr.write(
    `srhooks receiver: unknown argument "${unknown}": the receiver takes no arguments; it is configured with environment variables (PORT, SRHOOKS_SECRETS, …) and srhooks.config.json. Run node dist/main.js --help for the list.\n`,
  );
  proc.exitCode = 2;
  return false;
}

/**
 * Starts the receiver; `null` when it did not: the configuration is invalid (exit code 1, message
 * on stderr), or the command line asked for help or the version (exit 0) or was not understood
 * (exit 2).
 */
export async function runReceiver(
  proc: ReceiverProcess = process,
  buildOptions: BuildReceiverOptions = {},
  runOptions: RunOptions = {},
): Promise<RunningReceiver | null> {
  if (!acceptArguments(proc)) return null;
  // The environment the handlers resolve ${VAR}s from: processing.env when the embedding application
  // gives one, else this process's. The configuration check reads the same (an unset one is listed
  // there with the other problems), and so does the log scrubber.
  const handlerEnv = buildOptions.processing?.env ?? proc.env;
  const withEnv: BuildReceiverOptions = {
    ...buildOptions,
    processing: { ...buildOptions.processing, env: handlerEnv },
  };
  let config: ReturnType<typeof loadConfig>;
  try {
    config = loadConfig({ env: proc.env, cwd: proc.cwd(), referenceEnv: handlerEnv });
  } catch (error) {
    if (!(error instanceof ConfigError)) throw error;
    proc.stderr.write(`${error.message}\n`);
    proc.exitCode = 1;
    return null;
  }
  // before any handler file is imported: an error a handler leaves to the process must not print the order
  let faultLogger: Logger | undefined;
  watchProcessFaults(proc, () => faultLogger);
  const logger = buildOptions.logger ?? receiverLogger(config, withEnv);
  faultLogger = logger;
  const options: BuildReceiverOptions = { ...withEnv, logger };
  // Before the store is opened (a new SQLite file, a PostgreSQL schema): a start the spool folder or the
  // listening address refuses leaves nothing new on disk.
  if (config.spoolDir !== undefined) await checkSpoolFolder(config.spoolDir);
  await checkListenAddress(config.host, config.port);
  // DATABASE_URL's sslmode as libpq reads it; prefer decided by trial connections (start-up/database-tls.ts)
  const written = config;
  let driver = await withDriverDatabaseUrl(written);
  logPreferOutcome(logger, driver.prefer);
  config = driver.config;
  let app: FastifyInstance;
  try {
    app = await buildReceiver(config, options);
  } catch (error) {
    if (!storeUnreachableAtStart(error, config)) throw error;
    if (config.spoolDir === undefined) throw new StoreUnreachableAtStartError(error);
    // A deploy, crash or reboot during a store outage: listen anyway and spool (start-up/).
    const spooling = await startWhileStoreUnreachable({ ...config, spoolDir: config.spoolDir }, error, {
      logger,
      buildFull: (serverFactory, opened, metrics) =>
        buildReceiver(driver.config, {
          ...options,
          serverFactory,
          metrics,
          spool: { ...options.spool, opened },
        }),
      probe: async () => {
        // sslmode=prefer not decided while the server could not be reached: decided once it answers
        if (driver.prefer === null && sslModeOf(written.databaseUrl ?? '') === 'prefer') {
          driver = await withDriverDatabaseUrl(written);
          logPreferOutcome(logger, driver.prefer);
        }
        await probeStore(driver.config);
      },
      afterStart: (full) => startBackgroundWork(config, full),
      ...(runOptions.storeRetry ? { retry: runOptions.storeRetry } : {}),
      ...(options.defaultMetrics === undefined ? {} : { defaultMetrics: options.defaultMetrics }),
    });
    const stopped = stopOnSignals(proc, logger, config.shutdownTimeoutMs, () => spooling.stop());
    return {
      get app() {
        return spooling.current();
      },
      stopped,
      full: spooling.full,
    };
  }

  const stopped = stopOnSignals(proc, logger, config.shutdownTimeoutMs, () => app.close());
  try {
    await app.listen({ port: config.port, host: config.host });
  } catch (error) {
    await app.close();
    throw listenError(error, config.host, config.port) ?? error;
  }
  await startBackgroundWork(config, app);
  return { app, stopped, full: Promise.resolve(app) };
}

/** What runs once the receiver listens: subscriptions reconciled (when configured), then recovery. */
async function startBackgroundWork(config: ReceiverConfig, app: FastifyInstance): Promise<void> {
  if (config.shops.some((shop) => shop.reconcile)) {
    const reconcile = { logger: app.log, store: app.store, status: app.reconcileStatus };
    // a shop that could not be reached is tried again in the background until it is (reconcile-retries.ts)
    const retries = new ReconcileRetries(config, reconcile);
    app.server.once('close', () => retries.close());
    retries.start(await reconcileShops(config, reconcile));
  }
  // Recovery: a pass per shop now (covering the time the receiver was away), then on its interval.
  app.recovery.start();
}
