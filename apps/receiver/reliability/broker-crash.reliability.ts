/**
 * Broker handlers and `kill -9` between publish and job completion: the receiver (child process,
 * SQLite) has a `nats`, an `amqp` and a `redis-stream` handler, each reaching its broker (the machine's
 * NATS JetStream, RabbitMQ and Redis, with names of this run) through a TcpProxy the test owns. After a
 * warm-up, the proxies hold every answer the brokers send back (not the requests), so a broker stores a
 * message at once and its acknowledgement trails by seconds; as soon as every broker holds messages of
 * the batch, the receiver is killed. The proxies are cut (nothing more in flight), the store is read: jobs that are not done
 * although their message is at the broker are the "interrupted" ones. Then the receiver restarts on the
 * same file; the interrupted jobs run again when their lease (1 s here) expires. Then:
 * - nats: every event is in the stream exactly once (the re-publish carried the same Nats-Msg-Id and
 *   JetStream's duplicate window dropped it): duplicates = 0;
 * - amqp / redis-stream: every event arrived at least once; they do not deduplicate, so duplicates =
 *   the interrupted jobs of that handler (each re-published once), and the figures line states them;
 * - `srhooks events replay <id>` (the built CLI, through the admin API) re-publishes one event to all
 *   three with the new message id `<eventId>:replay-<n>`.
 */

import { freePort } from '@srhooks/sandbox';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  AMQP_PORT,
  AmqpTestQueue,
  NATS_PORT,
  NatsTestStream,
  REDIS_PORT,
  RedisTestKeys,
} from '../src/processing/handlers/brokers/test-support/broker-fixtures.js';
import { TcpProxy } from '../src/test-support/tcp-proxy.js';
import { runCli } from './support/cli-process.js';
import { printFigures } from './support/figures.js';
import { runLoad } from './support/load-generator.js';
import { orderDeliveries } from './support/order-deliveries.js';
import { ReceiverProcess } from './support/receiver-process.js';
import { type ScenarioDir, scenarioDir } from './support/scenario-dir.js';
import { RELIABILITY_ADMIN_TOKEN, RELIABILITY_SECRET } from './support/secrets.js';
import { scenarioSeed } from './support/seeded-random.js';
import { type JobRow, readSqliteJobs } from './support/store-inspection.js';
import { sleep, waitUntil } from './support/wait-until.js';

const SHOP = 'broker-shop';
const WARM_UP = 3;
const EVENTS = 40;
/**
 * Each answer from a broker waits this long in its proxy (answers queue behind each other): far longer
 * than the time from the batch's first stored message to the kill, and shorter than the handlers'
 * 5 s timeout, so no job of the batch is acknowledged, and none times out, before the kill.
 */
const ACK_DELAY_MS = 4000;
const HANDLERS = ['nats', 'amqp', 'redis'] as const;
type Handler = (typeof HANDLERS)[number];

/** What one broker holds: message id and order innerId per message. */
interface BrokerContent {
  ids: string[];
  innerIds: string[];
}

function innerIdOf(json: Record<string, unknown>): string {
  return String(((json.data as Record<string, unknown>).order as Record<string, unknown>).innerId);
}

