/**
 * Broker tests against the machine's real brokers on 127.0.0.1 (NATS JetStream :4222, RabbitMQ :5672
 * guest/guest, Redis :6379), each run with its own names (pid + random: streams and subjects, exchange
 * and queue names in the default vhost, key prefixes), removed afterwards. Outages are simulated with a
 * TcpProxy between the receiver and the broker; the brokers themselves are never stopped.
 */
import { randomBytes } from 'node:crypto';
import { type JetStreamManager, jetstream, jetstreamManager } from '@nats-io/jetstream';
import { connect as connectNats, type MsgHdrs, type NatsConnection } from '@nats-io/transport-node';
import { encodeDelivery, sampleOrder, signDeliveryPath } from '@srhooks/contracts';
import { type Channel, type ChannelModel, connect as connectAmqp } from 'amqplib';
import { Redis } from 'ioredis';
import { ADMIN_TOKEN, loginAsBrowser } from '../../../../admin/test-support/admin-test-receiver.js';
import type { ReceiverConfigInput } from '../../../../config/config-schema.js';
import { startTestReceiver, TEST_SECRET, type TestReceiver } from '../../../../test-support/test-receiver.js';
import { waitFor } from '../../../test-support/wait-for.js';

export const NATS_PORT = 4222;
export const AMQP_PORT = 5672;
export const REDIS_PORT = 6379;
export const SHOP = 'broker-shop';

/** `srh_<pid>_<random>`: unique per run, valid as a NATS token, AMQP name and Redis key part. */
export function runName(kind: string): string {
  return `srh_${kind}_${process.pid}_${randomBytes(4).toString('hex')}`;
}

/** A short retry schedule so tests see several attempts in a second or two. */
export const FAST_RETRY = {
  delays: ['100ms', '200ms', '300ms', '400ms', '500ms', '500ms', '500ms'],
  jitter: 0,
};

/** A receiver with the admin API and the worker running `handlers` for shop {@link SHOP}. */
export async function startBrokerReceiver(
  handlers: NonNullable<ReceiverConfigInput['handlers']>,
  env: Record<string, string> = {},
): Promise<TestReceiver> {
  return startTestReceiver(
    {
      adminToken: ADMIN_TOKEN,
      adminMaxFailures: 0,
      shops: [{ name: SHOP, handlers: Object.keys(handlers) }],
      handlers,
    },
    { processing: { pollIntervalMs: 100, env } },
  );
}

/** POSTs one real-format order_confirm delivery per innerId to the receiver; returns the event ids. */
export async function postOrders(receiver: TestReceiver, innerIds: string[]): Promise<string[]> {
  const path = signDeliveryPath({ shop: SHOP, event: 'order_confirm' }, TEST_SECRET);
  const eventIds: string[] = [];
  for (const innerId of innerIds) {
    const order = { ...sampleOrder(Number(innerId)), innerId, storeName: SHOP };
    const { contentType, body } = encodeDelivery(
      'order_confirm',
      { orders: { order: [order] } },
      { format: 'json' },
    );
    const response = await fetch(`${receiver.baseUrl}${path}`, {
      method: 'POST',
      headers: { 'content-type': contentType },
      body: new Uint8Array(body),
    });
    if (response.status !== 200)
      throw new Error(`delivery answered ${response.status}: ${await response.text()}`);
    const page = await receiver.app.store.listEvents({ limit: 500 });
    const event = page.items.find((item) => item.subjectId === innerId);
    if (!event) throw new Error(`no event for order ${innerId}`);
    eventIds.push(event.id);
  }
  return eventIds;
}

/** Waits until every job of these events succeeded. */
export async function waitForSucceeded(receiver: TestReceiver, eventIds: string[], timeoutMs = 45_000) {
  await waitFor(
    async () => {
      for (const id of eventIds) {
        const event = await receiver.app.store.getEvent(id);
        if (!event || event.jobs.some((job) => job.status !== 'succeeded')) return false;
      }
      return true;
    },
    `${eventIds.length} events to be handled`,
    timeoutMs,
  );
}

