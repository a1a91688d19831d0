/**
 * The background retry the late-duplicate sweep and the search-text rebuild share (background-retry.ts),
 * on vitest's fake clock: when a requested run starts, the waits after failures (doubled up to the
 * longest, back to the first after a success or progress), one more run for a request during a run and
 * none for a request while one waits, nothing after close, and timers that do not keep the process alive.
 */
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { BackgroundRetry } from './background-retry.js';

const options = { firstRetryMs: 1000, maxRetryMs: 4000 };

/** Work the test plays: fails while `failing` is set, records the fake clock's time of every run. */
function playedWork() {
  const runs: number[] = [];
  const state = { failing: false, hold: null as Promise<void> | null };
  const work = async () => {
    runs.push(Date.now());
    if (state.hold !== null) await state.hold;
    if (state.failing) throw new Error('store went away');
  };
  return { runs, state, work };
}

describe('background retry', () => {
  beforeEach(() => {
    vi.useFakeTimers({ now: 0 });
  });
  afterEach(() => {
    vi.useRealTimers();
  });

  it('runs a requested run after its delay, and once for several requests while it waits', async () => {
    const { runs, work } = playedWork();
    const retry = new BackgroundRetry(work, options);
    retry.request(500);
    retry.request(0);
    retry.request(100);
    await vi.advanceTimersByTimeAsync(499);
    expect(runs).toEqual([]);
    await vi.advanceTimersByTimeAsync(1);
    expect(runs).toEqual([500]);
    await vi.advanceTimersByTimeAsync(10_000);
    expect(runs).toEqual([500]);
  });

  it('tries a failing run again after the first wait, doubled up to the longest, back to the first after a success', async () => {
    const { runs, state, work } = playedWork();
    const retry = new BackgroundRetry(work, options);
    state.failing = true;
    retry.request(0);
    await vi.advanceTimersByTimeAsync(0 + 1000 + 2000 + 4000 + 4000);
    // runs at 0, then after 1 s, 2 s, 4 s and 4 s (the longest)
    expect(runs).toEqual([0, 1000, 3000, 7000, 11_000]);
    state.failing = false;
    await vi.advanceTimersByTimeAsync(4000);
    expect(runs).toEqual([0, 1000, 3000, 7000, 11_000, 15_000]);
    await vi.advanceTimersByTimeAsync(60_000);
    expect(runs).toHaveLength(6);
    state.failing = true;
    retry.request(0);
    await vi.advanceTimersByTimeAsync(1000);
    // the success brought the wait back to the first
    expect(runs.slice(6)).toEqual([75_000, 76_000]);
    retry.close();
  });

  it('brings the wait back to the first when the failing run reports progress', async () => {
    const runs: number[] = [];
    let retry: BackgroundRetry | null = null;
    const work = async () => {
      runs.push(Date.now());
      if (runs.length === 3) retry?.progressed();
      throw new Error('store went away');
    };
    retry = new BackgroundRetry(work, options);
    retry.request(0);
    await vi.advanceTimersByTimeAsync(0 + 1000 + 2000 + 1000);
    // the third run (at 3000) progressed before it failed: the fourth waits 1 s, not 4
    expect(runs).toEqual([0, 1000, 3000, 4000]);
    retry.close();
  });

  it('runs once more after a run in flight when asked during it, at once', async () => {
    const { runs, state, work } = playedWork();
    const retry = new BackgroundRetry(work, options);
    let release: () => void = () => {};
    state.hold = new Promise<void>((resolve) => {
      release = resolve;
    });
    retry.request(0);
    await vi.advanceTimersByTimeAsync(0);
    expect(runs).toEqual([0]);
    retry.request(5000);
    retry.request(0);
    await vi.advanceTimersByTimeAsync(300);
    state.hold = null;
    release();
    await vi.advanceTimersByTimeAsync(0);
    expect(runs).toEqual([0, 300]);
    await vi.advanceTimersByTimeAsync(10_000);
    expect(runs).toEqual([0, 300]);
  });

  it('runs nothing once closed: neither a waiting run, nor a retry, nor a later request', async () => {
    const { runs, state, work } = playedWork();
    const waiting = new BackgroundRetry(work, options);
    waiting.request(100);
    waiting.close();
    waiting.request(0);
    await vi.advanceTimersByTimeAsync(10_000);
    expect(runs).toEqual([]);

    const failing = new BackgroundRetry(work, options);
    state.failing = true;
    failing.request(0);
    await vi.advanceTimersByTimeAsync(0);
    expect(runs).toEqual([10_000]);
    failing.close();
    await vi.advanceTimersByTimeAsync(10_000);
    expect(runs).toEqual([10_000]);
  });

  it('does not keep the process alive while a run waits for its timer', async () => {
    vi.useRealTimers();
    const before = process.getActiveResourcesInfo().filter((kind) => kind === 'Timeout').length;
    const { work } = playedWork();
    const retry = new BackgroundRetry(work, options);
    retry.request(60_000);
    // an unreferenced timer is not an active resource (it would not keep the event loop alive)
    expect(process.getActiveResourcesInfo().filter((kind) => kind === 'Timeout').length).toBe(before);
    retry.close();
  });
});
