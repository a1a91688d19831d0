/**
 * While a delivery's commit is awaited, the receiver keeps only what it answers with: the decoded orders
 * (objects the size of the delivery) are garbage by then. Held for the commit's duration, every in-flight
 * delivery's orders would survive young-generation collections, be copied by each and promoted.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { encodeDelivery, sampleOrder } from '@srhooks/contracts';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SqliteStore } from '../../store/sqlite/sqlite-store.js';
import type { Store } from '../../store/store.js';
import { startTestReceiver, type TestReceiver } from '../../test-support/test-receiver.js';

setFlagsFromString('--expose-gc');
const collectGarbage = runInNewContext('gc') as () => void;

describe('POST /hooks while the commit is awaited', () => {
  let dir: string;
  let receiver: TestReceiver;
  /** The first order of each ingest call, weakly: collectable unless something still holds it. */
  const orders: WeakRef<object>[] = [];
  let releaseCommit: () => void = () => {};
  const commitReleased = new Promise<void>((resolve) => {
    releaseCommit = resolve;
  });

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'srhooks-in-flight-'));
    const real = new SqliteStore({ file: join(dir, 'store.db') });
    // The real store, whose ingest answers only once the test releases it.
    const store = new Proxy(real, {
      get(target, property) {
        if (property === 'ingest') {
          return (...args: Parameters<Store['ingest']>) => {
            orders.push(new WeakRef(args[1][0]?.payload as object));
            const stored = target.ingest(...args);
            return commitReleased.then(() => stored);
          };
        }
        const value = Reflect.get(target, property, target);
        return typeof value === 'function' ? value.bind(target) : value;
      },
    });
    receiver = await startTestReceiver({ logLevel: 'warn' }, { store });
  });
  afterAll(async () => {
    releaseCommit();
    await receiver?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('holds no decoded order, and answers 200 once the commit returns', async () => {
    const encoded = encodeDelivery(
      'order_confirm',
      { orders: { order: [{ ...sampleOrder('in-flight'), innerId: '880001' }] } },
      { format: 'json' },
    );
    const answer = fetch(receiver.baseUrl + receiver.path('demo', 'order_confirm'), {
      method: 'POST',
      body: new Uint8Array(encoded.body),
      headers: { 'content-type': encoded.contentType },
    });
    const deadline = Date.now() + 5000;
    while (orders.length === 0 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 10));
    expect(orders).toHaveLength(1);
    // Past the job that made the WeakRef (it keeps its target), collected while the commit is still held back:
    // tried for up to 3 s (a loaded machine once needed more than one 20 ms turn), the commit waiting all along.
    const collectedBy = Date.now() + 3000;
    do {
      await new Promise((r) => setTimeout(r, 20));
      collectGarbage();
      collectGarbage();
    } while (orders[0]?.deref() !== undefined && Date.now() < collectedBy);
    expect(orders[0]?.deref(), 'the decoded order is still referenced while the commit is awaited').toBe(
      undefined,
    );

    releaseCommit();
    const response = await answer;
    expect(response.status).toBe(200);
    expect(await response.json()).toMatchObject({ ok: true, events: 1, duplicates: 0 });
  });
});
