/**
 * `srhooks events tail` without --receiver follows the `srhooks listen` of its config directory, found
 * through listen.json. When that listen stops and is started again on another port, tail finds it
 * there (as it found it at the start), says so in one line and follows it: it kept asking the old
 * address. A receiver named with --receiver is kept. Real `srhooks listen` processes.
 */
import { afterAll, describe, expect, it } from 'vitest';
import { type RunningCli, startCli, tempConfigDir, triggerOrders } from '../../test-support/run-cli.js';
import { freePort, type Receiver, startTestReceiver } from '../../test-support/test-receiver.js';

const config = tempConfigDir();
const listens: RunningCli[] = [];
afterAll(async () => {
  for (const listen of listens) if (listen.child.exitCode === null) await listen.interrupt();
  config.cleanup();
});

interface Listening {
  url: string;
  urls: { shop: string; event: string; url: string }[];
}

async function listenOn(port: number): Promise<{ listen: RunningCli; info: Listening }> {
  const listen = startCli(config.dir, ['listen', '--port', String(port), '--shop', 'demo', '--json']);
  listens.push(listen);
  const info = JSON.parse(await listen.waitForLine(/"type":"listening"/)) as Listening;
  return { listen, info };
}

/** Two free ports, not the same. */
async function twoPorts(): Promise<[number, number]> {
  const first = await freePort();
  let second = await freePort();
  while (second === first) second = await freePort();
  return [first, second];
}

const quoted = (text: string) => text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

describe('srhooks events tail: a srhooks listen restarted on another port', () => {
  it('is found again through listen.json and followed there, said in one line', async () => {
    const [firstPort, secondPort] = await twoPorts();
    const first = await listenOn(firstPort);
    const tail = startCli(config.dir, ['events', 'tail']);
    try {
      await tail.waitForErrorLine(
        new RegExp(`^following the receiver at ${quoted(first.info.url)}: waiting for deliveries`),
      );
      expect(await first.listen.interrupt()).toBe(0);
      await tail.waitForErrorLine(/^warning: lost the live stream of the receiver at /);

      const second = await listenOn(secondPort);
      expect(second.info.url).not.toBe(first.info.url);
      await tail.waitForErrorLine(
        new RegExp(
          `^srhooks listen now runs at ${quoted(second.info.url)} \\(process \\d+, listen\\.json\\): following it there instead of ${quoted(first.info.url)}$`,
        ),
      );
      await tail.waitForErrorLine(
        new RegExp(`^reconnected to the receiver at ${quoted(second.info.url)}; catching up`),
      );
      // a delivery to the listen at its new address is printed
      const to = second.info.urls.find((entry) => entry.event === 'order_confirm')?.url ?? '';
      await triggerOrders(config.dir, to, ['tail-rediscover-1']);
      await tail.waitForLine(/^\d\d:\d\d:\d\d {2}demo {2}order_confirm {2}#\d+ {2}/);
      expect(await tail.interrupt()).toBe(0);
      expect(tail.stderr().match(/now runs at/g)).toHaveLength(1);
      expect(tail.stderr()).toMatch(/^stopped \(SIGINT\): 1 delivery shown$/m);
    } finally {
      if (tail.child.exitCode === null) await tail.interrupt();
      for (const listen of listens) if (listen.child.exitCode === null) await listen.interrupt();
    }
  });

  it("its old port taken by another receiver, which refuses tail's token: tail waits, and follows the listen started elsewhere", async () => {
    const [firstPort, secondPort] = await twoPorts();
    const first = await listenOn(firstPort);
    const tail = startCli(config.dir, ['events', 'tail']);
    let other: Receiver | undefined;
    const otherDir = tempConfigDir();
    try {
      await tail.waitForErrorLine(
        new RegExp(`^following the receiver at ${quoted(first.info.url)}: waiting`),
      );
      expect(await first.listen.interrupt()).toBe(0);
      await tail.waitForErrorLine(/^warning: lost the live stream of the receiver at /);
      // another receiver, with an admin token of its own, on the old port
      ({ receiver: other } = await startTestReceiver(otherDir.dir, {
        port: firstPort,
        secrets: ['tail-other-receiver-secret-0123456789'],
        adminToken: 'tail-other-receiver-admin-token-0123456789',
      }));
      // before: tail ended here, on that receiver's 401
      await tail.waitForErrorLine(
        new RegExp(
          `^cannot follow the receiver at ${quoted(first.info.url)} yet \\(the receiver at ${quoted(first.info.url)} \\(not srhooks listen: its process ${first.listen.child.pid} has stopped\\) refused srhooks listen's admin token .*\\); trying again in `,
        ),
      );
      expect(tail.child.exitCode).toBeNull();

      const second = await listenOn(secondPort);
      await tail.waitForErrorLine(
        new RegExp(
          `^srhooks listen now runs at ${quoted(second.info.url)} \\(process \\d+, listen\\.json\\)`,
        ),
      );
      const to = second.info.urls.find((entry) => entry.event === 'order_confirm')?.url ?? '';
      await triggerOrders(config.dir, to, ['tail-rediscover-taken-port']);
      await tail.waitForLine(/^\d\d:\d\d:\d\d {2}demo {2}order_confirm {2}#\d+ {2}/);
      expect(await tail.interrupt()).toBe(0);
    } finally {
      if (tail.child.exitCode === null) await tail.interrupt();
      for (const listen of listens) if (listen.child.exitCode === null) await listen.interrupt();
      await other?.close();
      otherDir.cleanup();
    }
  });

  it('a receiver given with --receiver is kept: tail goes on asking that address', async () => {
    const [firstPort, secondPort] = await twoPorts();
    const first = await listenOn(firstPort);
    const tail = startCli(config.dir, ['events', 'tail', '--receiver', first.info.url]);
    try {
      await tail.waitForErrorLine(/^following the receiver at /);
      expect(await first.listen.interrupt()).toBe(0);
      await tail.waitForErrorLine(/^warning: lost the live stream of the receiver at /);
      await listenOn(secondPort);
      // an attempt after the new listen runs still goes to the address given: the next one comes at most
      // 30 s later (the longest wait between attempts), within expect.poll's 45 s
      const failedAttempts = () =>
        tail
          .stderr()
          .match(new RegExp(`^cannot follow the receiver at ${quoted(first.info.url)} yet`, 'gm')) ?? [];
      const attempts = failedAttempts().length;
      await expect.poll(() => failedAttempts().length).toBeGreaterThan(attempts);
      expect(tail.stderr()).not.toContain('now runs at');
      expect(tail.stderr()).not.toContain(`:${secondPort}`);
    } finally {
      if (tail.child.exitCode === null) await tail.interrupt();
      for (const listen of listens) if (listen.child.exitCode === null) await listen.interrupt();
    }
  });
});
