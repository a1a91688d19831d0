/**
 * A module handler may throw anything, not only an Error: the attempt's stored error says what it
 * threw, also for a value JSON cannot write (an object that refers to itself, a BigInt, an Error whose
 * message getter throws) — not the receiver's own failure to write it down ("Converting circular
 * structure to JSON"), without the handler's name.
 */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { createShopRenterClient } from '@srhooks/client';
import { sampleOrder } from '@srhooks/contracts';
import { afterAll, describe, expect, it } from 'vitest';
import { ShopClients } from '../shop-clients.js';
import { claimedOrderJob, silentLogger, tempDir } from '../test-support/processing-fixtures.js';
import { createModuleHandler } from './module.js';

const tmp = tempDir('module-thrown');
afterAll(() => tmp.cleanup());

async function outcomeOf(name: string, body: string) {
  const path = join(tmp.dir, `${name}.mjs`);
  writeFileSync(path, `export default { order_confirm: async (event) => { ${body} } };`);
  const run = createModuleHandler({
    name,
    path,
    logger: silentLogger,
    clients: new ShopClients([], createShopRenterClient),
  });
  return { path, outcome: await run(claimedOrderJob(sampleOrder(5))) };
}

describe('module handler: values thrown that JSON cannot write', () => {
  it('an object that refers to itself', async () => {
    const { path, outcome } = await outcomeOf(
      'circular',
      `const thrown = { reason: 'crm refused', code: 42 }; thrown.self = thrown; throw thrown;`,
    );
    expect(outcome).toMatchObject({ status: 'retry', errorCode: 'handler_threw' });
    const error = outcome.status === 'retry' ? outcome.error : '';
    expect(error.startsWith(`circular (${path}) threw: `)).toBe(true);
    expect(error).toContain("reason: 'crm refused'");
    expect(error).toContain('[Circular');
    expect(error).not.toContain('Converting circular structure');
  });

  it('a BigInt', async () => {
    const { path, outcome } = await outcomeOf('bigint', 'throw 10n;');
    expect(outcome).toMatchObject({
      status: 'retry',
      errorCode: 'handler_threw',
      error: `bigint (${path}) threw: 10n`,
    });
  });

  it('an Error whose message cannot be read', async () => {
    const { path, outcome } = await outcomeOf(
      'getter',
      `const thrown = new Error('x'); Object.defineProperty(thrown, 'message', { get() { throw new Error('no message for you'); } }); throw thrown;`,
    );
    expect(outcome).toMatchObject({ status: 'retry', errorCode: 'handler_threw' });
    const error = outcome.status === 'retry' ? outcome.error : '';
    expect(error.startsWith(`getter (${path}) threw: `)).toBe(true);
  });
});
