/**
 * Starts a real receiver on 127.0.0.1:0 for a test, with its log lines captured, and a config
 * built from overrides (a tmp SQLite file unless the test passes a store or a databaseUrl).
 * The job worker is off unless `options.processing` turns it on.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { signDeliveryPath, type WebhookEvent } from '@srhooks/contracts';
import type { FastifyInstance } from 'fastify';
import { type BuildReceiverOptions, buildReceiver } from '../app.js';
import type { ReceiverConfig, ReceiverConfigInput } from '../config/config-schema.js';
import { defineReceiverConfig } from '../config/load-config.js';

export const TEST_SECRET = 'test-secret-0123456789abcdef';
export const OLD_SECRET = 'old-secret-0123456789abcdef';

export interface TestReceiver {
  readonly app: FastifyInstance;
  readonly config: ReceiverConfig;
  readonly port: number;
  readonly baseUrl: string;
  /** Every log line written so far (raw JSON strings). */
  readonly logLines: string[];
  /** The signed delivery path for a shop and event (with the newest secret unless given). */
  path(shop: string, event: WebhookEvent, secret?: string): string;
  close(): Promise<void>;
}

export async function startTestReceiver(
  overrides: Partial<ReceiverConfigInput> = {},
  options: Omit<BuildReceiverOptions, 'logDestination' | 'logger'> = {},
): Promise<TestReceiver> {
  const dir = mkdtempSync(join(tmpdir(), 'srhooks-receiver-'));
  const config = defineReceiverConfig({
    secrets: [TEST_SECRET, OLD_SECRET],
    db: join(dir, 'srhooks.db'),
    port: 0,
    host: '127.0.0.1',
    logLevel: 'info',
    // Roomy: on a loaded machine (CI runs suites side by side on 2 cores) a write waited past the 5 s
    // default and a test's delivery was answered 503. Tests of the store timeout set their own.
    storeTimeoutMs: 20_000,
    ...overrides,
  });
  const logLines: string[] = [];
  let app: FastifyInstance;
  try {
    app = await buildReceiver(config, {
      defaultMetrics: false,
      // Ingest tests look at the outbox jobs as written; the worker would run them meanwhile.
      processing: { enabled: false },
      ...options,
      logDestination: { write: (line: string) => void logLines.push(line) },
    });
    await app.listen({ port: 0, host: '127.0.0.1' });
  } catch (error) {
    rmSync(dir, { recursive: true, force: true });
    throw error;
  }
  const address = app.server.address();
  const port = typeof address === 'object' && address ? address.port : 0;
  return {
    app,
    config,
    port,
    baseUrl: `http://127.0.0.1:${port}`,
    logLines,
    path: (shop, event, secret = TEST_SECRET) => signDeliveryPath({ shop, event }, secret),
    async close() {
      await app.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
