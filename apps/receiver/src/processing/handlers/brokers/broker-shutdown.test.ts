/**
 * A publish still waiting for the broker when the worker closes the handler (the receiver shutting
 * down, its `shutdownTimeoutMs` spent): the attempt says the receiver shut down before the broker
 * acknowledged the message (`handler_shutdown`), not that the broker could not be reached — the broker
 * was fine, or merely slow — nor a bare "channel closed". Against the real brokers, through a TcpProxy
 * the test owns that hangs the connection so the acknowledgement never comes.
 */
import { sampleOrder } from '@srhooks/contracts';
import { describe, expect, it } from 'vitest';
import { claimedOrderJob } from '../../test-support/processing-fixtures.js';
import { createAmqpHandler } from './amqp.js';
import type { BrokerHandler } from './broker-handler.js';
import { createNatsHandler } from './nats.js';
import { createRedisStreamHandler } from './redis-stream.js';
import {
  AMQP_PORT,
  AmqpTestQueue,
  NATS_PORT,
  NatsTestStream,
  REDIS_PORT,
  RedisTestKeys,
  SHOP,
} from './test-support/broker-fixtures.js';
import { brokerTestScope } from './test-support/broker-test-scope.js';

const scope = brokerTestScope();

/** Long enough that only the close can end the attempt within the test's bounds. */
const TIMEOUT_MS = 20_000;

async function handlerThroughProxy(type: 'nats' | 'amqp' | 'redis-stream') {
  if (type === 'nats') {
    const bus = scope.release(new NatsTestStream(), (created) => created.remove());
    await bus.create();
    const proxy = await scope.proxy(NATS_PORT, 'up');
    const handler = createNatsHandler({
      name: 'bus',
      servers: [`nats://127.0.0.1:${proxy.port}`],
      subject: `${bus.subjectPrefix}.{shop}.{event}`,
      timeoutMs: TIMEOUT_MS,
    });
    return { proxy, handler, broker: 'NATS' };
  }
  if (type === 'amqp') {
    const queue = scope.release(new AmqpTestQueue(), (created) => created.remove());
    await queue.create();
    const proxy = await scope.proxy(AMQP_PORT, 'up');
    const handler = createAmqpHandler({
      name: 'rabbit',
      url: `amqp://guest:guest@127.0.0.1:${proxy.port}`,
      exchange: queue.exchange,
      timeoutMs: TIMEOUT_MS,
    });
    return { proxy, handler, broker: 'RabbitMQ' };
  }
  const keys = scope.release(new RedisTestKeys(), (created) => created.remove());
  const proxy = await scope.proxy(REDIS_PORT, 'up');
  const handler = createRedisStreamHandler({
    name: 'stream',
    url: `redis://127.0.0.1:${proxy.port}`,
    stream: `${keys.prefix}:{shop}:{event}`,
    timeoutMs: TIMEOUT_MS,
  });
  return { proxy, handler, broker: 'Redis' };
}

describe('a publish in flight when the handler is closed (shutdown)', () => {
  it.each(['nats', 'amqp', 'redis-stream'] as const)(
    '%s: the attempt says the receiver shut down before the broker acknowledged it, not that the broker is unreachable',
    async (type) => {
      const { proxy, handler, broker } = await handlerThroughProxy(type);
      const open: BrokerHandler = scope.release(handler, (created) => created.close());
      const job = (eventId: string) => claimedOrderJob(sampleOrder(5), { eventId, shop: SHOP });
      expect(await open.run(job('evt_shutdown_before'))).toEqual({ status: 'succeeded' });

      proxy.freeze(); // the broker never answers on this connection again
      const inFlight = open.run(job('evt_shutdown_in_flight'));
      await new Promise((resolve) => setTimeout(resolve, 300));
      const closing = Date.now();
      await open.close();
      const outcome = await inFlight;
      expect(Date.now() - closing).toBeLessThan(TIMEOUT_MS / 2);

      expect(outcome).toMatchObject({
        status: 'retry',
        errorCode: 'handler_shutdown',
        summary: 'the receiver shut down before the broker acknowledged the message',
      });
      expect(outcome.status === 'retry' && outcome.error).toMatch(
        new RegExp(
          `^the receiver shut down before ${broker} at \\S+ acknowledged the message \\(it closed the connection\\): whether ${broker} kept it is not known; the job runs again under the same message id`,
        ),
      );
    },
  );

  it('nats: an attempt waiting for the client to reconnect ends as soon as the handler is closed', async () => {
    const { proxy, handler } = await handlerThroughProxy('nats');
    const open: BrokerHandler = scope.release(handler, (created) => created.close());
    const job = (eventId: string) => claimedOrderJob(sampleOrder(5), { eventId, shop: SHOP });
    expect(await open.run(job('evt_shutdown_before'))).toEqual({ status: 'succeeded' });

    await proxy.stop(); // NATS gone: the client reconnects in the background, the attempt waits for it
    const inFlight = open.run(job('evt_shutdown_waiting'));
    await new Promise((resolve) => setTimeout(resolve, 500));
    const closing = Date.now();
    await open.close();
    const outcome = await inFlight;
    expect(Date.now() - closing).toBeLessThan(TIMEOUT_MS / 2);
    expect(outcome).toMatchObject({ status: 'retry', errorCode: 'handler_shutdown' });
  });
});
