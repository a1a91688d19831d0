/**
 * The liveness scenario every broker handler test runs: a receiver whose handler has delivered once
 * and then sits idle (no deliveries flowing) while the broker behind the test's TcpProxy goes silent.
 * Only the handler's liveness probe can notice; what it must show is the `srhooks_handler_connected`
 * gauge and exactly one "lost" and one "restored" line per outage.
 */
import { expect } from 'vitest';
import type { TcpProxy } from '../../../../test-support/tcp-proxy.js';
import type { TestReceiver } from '../../../../test-support/test-receiver.js';
import { waitFor } from '../../../test-support/wait-for.js';
import { logEntries, postOrders, waitForLog, waitForSucceeded } from './broker-fixtures.js';

/** The `srhooks_handler_connected` value of this handler on /metrics (null when it has none). */
export async function connectedGauge(
  app: TestReceiver,
  handler: string,
  type: string,
): Promise<number | null> {
  const metrics = await (await fetch(`${app.baseUrl}/metrics`)).text();
  const line = metrics
    .split('\n')
    .find((candidate) =>
      candidate.startsWith(`srhooks_handler_connected{handler="${handler}",type="${type}"} `),
    );
  return line === undefined ? null : Number(line.slice(line.lastIndexOf(' ') + 1));
}

export interface IdleOutage {
  app: TestReceiver;
  /** Between the handler and its broker; forwarding when called. */
  proxy: TcpProxy;
  handler: string;
  type: 'nats' | 'amqp' | 'redis-stream';
  /** Order inner ids for the delivery before the outage and the one after it. */
  orders: [string, string];
}

export async function expectIdleOutagesNoticed({ app, proxy, handler, type, orders }: IdleOutage) {
  const gauge = () => connectedGauge(app, handler, type);
  const lost = () => logEntries(app, 'broker connection lost', handler);
  const restored = () => logEntries(app, 'broker connection restored', handler);
  const before = await postOrders(app, [orders[0]]);
  await waitForSucceeded(app, before);
  expect(await gauge()).toBe(1);

  // Outage 1: the broker host goes silent — the open connection hangs and so do new ones.
  proxy.stall();
  await waitFor(async () => (await gauge()) === 0, `${handler}'s connected gauge at 0`);
  expect(await waitForLog(app, 'broker connection lost', handler)).toMatchObject({
    level: 40,
    handlerType: type,
    broker: `127.0.0.1:${proxy.port}`,
    errorCode: 'broker_timeout',
  });
  // reconnecting keeps failing (two more connections reach the silent proxy): still down, no new line
  const accepted = proxy.connectionsAccepted;
  await waitFor(() => proxy.connectionsAccepted >= accepted + 2, 'two reconnect attempts');
  expect(await gauge()).toBe(0);
  expect(lost()).toHaveLength(1);
  expect(restored()).toHaveLength(0);

  proxy.resume();
  await waitFor(async () => (await gauge()) === 1, `${handler}'s connected gauge back at 1`);
  expect(await waitForLog(app, 'broker connection restored', handler)).toMatchObject({
    level: 30,
    handlerType: type,
    broker: `127.0.0.1:${proxy.port}`,
  });
  expect(lost()).toHaveLength(1);
  expect(restored()).toHaveLength(1);

  // Outage 2: only the open connection hangs (new ones pass): dropped, then replaced by a new one.
  proxy.freeze();
  await waitFor(() => lost().length === 2 && restored().length === 2, 'a second lost and restored line');
  expect(lost()[1]).toMatchObject({ errorCode: 'broker_timeout' });
  expect(await gauge()).toBe(1);

  // no delivery ran during the outages; the next one goes through on its first attempt
  const after = await postOrders(app, [orders[1]]);
  await waitForSucceeded(app, after);
  const event = await app.app.store.getEvent(after[0] ?? '');
  expect(event?.jobs[0]?.attemptLog).toHaveLength(1);
  expect(lost()).toHaveLength(2);
  expect(restored()).toHaveLength(2);
  expect(app.logLines.join('\n')).not.toMatch(/guest:guest@|:\/\/[^/\s"]*:[^/\s"]*@/);
}
