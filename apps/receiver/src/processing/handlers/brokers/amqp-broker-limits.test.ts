/**
 * `amqp` handler against a RabbitMQ at its limits, on a RabbitMQ server of this file's own
 * (disposable-rabbitmq.ts: `max_message_size = 16384`), never the shared one:
 * - a memory alarm (the watermark set under the node's use with `rabbitmqctl
 *   set_vm_memory_high_watermark`): RabbitMQ blocks publishing (connection.blocked) and answers nothing
 *   until the alarm clears. Attempts fail saying so (`broker_out_of_resources`) instead of taking the
 *   connection for hung and replacing it; the liveness probe leaves it alone; publishing resumes when
 *   RabbitMQ unblocks it;
 * - a message over `max_message_size` (RabbitMQ closes the channel with 406 PRECONDITION_FAILED) is
 *   dead-lettered at once, naming the limit and how to raise it.
 */
import { sampleOrder } from '@srhooks/contracts';
import { type Channel, type ChannelModel, connect } from 'amqplib';
import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ReceiverMetrics } from '../../../metrics/receiver-metrics.js';
import { instrumentRunners } from '../../handler-metrics.js';
import { createHandlerRunners } from '../../handler-runners.js';
import { ShopClients } from '../../shop-clients.js';
import { claimedOrderJob, silentLogger } from '../../test-support/processing-fixtures.js';
import { waitFor } from '../../test-support/wait-for.js';
import { createAmqpHandler } from './amqp.js';
import type { BrokerHandler } from './broker-handler.js';
import { brokerTestScope } from './test-support/broker-test-scope.js';
import { type DisposableRabbitMq, startDisposableRabbitMq } from './test-support/disposable-rabbitmq.js';

const MAX_MESSAGE_SIZE = 16_384;
const scope = brokerTestScope();
let rabbit: DisposableRabbitMq;
let connection: ChannelModel;
let channel: Channel;
let run = 0;

beforeAll(async () => {
  rabbit = await startDisposableRabbitMq([`max_message_size = ${MAX_MESSAGE_SIZE}`]);
  connection = await connect(rabbit.url);
  channel = await connection.createChannel();
});

afterAll(async () => {
  await connection?.close().catch(() => {});
  await rabbit?.stop();
});

/** A fanout exchange with one queue bound, of this test. */
async function exchangeWithQueue(): Promise<{ exchange: string; queue: string }> {
  run++;
  const exchange = `limits_x_${run}`;
  const queue = `limits_q_${run}`;
  await channel.assertExchange(exchange, 'fanout', { durable: false });
  await channel.assertQueue(queue, { durable: false });
  await channel.bindQueue(queue, exchange, '');
  return { exchange, queue };
}

/** The message ids now in `queue`, taken out of it. */
async function drain(queue: string): Promise<string[]> {
  const ids: string[] = [];
  for (;;) {
    const message = await channel.get(queue, { noAck: true });
    if (message === false) return ids;
    ids.push(String(message.properties.messageId));
  }
}

function handlerWithLog(
  exchange: string,
  options: { timeoutMs: number; probeIntervalMs?: number },
): { handler: BrokerHandler; lines: Record<string, unknown>[] } {
  const lines: Record<string, unknown>[] = [];
  const logger = pino({ level: 'info' }, { write: (line: string) => void lines.push(JSON.parse(line)) });
  const handler = scope.release(
    createAmqpHandler({ name: 'rabbit', url: rabbit.url, exchange, logger, ...options }),
    (created) => created.close(),
  );
  return { handler, lines };
}

const job = (seed: number) => claimedOrderJob(sampleOrder(seed), { eventId: `evt_limits_${seed}` });

