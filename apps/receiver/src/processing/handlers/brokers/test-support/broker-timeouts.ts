/**
 * The timeout scenarios every broker handler test runs against its broker behind the test's TcpProxy:
 * a connection that hangs (frozen, never closed) under a handler and under a receiver, an answer that
 * comes later than `timeoutMs`, and a broker unreachable at start and then stalled (black-hole). Each
 * handler's test file creates the handler or receiver and says what its broker's errors look like; the
 * steps and the assertions are the same for all three brokers.
 */
import { expect } from 'vitest';
import type { ClaimedJob } from '../../../../store/store.js';
import type { TcpProxy } from '../../../../test-support/tcp-proxy.js';
import type { TestReceiver } from '../../../../test-support/test-receiver.js';
import type { BrokerHandler } from '../broker-handler.js';
import { firstFailure, logEntries, postOrders, waitForLog, waitForSucceeded } from './broker-fixtures.js';

export interface HungHandler {
  /** Publishing through `proxy` (forwarding), not yet connected. */
  handler: BrokerHandler;
  proxy: TcpProxy;
  /** The job published before the freeze, the one the freeze hangs, and the one after it. */
  jobs: { before: ClaimedJob; hung: ClaimedJob; after: ClaimedJob };
  /** What the hung attempt's error ends with (the broker's timeout, "the connection is replaced"). */
  timeoutError: RegExp;
  /** The message ids the broker holds now, in order (at least two are expected). */
  publishedIds: () => Promise<unknown[]>;
}

/**
 * A connection frozen after one publish (never closed): the attempt fails on the timeout
 * (`broker_timeout`) and drops the connection; the next attempt goes through on a new one beside the
 * frozen pair; the broker holds the jobs before and after.
 */
export async function expectHungConnectionReplaced({
  handler,
  proxy,
  jobs,
  timeoutError,
  publishedIds,
}: HungHandler): Promise<void> {
  expect(await handler.run(jobs.before)).toEqual({ status: 'succeeded' });
  expect(handler.connected).toBe(true);
  expect(proxy.openSockets).toBe(2);

  proxy.freeze();
  const hung = await handler.run(jobs.hung);
  expect(hung).toMatchObject({ status: 'retry', errorCode: 'broker_timeout' });
  expect(hung.status === 'retry' && hung.error).toMatch(timeoutError);
  expect(handler.connected).toBe(false);

  expect(await handler.run(jobs.after)).toEqual({ status: 'succeeded' });
  expect(handler.connected).toBe(true);
  // the frozen pair is still there (nothing got through to close it); the new one beside it
  expect(proxy.frozenSockets).toBe(2);
  expect(proxy.openSockets).toBe(4);
  expect(await publishedIds()).toEqual([jobs.before.eventId, jobs.after.eventId]);
}

export interface LateAnswer {
  /** Publishing through `proxy` (forwarding) with a `timeoutMs` well under 1500 ms. */
  handler: BrokerHandler;
  proxy: TcpProxy;
  /** Published before the delay; the job whose answer comes late, then is retried. */
  jobs: { before: ClaimedJob; late: ClaimedJob };
  /** What the late attempt's error ends with ("… may have been delivered all the same …"). */
  timeoutError: RegExp;
  publishedIds: () => Promise<unknown[]>;
}

/**
 * The broker's answer trails by 1.5 s: the attempt fails on the timeout saying the message may have
 * been taken all the same, and the retry publishes it a second time (the broker holds it twice).
 */
export async function expectLateAnswerRetried({
  handler,
  proxy,
  jobs,
  timeoutError,
  publishedIds,
}: LateAnswer): Promise<void> {
  expect(await handler.run(jobs.before)).toEqual({ status: 'succeeded' });
  proxy.delay(1500, 'replies');
  const late = await handler.run(jobs.late);
  expect(late).toMatchObject({ status: 'retry', errorCode: 'broker_timeout' });
  expect(late.status === 'retry' && late.error).toMatch(timeoutError);
  proxy.delay(0);
  expect(await handler.run(jobs.late)).toEqual({ status: 'succeeded' });
  expect(await publishedIds()).toEqual([jobs.before.eventId, jobs.late.eventId, jobs.late.eventId]);
}

