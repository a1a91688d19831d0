import { describe, expect, it } from 'vitest';
import { AdaptiveBatcher, type ItemOutcome } from './adaptive-batcher.js';

/** A sink whose calls stay open until released, recording the batches it received. */
function gatedSink() {
  const batches: number[][] = [];
  const gates: Array<() => void> = [];
  const send = (items: number[]): Promise<Array<ItemOutcome<number>>> => {
    batches.push(items);
    return new Promise((resolve) => {
      gates.push(() => resolve(items.map((item) => ({ ok: true, value: item * 10 }))));
    });
  };
  const releaseAll = async () => {
    while (gates.length > 0) {
      for (const open of gates.splice(0)) open();
      await new Promise((resolve) => setImmediate(resolve));
    }
  };
  return { batches, send, releaseAll };
}

describe('AdaptiveBatcher', () => {
  it('sends at once while a slot is free and gathers everything that arrives while slots are busy', async () => {
    const sink = gatedSink();
    const batcher = new AdaptiveBatcher(sink.send, { maxInFlight: 1, maxBatch: 100, maxRetries: 0 });
    const first = batcher.submit(1);
    await new Promise((resolve) => setImmediate(resolve));
    const later = [2, 3, 4].map((n) => batcher.submit(n));
    await new Promise((resolve) => setImmediate(resolve));
    expect(sink.batches).toEqual([[1]]);
    await sink.releaseAll();
    expect(await Promise.all([first, ...later])).toEqual([10, 20, 30, 40]);
    expect(sink.batches).toEqual([[1], [2, 3, 4]]);
  });

  it('puts items submitted together into one call, split by maxBatch across free slots', async () => {
    const sink = gatedSink();
    const sizes: number[] = [];
    const batcher = new AdaptiveBatcher(sink.send, { maxInFlight: 2, maxBatch: 3, maxRetries: 0 }, (size) =>
      sizes.push(size),
    );
    const all = Promise.all([1, 2, 3, 4, 5, 6, 7].map((n) => batcher.submit(n)));
    await new Promise((resolve) => setImmediate(resolve));
    expect(sink.batches).toEqual([
      [1, 2, 3],
      [4, 5, 6],
    ]);
    await sink.releaseAll();
    expect(await all).toEqual([10, 20, 30, 40, 50, 60, 70]);
    expect(sink.batches.at(-1)).toEqual([7]);
    expect(sizes).toEqual([3, 3, 1]);
  });

  it('retries items marked retryable, rejects the others alone, and rejects a whole batch when the call fails', async () => {
    let calls = 0;
    const batcher = new AdaptiveBatcher<string, string>(
      async (items) => {
        calls += 1;
        if (items.includes('crash')) throw new Error('connection lost');
        return items.map((item) => {
          if (item === 'bad') return { ok: false, error: new Error('bad item'), retry: false };
          if (item === 'flaky' && calls === 1)
            return { ok: false, error: new Error('deadlock'), retry: true };
          return { ok: true, value: item.toUpperCase() };
        });
      },
      { maxInFlight: 1, maxBatch: 10, maxRetries: 2 },
    );
    const results = await Promise.allSettled(['ok', 'bad', 'flaky'].map((item) => batcher.submit(item)));
    expect(results.map((r) => (r.status === 'fulfilled' ? r.value : (r.reason as Error).message))).toEqual([
      'OK',
      'bad item',
      'FLAKY',
    ]);
    await expect(batcher.submit('crash')).rejects.toThrow('connection lost');
  });
});
