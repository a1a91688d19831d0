/**
 * LivenessProbe's schedule: probes only while started and idle, never two at once, no timer that keeps
 * the process alive, none after stop(). What a probe does to a real connection is tested against the
 * brokers in nats/amqp/redis-stream tests.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { waitFor } from '../../test-support/wait-for.js';
import { LivenessProbe } from './broker-liveness.js';

const INTERVAL_MS = 20;
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
/** Timers keeping the event loop alive (unref'd ones are not listed). */
const refTimers = () => process.getActiveResourcesInfo().filter((type) => type === 'Timeout').length;

/** A probe whose runs the test finishes by hand, counting how many ran and how many at once. */
function slowProbe() {
  const pending: (() => void)[] = [];
  const counts = { started: 0, running: 0, mostAtOnce: 0 };
  const probe = () => {
    counts.started++;
    counts.running++;
    counts.mostAtOnce = Math.max(counts.mostAtOnce, counts.running);
    return new Promise<void>((resolve) =>
      pending.push(() => {
        counts.running--;
        resolve();
      }),
    );
  };
  const finishOne = () => pending.shift()?.();
  return { probe, counts, finishOne, pending };
}

const probes: LivenessProbe[] = [];
afterEach(() => {
  for (const probe of probes.splice(0)) probe.stop();
});
function liveness(probe: () => Promise<void>): LivenessProbe {
  const created = new LivenessProbe(INTERVAL_MS, probe);
  probes.push(created);
  return created;
}

describe('LivenessProbe', () => {
  it('probes every interval once started; a probe outlasting the interval is never overlapped', async () => {
    const slow = slowProbe();
    const probe = liveness(slow.probe);
    await sleep(5 * INTERVAL_MS);
    expect(slow.counts.started).toBe(0); // not before the handler opened its connection
    probe.start();
    probe.start(); // starting again adds no second schedule
    await waitFor(() => slow.counts.started === 1, 'the first probe');
    await sleep(5 * INTERVAL_MS); // five intervals with the probe still running
    expect(slow.counts.started).toBe(1);
    slow.finishOne();
    await waitFor(() => slow.counts.started === 2, 'the next probe');
    slow.finishOne();
    await waitFor(() => slow.counts.started === 3, 'the one after');
    expect(slow.counts.mostAtOnce).toBe(1);
  });

  it('no probe while an attempt is in flight, nor for an interval after it', async () => {
    const slow = slowProbe();
    const probe = liveness(slow.probe);
    probe.start();
    let release = () => {};
    const attempt = probe.attempt(() => new Promise<string>((resolve) => (release = () => resolve('done'))));
    await sleep(5 * INTERVAL_MS);
    expect(slow.counts.started).toBe(0);
    release();
    expect(await attempt).toBe('done');
    await waitFor(() => slow.counts.started === 1, 'a probe once idle');
  });

  it('its timer never keeps the process alive; stop() ends probing, even with a probe running', async () => {
    const slow = slowProbe();
    const probe = liveness(slow.probe);
    const before = refTimers();
    probe.start(); // schedules its timer now: nothing else can start one between the two counts
    expect(refTimers()).toBe(before);
    await waitFor(() => slow.counts.started === 1, 'the first probe');
    expect(probe.active).toBe(true);
    probe.stop();
    expect(probe.active).toBe(false);
    slow.finishOne();
    await sleep(5 * INTERVAL_MS);
    expect(slow.counts.started).toBe(1);

    // a stop and start while a probe runs leaves one schedule, not two
    probe.start();
    await waitFor(() => slow.counts.started === 2, 'a probe after the restart');
    probe.stop();
    probe.start();
    slow.finishOne();
    await waitFor(() => slow.counts.started === 3, 'the next probe');
    slow.finishOne();
    await waitFor(() => slow.counts.started === 4, 'the one after');
    expect(slow.counts.mostAtOnce).toBe(1);
  });
});