export interface HungReceiver {
  /** A receiver whose handler `handler` publishes through `proxy` (forwarding), with a fast retry. */
  app: TestReceiver;
  proxy: TcpProxy;
  handler: string;
  type: 'nats' | 'amqp' | 'redis-stream';
  /** Order inner ids for the delivery before the freeze and the one during it. */
  orders: [string, string];
  /** What the first failed attempt during the freeze says. */
  timeoutError: RegExp;
  /**
   * Wait for the "restored" line before counting it (amqp's test always has, its connection being
   * reopened by amqplib's recovery); nats and redis-stream count it at once.
   */
  awaitRestoredLine?: boolean;
}

/**
 * A connection frozen under a running receiver: the attempt fails with `broker_timeout`, one warn line
 * "broker connection lost" (broker_timeout) and one info line "broker connection restored" once the
 * retry's new connection is up; the job succeeds and the gauge is back at 1.
 */
export async function expectHungConnectionInReceiver({
  app,
  proxy,
  handler,
  type,
  orders,
  timeoutError,
  awaitRestoredLine = false,
}: HungReceiver): Promise<void> {
  const before = await postOrders(app, [orders[0]]);
  await waitForSucceeded(app, before);

  proxy.freeze();
  const during = await postOrders(app, [orders[1]]);
  expect(await firstFailure(app, during[0] ?? '')).toMatch(timeoutError);
  await waitForSucceeded(app, during);

  expect(logEntries(app, 'job failed; retry scheduled', handler)[0]).toMatchObject({
    errorCode: 'broker_timeout',
  });
  expect(logEntries(app, 'broker connection lost', handler)).toEqual([
    expect.objectContaining({
      level: 40,
      handlerType: type,
      broker: `127.0.0.1:${proxy.port}`,
      errorCode: 'broker_timeout',
    }),
  ]);
  if (awaitRestoredLine) expect(await waitForLog(app, 'broker connection restored', handler)).toBeTruthy();
  expect(logEntries(app, 'broker connection restored', handler)).toHaveLength(1);
  const metrics = await (await fetch(`${app.baseUrl}/metrics`)).text();
  expect(metrics).toContain(`srhooks_handler_connected{handler="${handler}",type="${type}"} 1`);
}

export interface UnreachableThenStalled {
  /** A receiver whose handler publishes through `proxy`, which refuses connections (`'down'`). */
  app: TestReceiver;
  proxy: TcpProxy;
  /** Order inner ids for the delivery while the port refuses and the one while it is stalled. */
  orders: [string, string];
  /** What the first failed attempt says while the port refuses (the broker's "cannot reach"). */
  downError: RegExp;
  /** What the first failed attempt says while the broker is stalled (a timeout). */
  stalledError: RegExp;
}

/**
 * The broker is unreachable when the receiver starts, then accepts connections but answers nothing:
 * the attempts fail with the reason (never hang), /readyz stays green, and both events are handled
 * once it answers. Resolves to the two event ids, for the caller to find them at the broker.
 */
export async function expectUnreachableThenStalled({
  app,
  proxy,
  orders,
  downError,
  stalledError,
}: UnreachableThenStalled): Promise<{ down: string; stalled: string }> {
  const [down = ''] = await postOrders(app, [orders[0]]);
  expect(await firstFailure(app, down)).toMatch(downError);
  expect((await fetch(`${app.baseUrl}/readyz`)).status).toBe(200);

  await proxy.start();
  proxy.stall(); // accepts, forwards nothing
  const [stalled = ''] = await postOrders(app, [orders[1]]);
  expect(await firstFailure(app, stalled)).toMatch(stalledError);

  await proxy.stop();
  await proxy.start();
  await waitForSucceeded(app, [down, stalled]);
  return { down, stalled };
}
