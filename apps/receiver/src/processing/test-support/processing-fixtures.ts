/** Real stores and real ingested events for the processing tests. */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  dedupeKey,
  type OrderItem,
  sampleOrder,
  sampleSubscriber,
  type WebhookEvent,
} from '@srhooks/contracts';
import { type Logger, pino } from 'pino';
import { createStore } from '../../store/create-store.js';
import type { JobClock } from '../../store/postgres/pg-jobs.js';
import type { ClaimedJob, IngestResult, Store } from '../../store/store.js';
import { TEST_DATABASE_URL } from '../../test-support/postgres-schema.js';
import type { HandlerOutcome } from '../handler-outcome.js';
import type { HandlerRunner } from '../handler-runner.js';
import { DEFAULT_RETRY_SCHEDULE, type RetrySchedule } from '../retry-schedule.js';

export const silentLogger: Logger = pino({ level: 'silent' });

/** A temporary directory, removed by `cleanup()`. */
export function tempDir(prefix: string): { dir: string; cleanup(): void } {
  const dir = mkdtempSync(join(tmpdir(), `srhooks-${prefix}-`));
  return { dir, cleanup: () => rmSync(dir, { recursive: true, force: true }) };
}

export async function openSqlite(file: string): Promise<Store> {
  const store = createStore({ kind: 'sqlite', file });
  await store.migrate();
  return store;
}

export { dropSchema, uniqueSchemaName as uniqueSchema } from '../../test-support/postgres-schema.js';

/**
 * A migrated PgStore on `schema`. `jobClock: 'caller'` for tests that move time by passing `now`
 * (default: leases and due times on the server's clock, as in production); `queryTimeoutMs` for tests
 * that hold a lock on purpose while the store's statement waits for it (default 10 s, as in production).
 */
export async function openPostgres(
  schema: string,
  options: { jobClock?: JobClock; queryTimeoutMs?: number } = {},
): Promise<Store> {
  const store = createStore({ kind: 'postgres', url: TEST_DATABASE_URL, schema, ...options });
  await store.migrate();
  return store;
}

export interface IngestOptions {
  shop?: string;
  event?: WebhookEvent;
  handlers: string[];
  receivedAt: Date;
  /** Orders (or subscribers) per delivery. */
  count?: number;
  /** First seed / innerId; default 1000. */
  firstId?: number;
  /** Fields that replace the sample's. */
  override?: Record<string, unknown>;
}

/** Ingests one delivery with `count` sample orders (innerId = firstId, firstId+1, …) or subscribers. */
export async function ingestSamples(store: Store, options: IngestOptions): Promise<IngestResult> {
  const shop = options.shop ?? 'demo';
  const event = options.event ?? 'order_confirm';
  const first = options.firstId ?? 1000;
  const isOrder = event === 'order_confirm' || event === 'order_status_change' || event === 'abandoned_cart';
  const items = Array.from({ length: options.count ?? 1 }, (_, index) => {
    const id = String(first + index);
    const item: Record<string, unknown> = isOrder
      ? {
          ...sampleOrder(id),
          innerId: id,
          innerResourceId: `orders/${Buffer.from(`order-order_id=${id}`).toString('base64')}`,
        }
      : { ...sampleSubscriber(id), id };
    return { ...item, ...options.override };
  });
  const body = JSON.stringify(isOrder ? { orders: { order: items } } : { newsletter: { subscriber: items } });
  return store.ingest(
    {
      shop,
      event,
      receivedAt: options.receivedAt,
      remoteAddress: '203.0.113.9',
      headers: { 'user-agent': 'ShopRenter' },
      contentType: 'application/json',
      rawBody: Buffer.from(body),
    },
    items.map((item) => ({
      dedupeKey: dedupeKey(shop, event, item),
      subjectId: String(isOrder ? item.innerId : item.id),
      payload: item as OrderItem,
    })),
    options.handlers,
  );
}

/** A test handler that records every run and answers from `behaviour` (default: success). */
export function recordingRunner(
  name: string,
  behaviour: (job: ClaimedJob, runNumber: number) => HandlerOutcome | Promise<HandlerOutcome> = () => ({
    status: 'succeeded',
  }),
  options: { concurrency?: number; retry?: RetrySchedule } = {},
): HandlerRunner & { runs: ClaimedJob[] } {
  const runs: ClaimedJob[] = [];
  return {
    name,
    type: 'test',
    concurrency: options.concurrency ?? 4,
    retry: options.retry ?? DEFAULT_RETRY_SCHEDULE,
    runs,
    async run(job) {
      runs.push(job);
      return behaviour(job, runs.length);
    },
  };
}

/**
 * A claimed `order_confirm` job carrying `order` as its payload, as the store hands it to a
 * handler; `overrides` set ids, handler, attempt, event or payload for a test.
 */
export function claimedOrderJob(order: OrderItem, overrides: Partial<ClaimedJob> = {}): ClaimedJob {
  return {
    id: 'job_01jz4test000000000000000',
    handler: 'erp',
    attempt: 1,
    failures: 0,
    leaseExpiresAt: new Date('2026-07-01T08:01:00.000Z'),
    eventId: 'evt_01jz4test000000000000000',
    deliveryId: 'dlv_01jz4test000000000000000',
    shop: 'demo',
    event: 'order_confirm',
    receivedAt: new Date('2026-07-01T08:00:00.000Z'),
    dedupeKey: `order:${order.innerId}`,
    subjectId: order.innerId ?? null,
    payload: order,
    verification: 'unverified',
    source: 'webhook',
    ...overrides,
  };
}
