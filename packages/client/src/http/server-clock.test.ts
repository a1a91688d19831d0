import { parseShopDateTime } from '@srhooks/contracts';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestSandbox, type TestSandbox } from '../test-support/sandbox.js';
import { ServerClock } from './server-clock.js';

describe('ServerClock', () => {
  it("reads the shop's lag from a Date header against this machine's time when the answer arrived", () => {
    const clock = new ServerClock(() => Date.parse('2026-12-06T10:10:00.400Z'));
    expect(clock.last()).toBeNull();
    clock.observe('Sun, 06 Dec 2026 10:00:00 GMT');
    expect(clock.last()).toEqual({ behindMs: 600_400, at: Date.parse('2026-12-06T10:10:00.400Z') });
    clock.observe('Sun, 06 Dec 2026 10:10:05 GMT'); // ahead: negative
    expect(clock.last()?.behindMs).toBe(-4_600);
  });

  it('keeps its last reading when an answer has no Date header or an unreadable one', () => {
    const clock = new ServerClock(() => Date.parse('2026-12-06T10:00:01Z'));
    clock.observe('Sun, 06 Dec 2026 10:00:00 GMT');
    clock.observe(null);
    clock.observe('yesterday');
    expect(clock.last()?.behindMs).toBe(1000);
  });
});

describe("a client against a shop whose clock is 10 minutes behind (the sandbox's clockOffsetSeconds)", () => {
  let t: TestSandbox;
  beforeAll(async () => {
    t = await startTestSandbox({ rateLimit: false, clockOffsetSeconds: -600 });
  });
  afterAll(async () => {
    await t.close();
  });

  it("knows the shop's lag after its first API answer: at least the 10 minutes, at most a few seconds more", async () => {
    const client = t.client({ rateLimit: false });
    expect(client.serverClock.last()).toBeNull();
    const { order } = await t.sandbox.simulator.placeOrder('demo', { seed: 1 });
    const before = Date.now();
    const page = await client.orders.search({ limit: 1 });
    const reading = client.serverClock.last();
    expect(reading).not.toBeNull();
    expect(reading?.behindMs).toBeGreaterThanOrEqual(600_000);
    expect(reading?.behindMs).toBeLessThan(600_000 + 1000 + (Date.now() - before) + 50);
    // …and the shop stamps its orders with that clock: what a "changed since" read compares.
    const created = parseShopDateTime(String(page.items[0]?.dateCreated ?? order.dateCreated));
    expect(created).toBeDefined();
    expect(before - (created?.getTime() ?? 0)).toBeGreaterThanOrEqual(599_000);
    expect(before - (created?.getTime() ?? 0)).toBeLessThan(605_000);
  });
});