describe('amqp handler: RabbitMQ blocks publishing (memory alarm)', () => {
  it('fails attempts saying the broker blocked publishing and what to check, keeps the connection, and publishes again once unblocked', async () => {
    const { exchange, queue } = await exchangeWithQueue();
    const { handler, lines } = handlerWithLog(exchange, { timeoutMs: 1500, probeIntervalMs: 200 });
    expect(await handler.run(job(1))).toEqual({ status: 'succeeded' });
    await rabbit.ctl('set_vm_memory_high_watermark', 'absolute', '1MB');
    scope.defer(() => rabbit.ctl('set_vm_memory_high_watermark', '0.4'));

    // sent, then RabbitMQ blocks the connection: no confirm
    const held = await handler.run(job(2));
    expect(held).toMatchObject({ status: 'retry', errorCode: 'broker_out_of_resources' });
    const heldError = held.status === 'retry' ? held.error : '';
    expect(heldError).toMatch(
      new RegExp(
        `^RabbitMQ at amqp://127\\.0\\.0\\.1:${rabbit.port} blocked publishing \\("low on memory"\\): a resource alarm is on`,
      ),
    );
    expect(heldError).toContain('"vm_memory_high_watermark"');
    expect(heldError).toContain('rabbitmqctl status');
    expect(heldError).toContain('it had not confirmed the message');
    expect(heldError).toContain('consumers deduplicate on message_id');

    // known blocked: the next attempt sends nothing
    const refused = await handler.run(job(3));
    expect(refused).toMatchObject({ status: 'retry', errorCode: 'broker_out_of_resources' });
    expect(refused.status === 'retry' ? refused.error : '').toContain(
      `it still blocked after 1500 ms, so nothing was published to exchange "${exchange}"`,
    );

    // several idle probe intervals: the blocked connection is not taken for hung
    // (a probe that timed out would have dropped it after 200 + 1500 ms)
    await new Promise((resolve) => setTimeout(resolve, 3500));
    expect(handler.connected).toBe(true);
    expect(lines.map((line) => line.msg)).toEqual(['broker blocked publishing']);
    expect(lines[0]).toMatchObject({
      level: 40,
      handler: 'rabbit',
      handlerType: 'amqp',
      reason: 'low on memory',
      errorCode: 'broker_out_of_resources',
    });

    // an attempt waiting on the block goes through when RabbitMQ unblocks
    const { handler: patient, lines: patientLines } = handlerWithLog(exchange, { timeoutMs: 60_000 });
    const inFlight = patient.run(job(4));
    await waitFor(
      () => patientLines.some((line) => line.msg === 'broker blocked publishing'),
      'the second handler to be blocked',
    );
    const waiting = patient.run(job(5));
    await rabbit.ctl('set_vm_memory_high_watermark', '0.4');
    expect(await inFlight).toEqual({ status: 'succeeded' });
    expect(await waiting).toEqual({ status: 'succeeded' });
    await waitFor(
      () => lines.some((line) => line.msg === 'broker unblocked publishing'),
      'the first handler to log that it is unblocked',
    );
    expect(await handler.run(job(6))).toEqual({ status: 'succeeded' });
    expect(lines.map((line) => line.msg)).toEqual([
      'broker blocked publishing',
      'broker unblocked publishing',
    ]);
    // job 2 was held, not lost: RabbitMQ took it once unblocked
    const ids = await waitFor(async () => {
      const now = await drain(queue);
      return now.length >= 5 ? now : null;
    }, 'the messages in the queue');
    expect(ids.sort()).toEqual([
      'evt_limits_1',
      'evt_limits_2',
      'evt_limits_4',
      'evt_limits_5',
      'evt_limits_6',
    ]);
  });
});

describe("amqp handler runner: the block is the handler's problem", () => {
  it('the handlers list shows broker_out_of_resources while RabbitMQ blocks publishing, over a connection that is up; /metrics says blocked', async () => {
    const { exchange } = await exchangeWithQueue();
    const [runner] = createHandlerRunners({
      handlers: { rabbit: { type: 'amqp', url: rabbit.url, exchange, timeoutMs: 1000 } },
      clients: new ShopClients([]),
      logger: silentLogger,
    });
    if (!runner) throw new Error('no runner');
    scope.defer(() => runner.close?.());
    const metrics = new ReceiverMetrics();
    instrumentRunners([runner], metrics);
    const gauges = async () => {
      const text = await metrics.registry.metrics();
      const value = (name: string) =>
        new RegExp(`^${name}\\{handler="rabbit",type="amqp"\\} (\\d+)$`, 'm').exec(text)?.[1];
      return { connected: value('srhooks_handler_connected'), blocked: value('srhooks_handler_blocked') };
    };
    expect(await runner.run(job(10))).toEqual({ status: 'succeeded' });
    expect(runner.problem?.()).toBeNull();
    expect(await gauges()).toEqual({ connected: '1', blocked: '0' });
    await rabbit.ctl('set_vm_memory_high_watermark', 'absolute', '1MB');
    scope.defer(() => rabbit.ctl('set_vm_memory_high_watermark', '0.4'));
    expect(await runner.run(job(11))).toMatchObject({
      status: 'retry',
      errorCode: 'broker_out_of_resources',
    });
    expect(runner.problem?.()).toMatchObject({
      code: 'broker_out_of_resources',
      reason: expect.stringContaining('blocked publishing ("low on memory")'),
    });
    // the connection is up, and blocked: both gauges say so
    expect(await gauges()).toEqual({ connected: '1', blocked: '1' });
    // the worker stops while an attempt waits for the block to end: a shutdown, not the broker's failure
    const waiting = runner.run(job(12));
    await new Promise((resolve) => setTimeout(resolve, 200));
    await runner.close?.();
    expect(await waiting).toMatchObject({ status: 'retry', errorCode: 'handler_shutdown' });
    expect(await gauges()).toEqual({ connected: '0', blocked: '0' });
  });

  it('blocked (what the gauge reads) is back to false when RabbitMQ unblocks the connection', async () => {
    const { exchange } = await exchangeWithQueue();
    const { handler } = handlerWithLog(exchange, { timeoutMs: 1000 });
    expect(await handler.run(job(13))).toEqual({ status: 'succeeded' });
    expect(handler.blocked).toBe(false);
    await rabbit.ctl('set_vm_memory_high_watermark', 'absolute', '1MB');
    scope.defer(() => rabbit.ctl('set_vm_memory_high_watermark', '0.4'));
    expect(await handler.run(job(14))).toMatchObject({ errorCode: 'broker_out_of_resources' });
    expect(handler.blocked).toBe(true);
    await rabbit.ctl('set_vm_memory_high_watermark', '0.4');
    await waitFor(() => handler.blocked === false, 'the handler to be unblocked');
    expect(handler.connected).toBe(true);
  });
});