/** Replays through the inspector as a browser would: logged-in session, the Replay form with its CSRF token. */
export async function replayViaInspector(receiver: TestReceiver, eventId: string): Promise<void> {
  const session = await loginAsBrowser(receiver);
  const response = await fetch(`${receiver.baseUrl}/ui/events/${eventId}/replay`, {
    method: 'POST',
    redirect: 'manual',
    headers: {
      cookie: session.cookie,
      origin: receiver.baseUrl,
      'content-type': 'application/x-www-form-urlencoded',
    },
    body: new URLSearchParams({ _csrf: session.csrfToken }),
  });
  if (response.status !== 303) throw new Error(`inspector replay answered ${response.status}`);
}

/** Waits until the (first) job of the event recorded a failed attempt; returns its error. */
export async function firstFailure(receiver: TestReceiver, eventId: string): Promise<string> {
  const attempt = await waitFor(async () => {
    const event = await receiver.app.store.getEvent(eventId);
    return event?.jobs[0]?.attemptLog.find((entry) => entry.outcome === 'failed');
  }, `a failed attempt of ${eventId}`);
  return attempt.error ?? '';
}

export async function replayViaAdminApi(receiver: TestReceiver, eventId: string): Promise<void> {
  const response = await fetch(`${receiver.baseUrl}/admin/api/events/${eventId}/replay`, {
    method: 'POST',
    headers: { authorization: `Bearer ${ADMIN_TOKEN}` },
  });
  if (response.status !== 200)
    throw new Error(`replay answered ${response.status}: ${await response.text()}`);
}

/** The receiver's log lines (parsed) with this `msg`, optionally only those of one handler. */
export function logEntries(receiver: TestReceiver, msg: string, handler?: string): Record<string, unknown>[] {
  return receiver.logLines
    .map((line) => JSON.parse(line) as Record<string, unknown>)
    .filter((entry) => entry.msg === msg && (handler === undefined || entry.handler === handler));
}

/** Waits until the receiver logged a line with this `msg` (of this handler); returns the first. */
export async function waitForLog(
  receiver: TestReceiver,
  msg: string,
  handler?: string,
): Promise<Record<string, unknown>> {
  return waitFor(() => logEntries(receiver, msg, handler)[0], `a "${msg}" log line`);
}

// --- NATS -------------------------------------------------------------------------------------------

export interface ReadNatsMessage {
  subject: string;
  headers: MsgHdrs | undefined;
  json: Record<string, unknown>;
}

/** A stream of this run (`<name>` capturing `<name>.>`), a reader, and its removal. */
export class NatsTestStream {
  readonly name = runName('nats');
  readonly subjectPrefix = this.name;
  #nc: NatsConnection | null = null;
  #jsm: JetStreamManager | null = null;

