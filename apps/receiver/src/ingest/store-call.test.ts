import { describe, expect, it } from 'vitest';
import { StoreUnavailableError } from '../store/store.js';
import { withStoreTimeout } from './store-call.js';

function activeTimers(): number {
  return process.getActiveResourcesInfo().filter((resource) => resource === 'Timeout').length;
}

describe('withStoreTimeout', () => {
  it('resolves with the call and leaves no timer behind', async () => {
    const before = activeTimers();
    await expect(withStoreTimeout('ingest', Promise.resolve(42), 10_000)).resolves.toBe(42);
    expect(activeTimers()).toBe(before);
  });

  it("rejects with the call's own error and leaves no timer behind", async () => {
    const before = activeTimers();
    const failure = new Error('disk I/O error');
    await expect(withStoreTimeout('ingest', Promise.reject(failure), 10_000)).rejects.toBe(failure);
    expect(activeTimers()).toBe(before);
  });

  it('rejects with StoreUnavailableError naming the operation when the call outlasts the timeout', async () => {
    const hanging = new Promise<never>(() => {});
    const error = await withStoreTimeout('quarantine', hanging, 20).catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(StoreUnavailableError);
    expect((error as Error).message).toContain('quarantine did not finish within 20 ms');
  });

  it('ignores a late answer after the timeout', async () => {
    let answer: (value: string) => void = () => {};
    const late = new Promise<string>((resolve) => {
      answer = resolve;
    });
    const outcome = withStoreTimeout('ingest', late, 10);
    await expect(outcome).rejects.toBeInstanceOf(StoreUnavailableError);
    answer('stored');
    await expect(outcome).rejects.toBeInstanceOf(StoreUnavailableError);
  });
});
