import { describe, expect, it } from 'vitest';
import { RequestWindow } from './request-window.js';

/** A manual clock whose timers fire when the test advances it. */
function manualClock() {
  let time = 0;
  const timers: { due: number; callback: () => void }[] = [];
  return {
    now: () => time,
    setTimer: (callback: () => void, ms: number) => {
      timers.push({ due: time + ms, callback });
    },
    async advance(ms: number) {
      time += ms;
      for (const timer of timers.filter((t) => t.due <= time)) {
        timers.splice(timers.indexOf(timer), 1);
        timer.callback();
      }
      await Promise.resolve();
      await Promise.resolve();
    },
  };
}

describe('RequestWindow', () => {
  it('lets `limit` requests start at once, then frees a slot windowMs after a response', async () => {
    const clock = manualClock();
    const window = new RequestWindow({ limit: 3, windowMs: 1000, ...clock });
    const started: number[] = [];
    const slots = Array.from({ length: 5 }, (_, i) =>
      window.acquire().then((slot) => {
        started.push(i);
        return slot;
      }),
    );
    await clock.advance(0);
    expect(started).toEqual([0, 1, 2]);
    expect(window.inFlight).toBe(3);

    const first = await slots[0];
    await clock.advance(200); // the response of request 0 arrives after 200 ms
    first?.release();
    await clock.advance(999);
    expect(started).toEqual([0, 1, 2]);
    await clock.advance(1);
    expect(started).toEqual([0, 1, 2, 3]);
  });

  it('never frees a slot while its request is still on the wire', async () => {
    const clock = manualClock();
    const window = new RequestWindow({ limit: 1, windowMs: 100, ...clock });
    const first = await window.acquire();
    let secondStarted = false;
    const second = window.acquire().then((slot) => {
      secondStarted = true;
      return slot;
    });
    await clock.advance(5_000);
    expect(secondStarted).toBe(false);
    first.release();
    first.release(); // a second release is ignored
    await clock.advance(99);
    expect(secondStarted).toBe(false);
    await clock.advance(1);
    expect(secondStarted).toBe(true);
    expect((await second).waitedMs).toBe(5_100);
  });

  it('guarantees any limit+1 requests arrive a full window apart, whatever the latency', async () => {
    // Simulated network: each request arrives at a random point between send and response.
    const clock = manualClock();
    const window = new RequestWindow({ limit: 3, windowMs: 1000, ...clock });
    const arrivals: number[] = [];
    let seed = 7;
    const random = () => {
      seed = (seed * 48271) % 2147483647;
      return seed / 2147483647;
    };
    const inflight = new Set<Promise<void>>();
    for (let i = 0; i < 30; i++) {
      const run = window.acquire().then(async (slot) => {
        const sent = clock.now();
        const latency = Math.floor(random() * 400);
        arrivals.push(sent + Math.floor(random() * latency));
        await new Promise<void>((resolve) => clock.setTimer(resolve, latency));
        slot.release();
      });
      inflight.add(run);
    }
    for (let step = 0; step < 20_000 && arrivals.length < 30; step++) await clock.advance(10);
    expect(arrivals).toHaveLength(30);
    arrivals.sort((a, b) => a - b);
    for (let i = 3; i < arrivals.length; i++) {
      expect((arrivals[i] as number) - (arrivals[i - 3] as number)).toBeGreaterThanOrEqual(1000);
    }
  });

  /**
   * Real timers, tracked: the window's own wake-up timers (not every timer of the test process,
   * whose count other work in the worker changes at any moment) and whether each one is still live.
   */
  function trackedTimers() {
    const live = new Set<ReturnType<typeof setTimeout>>();
    const created: Array<ReturnType<typeof setTimeout>> = [];
    return {
      live,
      created,
      setTimer: (callback: () => void, ms: number) => {
        const handle = setTimeout(() => {
          live.delete(handle);
          callback();
        }, ms);
        live.add(handle);
        created.push(handle);
        return handle;
      },
      clearTimer: (timer: unknown) => {
        clearTimeout(timer as ReturnType<typeof setTimeout>);
        live.delete(timer as ReturnType<typeof setTimeout>);
      },
    };
  }

  it('keeps the process alive while a caller waits for its slot, and leaves no timer behind', async () => {
    // A CLI whose only pending work is this wait must not exit (it did, with code 13, when the
    // wake-up timer was unref'd).
    const timers = trackedTimers();
    const window = new RequestWindow({ limit: 1, windowMs: 80, ...timers });
    const first = await window.acquire();
    first.release();
    expect(timers.live.size).toBe(0);
    const second = window.acquire();
    expect(window.waiting).toBe(1);
    expect(timers.live.size).toBe(1);
    for (const handle of timers.live) expect(handle.hasRef()).toBe(true);
    const slot = await second;
    expect(slot.waitedMs).toBeGreaterThanOrEqual(70);
    slot.release();
    expect(timers.live.size).toBe(0);
  });

  it("keeps its default wake-up timer ref'd (the default setTimer, not only an injected one)", async () => {
    const window = new RequestWindow({ limit: 1, windowMs: 10_000 });
    (await window.acquire()).release();
    const controller = new AbortController();
    const waiting = window.acquire(controller.signal);
    const handle = (window as unknown as { timer?: { handle: ReturnType<typeof setTimeout> } }).timer?.handle;
    expect(handle?.hasRef()).toBe(true);
    controller.abort(new Error('done'));
    await expect(waiting).rejects.toThrow('done');
    expect((window as unknown as { timer?: unknown }).timer).toBeUndefined();
  });

  it('lets an aborted caller leave the queue and cancels the timer nobody needs', async () => {
    const timers = trackedTimers();
    const window = new RequestWindow({ limit: 1, windowMs: 10_000, ...timers });
    (await window.acquire()).release();
    const controller = new AbortController();
    const waiting = window.acquire(controller.signal);
    expect(timers.live.size).toBe(1);
    controller.abort(new Error('shutting down'));
    await expect(waiting).rejects.toThrow('shutting down');
    expect(window.waiting).toBe(0);
    expect(timers.live.size).toBe(0);
    await expect(window.acquire(controller.signal)).rejects.toThrow('shutting down');
  });

  it('rejects nonsense settings', () => {
    expect(() => new RequestWindow({ limit: 0, windowMs: 1000 })).toThrow(/limit/);
    expect(() => new RequestWindow({ limit: 2.5, windowMs: 1000 })).toThrow(/limit/);
    expect(() => new RequestWindow({ limit: 3, windowMs: 0 })).toThrow(/windowMs/);
  });
});
