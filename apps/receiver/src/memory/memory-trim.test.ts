import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { buildReceiver } from '../app.js';
import { defineReceiverConfig } from '../config/load-config.js';
import { waitFor } from '../processing/test-support/wait-for.js';
import {
  loadMemoryTrim,
  MEMORY_TRIM_ADDON,
  type MemoryTrimBinding,
  MemoryTrimmer,
  TRIMS_PER_BURST,
} from './memory-trim.js';

/** glibc's version when this process runs on glibc (process.report says so), else undefined. */
function glibcVersion(): string | undefined {
  const report = process.report?.getReport() as { header?: { glibcVersionRuntime?: string } } | undefined;
  return report?.header?.glibcVersionRuntime;
}

/** Records its calls in order: 't' for a trim, 'c' for a collection. */
function fakeBinding(): MemoryTrimBinding & { calls: number; log: string } {
  const binding = {
    available: true,
    calls: 0,
    log: '',
    trim() {
      binding.calls += 1;
      binding.log += 't';
      return true;
    },
    collect() {
      binding.log += 'c';
    },
  };
  return binding;
}

describe('the memory-trim addon', () => {
  it('is built and loads on Linux with glibc, where it gives memory back (elsewhere it says why not)', () => {
    const load = loadMemoryTrim();
    if (process.platform === 'linux' && glibcVersion()) {
      expect(load.reason).toBeNull();
      expect(load.binding?.available).toBe(true);
      // free some memory first so there is something to give back, then trim
      const garbage = Array.from({ length: 2000 }, () => Buffer.allocUnsafeSlow(32 * 1024));
      garbage.length = 0;
      expect(typeof load.binding?.trim()).toBe('boolean');
    } else {
      expect(load.binding === null || load.binding.available === false).toBe(true);
    }
  });

  it("says why it does not load and how to build it for this node (an installed package carries the packer's build)", () => {
    const dir = mkdtempSync(join(tmpdir(), 'srhooks-trim-load-'));
    try {
      // Not an addon for this node (as one built for another Node version or platform is not).
      const foreign = join(dir, 'memory_trim.node');
      writeFileSync(foreign, 'built elsewhere');
      const unloadable = loadMemoryTrim(foreign);
      expect(unloadable.binding).toBeNull();
      expect(unloadable.reason).toMatch(
        /^the memory-trim addon does not load here \(.+\); to build it for this Node: node /,
      );
      const missing = loadMemoryTrim(join(dir, 'absent.node'));
      expect(missing.reason).toContain('is missing); to build it for this Node: node ');
      // The command it names is the build script shipped with the package.
      const script = /node (\S+build-native\.mjs)/.exec(unloadable.reason ?? '')?.[1];
      expect(script && existsSync(script)).toBe(true);
      expect(script).toBe(join(MEMORY_TRIM_ADDON, '..', '..', '..', 'scripts', 'build-native.mjs'));
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it("collects this thread's garbage when asked (objects no longer referenced are finalised)", async () => {
    const load = loadMemoryTrim();
    if (!(process.platform === 'linux' && glibcVersion()))
      return expect(load.binding?.available ?? false).toBe(false);
    const finalised: string[] = [];
    const registry = new FinalizationRegistry<string>((name) => finalised.push(name));
    (() => {
      for (let i = 0; i < 10; i++) registry.register({ body: Buffer.alloc(64 * 1024) }, `body ${i}`);
    })();
    load.binding?.collect();
    // Finalisers run as a task after the collection; on a loaded machine that task can wait a while.
    const deadline = Date.now() + 5000;
    while (finalised.length < 10 && Date.now() < deadline)
      await new Promise((resolve) => setTimeout(resolve, 20));
    expect(finalised).toHaveLength(10);
  });

  it('explains a missing addon instead of throwing', () => {
    const load = loadMemoryTrim(`${MEMORY_TRIM_ADDON}.missing`);
    expect(load.binding).toBeNull();
    expect(load.reason).toMatch(/was not built/);
  });
});

describe('MemoryTrimmer', () => {
  it('trims once a burst of at least trimAfterBytes is over, never while it goes on', () => {
    const binding = fakeBinding();
    const trimmer = new MemoryTrimmer(binding, { trimAfterBytes: 10_000, quietBytes: 1000 });
    trimmer.received(4000);
    expect(trimmer.check()).toBe(false); // busy and below the threshold
    trimmer.received(8000);
    expect(trimmer.check()).toBe(false); // over the threshold, but still busy
    expect(binding.calls).toBe(0);
    trimmer.received(500);
    expect(trimmer.check()).toBe(true); // quiet now
    expect(binding.calls).toBe(1);
    // again in the next quiet intervals (what V8 frees late), TRIMS_PER_BURST in all
    for (let i = 1; i < TRIMS_PER_BURST; i++) expect(trimmer.check()).toBe(true);
    expect(trimmer.check()).toBe(false);
    trimmer.received(999);
    expect(trimmer.check()).toBe(false); // a small trickle is no burst
    expect(trimmer.trims).toBe(TRIMS_PER_BURST);
  });

  it('collects once per burst, before its first trim, and asks the other threads to release theirs', () => {
    const binding = fakeBinding();
    let otherThreads = 0;
    const trimmer = new MemoryTrimmer(binding, {
      trimAfterBytes: 10_000,
      quietBytes: 1000,
      releaseOtherThreads: () => {
        otherThreads += 1;
      },
    });
    trimmer.received(20_000);
    trimmer.check(); // busy
    trimmer.check(); // quiet: collect, then trim
    trimmer.check(); // trim only
    expect(binding.log).toBe('ctt');
    expect(otherThreads).toBe(1);
    expect(trimmer.collections).toBe(1);
    trimmer.received(20_000);
    trimmer.check();
    trimmer.check(); // the next burst is over: collected again
    expect(binding.log).toBe('cttct');
    expect(otherThreads).toBe(2);
  });

  it('trims after a garbage collection in the quiet time after a burst, once per interval', () => {
    const binding = fakeBinding();
    const trimmer = new MemoryTrimmer(binding, { trimAfterBytes: 10_000, quietBytes: 1000 });
    expect(trimmer.afterGc()).toBe(false); // no burst yet
    trimmer.received(20_000);
    expect(trimmer.afterGc()).toBe(false); // the burst goes on
    trimmer.check(); // busy interval
    trimmer.check(); // quiet: trims, and arms the window
    expect(binding.calls).toBe(1);
    expect(trimmer.afterGc()).toBe(true);
    expect(trimmer.afterGc()).toBe(false); // once per interval
    trimmer.check();
    expect(trimmer.afterGc()).toBe(true);
    expect(binding.calls).toBe(4);
  });

  it('does not trim in a busy interval after a burst, and resumes when it is quiet', () => {
    const binding = fakeBinding();
    const trimmer = new MemoryTrimmer(binding, { trimAfterBytes: 10_000, quietBytes: 1000 });
    trimmer.received(20_000);
    trimmer.check();
    expect(trimmer.check()).toBe(true);
    trimmer.received(5000);
    expect(trimmer.check()).toBe(false);
    expect(trimmer.check()).toBe(true);
  });
});

describe('the receiver and the trimmer', () => {
  let dir: string;
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'srhooks-trim-'));
  });
  afterEach(() => {
    rmSync(dir, { recursive: true, force: true });
  });
  const config = () =>
    defineReceiverConfig({
      secrets: ['trim-secret-0123456789'],
      db: join(dir, 'srhooks.db'),
      logLevel: 'silent',
    });

  it('counts request bodies, and after a burst collects, has the store release its threads’ memory, and trims', async () => {
    const binding = fakeBinding();
    const app = await buildReceiver(config(), {
      defaultMetrics: false,
      processing: { enabled: false },
      memoryTrim: { binding, trimAfterBytes: 50_000, quietBytes: 1000, checkIntervalMs: 50 },
    });
    try {
      await app.ready();
      expect(app.memoryTrimmer).not.toBeNull();
      const storeRelease = vi.spyOn(app.store, 'releaseMemory');
      await new Promise((resolve) => setTimeout(resolve, 200));
      expect(binding.calls).toBe(0); // no burst, no trim
      for (let i = 0; i < 10; i++) {
        await app.inject({
          method: 'POST',
          url: '/hooks/demo/order_confirm/not-a-valid-token',
          headers: { 'content-type': 'application/json' },
          payload: 'x'.repeat(10_000),
        });
      }
      // one per quiet interval of the window (50 ms apart), plus any after a garbage collection meanwhile:
      // waited for, not slept for (under CI load the timers slip, and 21 intervals' sleep saw 14)
      await waitFor(() => binding.calls >= TRIMS_PER_BURST, `${TRIMS_PER_BURST} trims after the burst`);
      // the burst's collection comes first, once, with the store's
      expect(binding.log.startsWith('ct')).toBe(true);
      expect(binding.log.split('c')).toHaveLength(2);
      expect(storeRelease).toHaveBeenCalledTimes(1);
      // and /metrics shows it
      const metrics = (await app.inject({ method: 'GET', url: '/metrics' })).body;
      expect(metrics).toMatch(/^srhooks_memory_trim_available 1$/m);
      expect(metrics).toMatch(/^srhooks_memory_collections 1$/m);
      expect(Number(/^srhooks_memory_trims (\d+)$/m.exec(metrics)?.[1])).toBe(binding.calls);
    } finally {
      await app.close();
    }
  });

  it('has no trimmer when the binding is unavailable', async () => {
    const app = await buildReceiver(config(), {
      defaultMetrics: false,
      processing: { enabled: false },
      memoryTrim: { binding: null },
    });
    try {
      expect(app.memoryTrimmer).toBeNull();
      const metrics = (await app.inject({ method: 'GET', url: '/metrics' })).body;
      expect(metrics).toMatch(/^srhooks_memory_trim_available 0$/m);
      expect(metrics).toMatch(/^srhooks_memory_collections 0$/m);
    } finally {
      await app.close();
    }
  });
});
