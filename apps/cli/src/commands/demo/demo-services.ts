import { createWriteStream, existsSync } from 'node:fs';
import { mkdir } from 'node:fs/promises';
import { dirname } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { WebhookEvent } from '@srhooks/contracts';
import type { buildReceiver } from '@srhooks/receiver';
import type { RunningSandbox } from '@srhooks/sandbox';
import { portInUseError } from '../../config/port-in-use.js';
import { NATS_HANDLER } from './demo-nats.js';
import type { DemoWorkspace } from './demo-workspace.js';

export type Receiver = Awaited<ReturnType<typeof buildReceiver>>;
export type ReceiverStore = Receiver['store'];

/** The demo's receiver handlers: `log` always, `review-request` when the example module is there, `nats` with `--nats`. */
export const LOG_HANDLER = 'log';
export const REVIEW_REQUEST_HANDLER = 'review-request';
const REVIEW_REQUEST_EVENTS: WebhookEvent[] = ['order_confirm'];

function portInUse(error: unknown, port: number, flag: string): Error {
  if ((error as NodeJS.ErrnoException).code === 'EADDRINUSE') {
    return portInUseError(port, `pick another with ${flag}, or leave it out for a free port`);
  }
  return error as Error;
}

/** The emulated shop (`demo`, with the sandbox's demo API client) on 127.0.0.1. */
export async function startDemoSandbox(port: number): Promise<RunningSandbox> {
  const { startSandbox } = await import('@srhooks/sandbox');
  try {
    return await startSandbox({ port, host: '127.0.0.1' });
  } catch (error) {
    throw portInUse(error, port, '--port-sandbox');
  }
}

/**
 * `examples/review-request/handlers.mjs` of the receiver package: a real module handler that writes a
 * review-request e-mail per confirmed order to an outbox. Null when the receiver was installed
 * without its examples (only `dist`), in which case the demo runs the `log` handler alone.
 */
export function reviewRequestModulePath(): string | null {
  try {
    const receiverEntry = import.meta.resolve('@srhooks/receiver');
    const path = fileURLToPath(new URL('../examples/review-request/handlers.mjs', receiverEntry));
    return existsSync(path) ? path : null;
  } catch {
    return null;
  }
}

export interface DemoReceiverOptions {
  port: number;
  shop: string;
  workspace: DemoWorkspace;
  /** Signs the delivery URLs. */
  urlSecret: string;
  adminToken: string;
  /** Path of the review-request example module, or null to run without it. */
  reviewRequestModule: string | null;
  debug: boolean;
  /** `--nats`: a `nats` handler definition run for every event besides the others. */
  natsHandler?: Record<string, unknown>;
  /** The shop's API (the sandbox's), so the receiver can recover orders it missed. */
  api?: { clientId: string; clientSecret: string; apiUrl: string; tokenUrl: string };
}

export interface DemoReceiver {
  app: Receiver;
  /** `http://127.0.0.1:PORT` */
  url: string;
  /** Handler names run for every event of the shop (review-request only for order_confirm). */
  handlers: string[];
  close(): Promise<void>;
}

/**
 * The real receiver on SQLite in the demo's workspace, with the admin API and inspector (admin token)
 * and the job worker running the demo's handlers. Its own logs go to stderr, errors only unless
 * `--debug`; the `log` handler writes to a file so stdout stays the demo's.
 */
export async function startDemoReceiver(options: DemoReceiverOptions): Promise<DemoReceiver> {
  const { buildReceiver, ReceiverConfigSchema } = await import('@srhooks/receiver');
  const handlers = [
    LOG_HANDLER,
    ...(options.reviewRequestModule ? [REVIEW_REQUEST_HANDLER] : []),
    ...(options.natsHandler ? [NATS_HANDLER] : []),
  ];
  const config = ReceiverConfigSchema.parse({
    port: options.port,
    host: '127.0.0.1',
    secrets: [options.urlSecret],
    adminToken: options.adminToken,
    db: options.workspace.db,
    logLevel: options.debug ? 'info' : 'error',
    shops: [{ name: options.shop, handlers, ...(options.api ?? {}) }],
    handlers: {
      [LOG_HANDLER]: { type: 'log' },
      ...(options.reviewRequestModule
        ? {
            [REVIEW_REQUEST_HANDLER]: {
              type: 'module',
              path: options.reviewRequestModule,
              events: REVIEW_REQUEST_EVENTS,
            },
          }
        : {}),
      ...(options.natsHandler ? { [NATS_HANDLER]: options.natsHandler } : {}),
    },
  });
  await mkdir(dirname(options.workspace.eventsLog), { recursive: true });
  const eventsLog = createWriteStream(options.workspace.eventsLog, { flags: 'a' });
  let logClosed = false;
  const closeLog = () =>
    new Promise<void>((resolve) => {
      if (logClosed) return resolve();
      logClosed = true;
      eventsLog.end(resolve);
    });
  let app: Receiver;
  try {
    app = await buildReceiver(config, {
      defaultMetrics: false,
      logDestination: { write: (line: string) => process.stderr.write(line) },
      processing: { logWrite: (line) => eventsLog.write(line) },
      // A recovery pass at start-up: what the receiver missed while it was down is read back.
      recovery: { schedule: Boolean(options.api) },
    });
  } catch (error) {
    await closeLog();
    throw error;
  }
  try {
    await app.listen({ port: config.port, host: config.host });
  } catch (error) {
    await app.close();
    await closeLog();
    throw portInUse(error, options.port, '--port-receiver');
  }
  const address = app.server.address();
  const port = typeof address === 'object' && address ? address.port : options.port;
  let closed = false;
  return {
    app,
    url: `http://127.0.0.1:${port}`,
    handlers,
    close: async () => {
      if (closed) return;
      closed = true;
      await app.close();
      await closeLog();
    },
  };
}