describe('amqp handler: RabbitMQ at its connection limit', () => {
  it('a vhost at its max-connections refuses the connection: the attempt names the limit as a possible cause, not only the vhost or the user', async () => {
    const { exchange } = await exchangeWithQueue();
    // this file's own connection is the one the vhost may have
    await rabbit.ctl('set_vhost_limits', '-p', '/', '{"max-connections": 1}');
    // cleared by the test itself when it gets that far ("Parameter does not exist" then)
    scope.defer(() => rabbit.ctl('clear_vhost_limits', '-p', '/').catch(() => {}));
    const { handler } = handlerWithLog(exchange, { timeoutMs: 5000 });
    const outcome = await handler.run(job(20));
    expect(outcome).toMatchObject({ status: 'retry', errorCode: 'broker_rejected' });
    expect(outcome.status === 'retry' ? outcome.error : '').toContain(
      `RabbitMQ refused to open vhost "/" (it does not exist, the user may not use it, or the vhost's or the user's connection limit is reached: see rabbitmqctl list_vhost_limits and list_user_limits)`,
    );
    // the handler does not keep logging in meanwhile: once the limit is lifted the next attempt does
    await rabbit.ctl('clear_vhost_limits', '-p', '/');
    expect(await handler.run(job(21))).toEqual({ status: 'succeeded' });
  });
});

describe('amqp handler: a queue whose x-max-length-bytes is smaller than the message', () => {
  it('nacks it every time, even empty: the nack carries no reason, so each retry says a byte limit with reject-publish is the likely cause, naming the message size', async () => {
    run++;
    const exchange = `limits_x_${run}`;
    const queue = `limits_q_${run}`;
    await channel.assertExchange(exchange, 'fanout', { durable: false });
    await channel.assertQueue(queue, {
      durable: false,
      arguments: { 'x-max-length-bytes': 100, 'x-overflow': 'reject-publish' },
    });
    await channel.bindQueue(queue, exchange, '');
    const { handler } = handlerWithLog(exchange, { timeoutMs: 5000 });
    for (const attempt of [1, 2]) {
      const outcome = await handler.run(job(30));
      expect(outcome, `attempt ${attempt}`).toMatchObject({ status: 'retry', errorCode: 'broker_rejected' });
      const error = outcome.status === 'retry' ? outcome.error : '';
      expect(error).toContain(`RabbitMQ refused the message (nack) published to exchange "${exchange}"`);
      expect(error).toContain('"x-max-length-bytes" limit with "x-overflow": "reject-publish"');
      expect(error).toMatch(
        /a classic queue whose "x-max-length-bytes" is smaller than this message \(\d{3,} bytes\) refuses it every time, even when empty, and the retries end in a dead letter: raise that limit/,
      );
      expect(await drain(queue)).toEqual([]);
    }
    expect(handler.connected).toBe(true);
  });
});

describe('amqp handler: a message over RabbitMQ max_message_size', () => {
  it('is dead-lettered at once, naming the limit and what to change; others on the channel are retried, and the next publish goes through', async () => {
    const { exchange, queue } = await exchangeWithQueue();
    const { handler } = handlerWithLog(exchange, { timeoutMs: 5000 });
    // a free-text comment of the customer's: it must not be echoed in the error
    const order = { ...sampleOrder(7), comment: `Kérem csengessen ${'x'.repeat(MAX_MESSAGE_SIZE)}` };
    const [big, small] = await Promise.all([
      handler.run(claimedOrderJob(order, { eventId: 'evt_limits_big' })),
      handler.run(job(8)),
    ]);
    expect(big).toMatchObject({ status: 'dead', errorCode: 'broker_rejected' });
    const error = big.status === 'dead' ? big.error : '';
    expect(error).toMatch(
      new RegExp(
        `^the message published to exchange "${exchange}" with routing key "demo\\.order_confirm" \\(\\d+ bytes of event JSON\\) is larger than RabbitMQ at amqp://127\\.0\\.0\\.1:${rabbit.port} accepts \\(its max_message_size is ${MAX_MESSAGE_SIZE} bytes; it closed the channel with 406 PRECONDITION_FAILED\\)`,
      ),
    );
    expect(error).toContain('Raise "max_message_size" in the RabbitMQ server\'s rabbitmq.conf');
    expect(error).not.toContain('Kérem');
    // the small one shared the channel RabbitMQ closed: confirmed before the close, or retried
    if (small.status !== 'succeeded') {
      expect(small).toMatchObject({ status: 'retry' });
      expect(small.status === 'retry' ? small.error : '').toContain(
        'because another message published on it',
      );
    }
    expect(await handler.run(job(9))).toEqual({ status: 'succeeded' });
    const ids = await drain(queue);
    expect(ids).not.toContain('evt_limits_big');
    expect(ids).toContain('evt_limits_9');
  });
});
