import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { createShopRenterClient } from '@srhooks/client';
import { sampleOrder, sampleSubscriber } from '@srhooks/contracts';
import { afterAll, describe, expect, it } from 'vitest';
import { ShopConfigSchema } from '../../config/config-schema.js';
import type { ClaimedJob } from '../../store/store.js';
import { ProcessingConfigError, ShopCredentialsMissingError } from '../processing-errors.js';
import { ShopClients } from '../shop-clients.js';
import { claimedOrderJob, silentLogger, tempDir } from '../test-support/processing-fixtures.js';
import { createModuleHandler } from './module.js';

const tmp = tempDir('module');
afterAll(() => tmp.cleanup());
let fileNo = 0;

/** Writes a handler module; its handlers report what they saw through a global the test reads. */
function moduleFile(source: string): string {
  const path = join(tmp.dir, `handlers-${++fileNo}.mjs`);
  writeFileSync(path, source);
  return path;
}

interface Seen {
  event: Record<string, unknown>;
  ctx: {
    jobId: string;
    attempt: number;
    shop: string;
    hasLogger: boolean;
    clientShop: string | null;
    clientError: string | null;
  };
}
const seen = (globalThis as { __srhooksModuleTest?: Seen[] }).__srhooksModuleTest ?? [];
(globalThis as { __srhooksModuleTest?: Seen[] }).__srhooksModuleTest = seen;

const order = sampleOrder(77);
function job(overrides: Partial<ClaimedJob> = {}): ClaimedJob {
  return claimedOrderJob(order, {
    id: 'job_module_1',
    handler: 'custom',
    attempt: 2,
    failures: 1,
    eventId: 'evt_module_1',
    deliveryId: 'dlv_module_1',
    ...overrides,
  });
}

const shops = [
  ShopConfigSchema.parse({
    name: 'demo',
    clientId: 'client-id',
    clientSecret: 'client-secret-value',
    apiUrl: 'http://127.0.0.1:9/{shop}/api',
    tokenUrl: 'http://127.0.0.1:9/{shop}/app/token',
  }),
  ShopConfigSchema.parse({ name: 'nocreds' }),
];

function handler(path: string) {
  return createModuleHandler({
    name: 'custom',
    path,
    logger: silentLogger,
    clients: new ShopClients(shops, createShopRenterClient),
  });
}

const RECORDING = `
const record = (event, ctx) => {
  let clientShop = null;
  let clientError = null;
  try { clientShop = ctx.client.shop; } catch (error) { clientError = error.message; }
  globalThis.__srhooksModuleTest.push({
    event,
    ctx: { jobId: ctx.jobId, attempt: ctx.attempt, shop: ctx.shop, hasLogger: typeof ctx.logger.info === 'function', clientShop, clientError },
  });
};
`;

describe('module handler', () => {
  it('calls the handler for the event with the typed event and ctx', async () => {
    const path = moduleFile(`${RECORDING}
export default { order_confirm: async (event, ctx) => { record(event, ctx); } };`);
    seen.length = 0;
    expect(await handler(path)(job())).toEqual({ status: 'succeeded' });
    expect(seen).toHaveLength(1);
    expect(seen[0]?.event).toMatchObject({
      event: 'order_confirm',
      shop: 'demo',
      eventId: 'evt_module_1',
      deliveryId: 'dlv_module_1',
      subjectId: order.innerId,
      verification: 'unverified',
      order: { innerId: order.innerId, lastname: order.lastname },
    });
    expect(seen[0]?.event.receivedAt).toEqual(new Date('2026-07-01T08:00:00.000Z'));
    expect(seen[0]?.ctx).toEqual({
      jobId: 'job_module_1',
      attempt: 2,
      shop: 'demo',
      hasLogger: true,
      clientShop: 'demo',
      clientError: null,
    });
  });

  it('gives newsletter handlers the subscriber, and explains a missing client', async () => {
    const path = moduleFile(`${RECORDING}
export default { newsletter_subscribe: (event, ctx) => record(event, ctx) };`);
    seen.length = 0;
    const subscriber = sampleSubscriber(5);
    await handler(path)(job({ shop: 'nocreds', event: 'newsletter_subscribe', payload: subscriber }));
    expect(seen[0]?.event).toMatchObject({
      event: 'newsletter_subscribe',
      subscriber: { id: subscriber.id },
    });
    expect(seen[0]?.event.order).toBeUndefined();
    expect(seen[0]?.ctx.clientError).toBe(new ShopCredentialsMissingError('nocreds').message);
  });

  it('succeeds without doing anything when the module has no handler for the event', async () => {
    const path = moduleFile(
      `export default { newsletter_subscribe: () => { throw new Error('must not run'); } };`,
    );
    expect(await handler(path)(job())).toEqual({ status: 'succeeded' });
  });

  it('turns a thrown error into a retry, and NonRetryableError into a dead letter', async () => {
    const path = moduleFile(`
export default {
  order_confirm: () => { throw new Error('ERP is down'); },
  order_status_change: () => { throw Object.assign(new Error('unknown status 99'), { code: 'non_retryable' }); },
};`);
    const run = handler(path);
    expect(await run(job())).toEqual({
      status: 'retry',
      errorCode: 'handler_threw',
      error: `custom (${path}) threw: ERP is down`,
    });
    expect(await run(job({ event: 'order_status_change' }))).toEqual({
      status: 'dead',
      errorCode: 'handler_non_retryable',
      error: `custom (${path}) threw: unknown status 99`,
    });
  });

  it('reports files that cannot be used, and loads the file again after it was fixed', async () => {
    const path = moduleFile('export default {');
    const run = handler(path);
    await expect(run(job())).rejects.toThrow(`Handler module ${path} failed to load`);
    writeFileSync(path, `export default { order_confirm: () => {} };`);
    expect(await run(job())).toEqual({ status: 'succeeded' });
  });

  it.each([
    [
      'export const order_confirm = () => {};',
      'has no default export; end it with `export default defineHandlers(',
    ],
    [
      'export default { order_confirmed: () => {} };',
      '"order_confirmed" is not a ShopRenter event (did you mean "order_confirm"?); use one of order_confirm,',
    ],
    [
      'export default { order_confirm: 42 };',
      'the handler for "order_confirm" must be a function, got number',
    ],
  ])('rejects %s', async (source, message) => {
    await expect(handler(moduleFile(source))(job())).rejects.toThrow(message);
  });

  it('reports a missing file', async () => {
    await expect(handler(join(tmp.dir, 'missing.mjs'))(job())).rejects.toThrow(
      /missing.mjs does not exist; check the "path"/,
    );
  });

  it("says a directory is not a module file (not Node's ERR_UNSUPPORTED_DIR_IMPORT)", async () => {
    await expect(handler(tmp.dir)(job())).rejects.toThrow(
      `Handler module ${tmp.dir} is a directory, not a file; give "path" the module file in it (such as ${join(tmp.dir, 'handlers.mjs')})`,
    );
  });

  it('needs an absolute path', () => {
    expect(() => handler('handlers.mjs')).toThrow(ProcessingConfigError);
  });
});