  async connection(): Promise<{ nc: NatsConnection; jsm: JetStreamManager }> {
    if (!this.#nc) {
      this.#nc = await connectNats({ servers: `nats://127.0.0.1:${NATS_PORT}` });
      this.#jsm = await jetstreamManager(this.#nc);
    }
    return { nc: this.#nc, jsm: this.#jsm as JetStreamManager };
  }

  async create(): Promise<void> {
    const { jsm } = await this.connection();
    await jsm.streams.add({ name: this.name, subjects: [`${this.subjectPrefix}.>`] });
  }

  /** Every message now in the stream, read by an ordered consumer (as a subscriber would). */
  async read(expected: number, timeoutMs = 10_000): Promise<ReadNatsMessage[]> {
    const { nc } = await this.connection();
    const consumer = await jetstream(nc).consumers.get(this.name);
    const messages: ReadNatsMessage[] = [];
    const deadline = Date.now() + timeoutMs;
    while (messages.length < expected && Date.now() < deadline) {
      const batch = await consumer.fetch({ max_messages: expected - messages.length, expires: 1000 });
      for await (const message of batch) {
        messages.push({ subject: message.subject, headers: message.headers, json: message.json() });
      }
    }
    return messages;
  }

  async messageCount(): Promise<number> {
    const { jsm } = await this.connection();
    return (await jsm.streams.info(this.name)).state.messages;
  }

  async remove(): Promise<void> {
    if (!this.#nc) return;
    await this.#jsm?.streams.delete(this.name).catch(() => false);
    await this.#nc.close();
    this.#nc = null;
  }
}

// --- RabbitMQ ---------------------------------------------------------------------------------------

export interface ReadAmqpMessage {
  routingKey: string;
  properties: Record<string, unknown> & { headers?: Record<string, unknown> };
  json: Record<string, unknown>;
}

/** A topic exchange and a queue bound to `#` (names of this run, default vhost), and their removal. */
export class AmqpTestQueue {
  readonly exchange = runName('amqp_x');
  readonly queue = runName('amqp_q');
  #connection: ChannelModel | null = null;
  #channel: Channel | null = null;

  /**
   * A topic exchange bound with `#` (default), or a fanout exchange (bound with the key ""); the queue
   * declared with `queueArguments` (`x-max-length`, …) when given.
   */
  constructor(
    readonly exchangeType: 'topic' | 'fanout' = 'topic',
    readonly queueArguments: Record<string, unknown> = {},
  ) {}

  async create(): Promise<void> {
    this.#connection = await connectAmqp(`amqp://guest:guest@127.0.0.1:${AMQP_PORT}`);
    this.#channel = await this.#connection.createChannel();
    await this.#channel.assertExchange(this.exchange, this.exchangeType, {
      durable: false,
      autoDelete: false,
    });
    await this.#channel.assertQueue(this.queue, {
      durable: true,
      autoDelete: false,
      arguments: this.queueArguments,
    });
    await this.#channel.bindQueue(this.queue, this.exchange, this.exchangeType === 'topic' ? '#' : '');
  }

  /** Consumes up to `expected` messages (acknowledging them), waiting at most `timeoutMs`. */
  async read(expected: number, timeoutMs = 10_000): Promise<ReadAmqpMessage[]> {
    const channel = this.#channel;
    if (!channel) throw new Error('create() first');
    const messages: ReadAmqpMessage[] = [];
    const deadline = Date.now() + timeoutMs;
    while (messages.length < expected && Date.now() < deadline) {
      const message = await channel.get(this.queue, { noAck: true });
      if (message === false) {
        await new Promise((resolve) => setTimeout(resolve, 20));
        continue;
      }
      messages.push({
        routingKey: message.fields.routingKey,
        properties: message.properties as unknown as ReadAmqpMessage['properties'],
        json: JSON.parse(message.content.toString('utf8')),
      });
    }
    return messages;
  }

  /** Messages still waiting in the queue (after a short settle). */
  async pending(): Promise<number> {
    const channel = this.#channel;
    if (!channel) throw new Error('create() first');
    return (await channel.checkQueue(this.queue)).messageCount;
  }

  async remove(): Promise<void> {
    if (!this.#channel || !this.#connection) return;
    await this.#channel.deleteQueue(this.queue).catch(() => {});
    await this.#channel.deleteExchange(this.exchange).catch(() => {});
    await this.#connection.close().catch(() => {});
    this.#connection = null;
    this.#channel = null;
  }
}

// --- Redis ------------------------------------------------------------------------------------------

export interface ReadRedisEntry {
  key: string;
  id: string;
  fields: Record<string, string>;
}

/** Keys of this run live under `<prefix>:`; read with XRANGE, removed with SCAN + DEL. */
export class RedisTestKeys {
  readonly prefix = runName('redis');
  readonly #redis = new Redis({ host: '127.0.0.1', port: REDIS_PORT, lazyConnect: true });

  async read(key: string): Promise<ReadRedisEntry[]> {
    const entries = await this.#redis.xrange(key, '-', '+');
    return entries.map(([id, flat]) => {
      const fields: Record<string, string> = {};
      for (let i = 0; i + 1 < flat.length; i += 2) fields[flat[i] as string] = flat[i + 1] as string;
      return { key, id, fields };
    });
  }

  async keys(): Promise<string[]> {
    return (await this.#redis.keys(`${this.prefix}:*`)).sort();
  }

  async length(key: string): Promise<number> {
    return this.#redis.xlen(key);
  }

  async remove(): Promise<void> {
    const keys = await this.keys();
    if (keys.length > 0) await this.#redis.del(...keys);
    this.#redis.disconnect();
  }
}