describe('broker handlers: kill -9 between publish and job completion', () => {
  const seed = scenarioSeed();
  let dir: ScenarioDir;
  let receiver: ReceiverProcess | null = null;
  let dbFile: string;
  const nats = new NatsTestStream();
  const amqp = new AmqpTestQueue();
  const redis = new RedisTestKeys();
  const redisKey = () => `${redis.prefix}:${SHOP}`;
  const proxies = {
    nats: new TcpProxy(NATS_PORT),
    amqp: new TcpProxy(AMQP_PORT),
    redis: new TcpProxy(REDIS_PORT),
  } satisfies Record<Handler, TcpProxy>;
  const content: Record<Handler, BrokerContent> = {
    nats: { ids: [], innerIds: [] },
    amqp: { ids: [], innerIds: [] },
    redis: { ids: [], innerIds: [] },
  };
  let atKill: Record<Handler, number> = { nats: 0, amqp: 0, redis: 0 };
  const interrupted: Record<Handler, number> = { nats: 0, amqp: 0, redis: 0 };
  let settled = false;
  let replayedEventId = '';
  let cliExit = -1;
  let failed = false;

  async function readAll(): Promise<Record<Handler, BrokerContent>> {
    const natsMessages = await nats.read(await nats.messageCount(), 5000);
    const amqpMessages = await amqp.read(await amqp.pending(), 5000);
    const redisEntries = await redis.read(redisKey());
    // NATS and Redis are read whole each time; the AMQP queue hands each message out once.
    content.nats.ids = natsMessages.map((m) => m.headers?.get('Nats-Msg-Id') ?? '');
    content.nats.innerIds = natsMessages.map((m) => innerIdOf(m.json));
    content.amqp.ids.push(...amqpMessages.map((m) => String(m.properties.messageId)));
    content.amqp.innerIds.push(...amqpMessages.map((m) => innerIdOf(m.json)));
    content.redis.ids = redisEntries.map((e) => e.fields.id ?? '');
    content.redis.innerIds = redisEntries.map((e) => innerIdOf(JSON.parse(e.fields.body ?? '{}')));
    return content;
  }

  async function counts(): Promise<Record<Handler, number>> {
    const [natsCount, amqpCount, redisCount] = await Promise.all([
      nats.messageCount(),
      amqp.pending(),
      redis.length(redisKey()).catch(() => 0),
    ]);
    return { nats: natsCount, amqp: amqpCount, redis: redisCount };
  }

  beforeAll(async () => {
    dir = scenarioDir('broker-crash');
    dbFile = dir.file('srhooks.db');
    await nats.create();
    await amqp.create();
    for (const proxy of Object.values(proxies)) await proxy.start();
    receiver = await ReceiverProcess.start({
      dir: dir.path,
      port: await freePort(),
      env: {
        SRHOOKS_SECRETS: RELIABILITY_SECRET,
        SRHOOKS_ADMIN_TOKEN: RELIABILITY_ADMIN_TOKEN,
        SRHOOKS_DB: dbFile,
        LOG_LEVEL: 'warn',
        RABBIT_PASSWORD: 'guest',
      },
      config: {
        jobLeaseMs: 1000,
        shops: [{ name: SHOP, handlers: [...HANDLERS] }],
        handlers: {
          nats: {
            type: 'nats',
            servers: `nats://127.0.0.1:${proxies.nats.port}`,
            subject: `${nats.subjectPrefix}.{shop}.{event}`,
            timeoutMs: 5000,
          },
          amqp: {
            type: 'amqp',
            url: `amqp://guest:\${RABBIT_PASSWORD}@127.0.0.1:${proxies.amqp.port}`,
            exchange: amqp.exchange,
            timeoutMs: 5000,
          },
          redis: {
            type: 'redis-stream',
            url: `redis://127.0.0.1:${proxies.redis.port}`,
            stream: `${redis.prefix}:{shop}`,
            timeoutMs: 5000,
          },
        },
      },
    });
    const deliveries = orderDeliveries({
      shop: SHOP,
      secret: RELIABILITY_SECRET,
      count: WARM_UP + EVENTS,
      firstInnerId: 5_000_000,
      seed,
    });
    const send = (batch: typeof deliveries) =>
      runLoad({
        baseUrl: receiver?.baseUrl ?? '',
        deliveries: batch,
        concurrency: 4,
        retryDelayMs: 100,
        deadlineMs: 30_000,
      });

    // Warm-up: every handler connected and publishing.
    await send(deliveries.slice(0, WARM_UP));
    await waitUntil(async () => Object.values(await counts()).every((count) => count >= WARM_UP), 20_000, 50);

    // Slow acknowledgements, then the batch; kill -9 once every broker stores messages of it.
    for (const proxy of Object.values(proxies)) proxy.delay(ACK_DELAY_MS, 'replies');
    await send(deliveries.slice(WARM_UP));
    await waitUntil(async () => Object.values(await counts()).every((count) => count > WARM_UP), 20_000, 10);
    await receiver.kill9();
    for (const proxy of Object.values(proxies)) await proxy.stop();
    await sleep(500);
    atKill = await counts();

    // Interrupted: job not done, yet its message is at the broker.
    const stored = await readAll();
    const { jobs } = readSqliteJobs(dbFile, SHOP);
    for (const handler of HANDLERS) {
      const published = new Set(stored[handler].innerIds);
      interrupted[handler] = jobs.filter(
        (job: JobRow) =>
          job.handler === handler && job.status !== 'succeeded' && published.has(job.innerId ?? ''),
      ).length;
    }

    // Back: proxies forward at full speed, the receiver restarts on the same file and port.
    for (const proxy of Object.values(proxies)) {
      proxy.delay(0);
      await proxy.start();
    }
    await receiver.launch();
    settled = await waitUntil(
      () => {
        const all = readSqliteJobs(dbFile, SHOP).jobs;
        return (
          all.length === (WARM_UP + EVENTS) * HANDLERS.length &&
          all.every((job) => job.status === 'succeeded')
        );
      },
      60_000,
      100,
    );
    await sleep(300);
    await readAll();

    // Replay one event with the CLI: all three brokers get it again under a new message id.
    replayedEventId = content.nats.ids[0] ?? '';
    const cli = await runCli(
      [
        'events',
        'replay',
        replayedEventId,
        '--receiver',
        receiver.baseUrl,
        '--admin-token',
        RELIABILITY_ADMIN_TOKEN,
        '--json',
      ],
      dir.path,
    );
    cliExit = cli.code;
    await waitUntil(
      async () => {
        const now = await counts();
        return now.nats > content.nats.ids.length && now.amqp > 0 && now.redis > content.redis.ids.length;
      },
      20_000,
      50,
    );
    await sleep(200);
    await readAll();
  }, 200_000);

  afterAll(async () => {
    await receiver?.stop();
    for (const proxy of Object.values(proxies)) await proxy.stop();
    await nats.remove();
    await amqp.remove();
    await redis.remove();
    dir?.remove(failed);
  });

  const total = WARM_UP + EVENTS;
  const figures = (handler: Handler) => {
    const ids = content[handler].ids.filter((id) => !id.includes(':replay-'));
    const innerIds = content[handler].innerIds.slice(0, ids.length);
    return {
      messages: ids.length,
      distinct: new Set(innerIds).size,
      duplicates: ids.length - new Set(ids).size,
    };
  };

  it('prints its figures', () => {
    const line: Record<string, number | string | boolean> = { seed, events: total, settled, cliExit };
    for (const handler of HANDLERS) {
      const f = figures(handler);
      line[`${handler}AtKill`] = atKill[handler];
      line[`${handler}Interrupted`] = interrupted[handler];
      line[`${handler}Messages`] = f.messages;
      line[`${handler}Duplicates`] = f.duplicates;
    }
    printFigures('broker-crash', line);
    expect(settled).toBe(true);
  });

  it('killed the receiver between publish and completion for every handler', () => {
    failed ||= HANDLERS.some((handler) => interrupted[handler] === 0);
    for (const handler of HANDLERS) expect(interrupted[handler], handler).toBeGreaterThan(0);
  });

  it('nats: the consumer sees every event exactly once (JetStream dropped the re-publish)', () => {
    const f = figures('nats');
    failed ||= f.duplicates !== 0 || f.distinct !== total;
    expect(f.distinct).toBe(total);
    expect(f.duplicates).toBe(0);
    expect(f.messages).toBe(total);
  });

  it.each(['amqp', 'redis'] as const)(
    '%s: every event at least once; duplicates = the interrupted jobs (no broker dedupe)',
    (handler) => {
      const f = figures(handler);
      failed ||= f.distinct !== total || f.duplicates !== interrupted[handler];
      expect(f.distinct).toBe(total);
      expect(f.duplicates).toBe(interrupted[handler]);
    },
  );

  it('srhooks events replay re-publishes the event to every broker under a new message id', () => {
    failed ||= cliExit !== 0;
    expect(cliExit).toBe(0);
    for (const handler of HANDLERS) {
      const replays = content[handler].ids.filter((id) => id.startsWith(`${replayedEventId}:replay-`));
      expect(replays, handler).toHaveLength(1);
    }
  });
});
