/**
 * `redis-stream` handler against the machine's Redis (127.0.0.1:6379): real deliveries into a
 * receiver, XRANGE as the consumer; MAXLEN ~; an outage through a TcpProxy the test owns; replay.
 * Every key lives under a prefix of this run and is deleted afterwards.
 */
import { sampleOrder } from '@srhooks/contracts';
import { Redis } from 'ioredis';
import { describe, expect, it } from 'vitest';
import { ADMIN_TOKEN } from '../../../admin/test-support/admin-test-receiver.js';
import { claimedOrderJob } from '../../test-support/processing-fixtures.js';
import { waitFor } from '../../test-support/wait-for.js';
import { createRedisStreamHandler } from './redis-stream.js';
import {
  FAST_RETRY,
  firstFailure,
  logEntries,
  postOrders,
  REDIS_PORT,
  RedisTestKeys,
  replayViaAdminApi,
  replayViaInspector,
  SHOP,
  waitForLog,
  waitForSucceeded,
} from './test-support/broker-fixtures.js';
import { brokerTestScope } from './test-support/broker-test-scope.js';
import {
  expectHungConnectionInReceiver,
  expectHungConnectionReplaced,
  expectLateAnswerRetried,
  expectUnreachableThenStalled,
} from './test-support/broker-timeouts.js';
import { expectIdleOutagesNoticed } from './test-support/idle-outage.js';

const scope = brokerTestScope();

/**
 * A receiver whose handler `stream` adds to the Redis at `port` (a proxy the test owns) under `prefix`,
 * one stream per shop, with the fast retry schedule and `options` (its time limit first).
 */
function streamThrough(
  port: number,
  prefix: string,
  options: { timeoutMs: number; probeIntervalMs?: number },
) {
  return scope.receiver({
    stream: {
      type: 'redis-stream',
      url: `redis://127.0.0.1:${port}`,
      stream: `${prefix}:{shop}`,
      ...options,
      retry: FAST_RETRY,
    },
  });
}

function keys(): RedisTestKeys {
  const created = new RedisTestKeys();
  scope.defer(() => created.remove());
  return created;
}

describe('redis-stream handler', () => {
  it('XADDs each delivered event with its id, type, shop, source and the forward body', async () => {
    const redis = keys();
    const app = await scope.receiver({
      stream: {
        type: 'redis-stream',
        url: `redis://127.0.0.1:${REDIS_PORT}`,
        stream: `${redis.prefix}:{shop}:{event}`,
      },
    });
    const eventIds = await postOrders(app, ['9001', '9002', '9003']);
    await waitForSucceeded(app, eventIds);

    const key = `${redis.prefix}:${SHOP}:order_confirm`;
    expect(await redis.keys()).toEqual([key]);
    const entries = await redis.read(key);
    expect(entries.map((entry) => entry.fields.id)).toEqual(eventIds);
    for (const [index, entry] of entries.entries()) {
      expect(entry.fields).toMatchObject({
        id: eventIds[index],
        eventId: eventIds[index],
        type: 'shoprenter.order_confirm',
        shop: SHOP,
        contentType: 'application/json',
      });
      expect(entry.fields.source).toMatch(/^delivery\/dlv_/);
      expect(JSON.parse(entry.fields.body ?? '')).toMatchObject({
        type: 'shoprenter.order_confirm',
        data: { eventId: eventIds[index], shop: SHOP, order: { innerId: `900${index + 1}` } },
      });
    }
    // An attempt is counted once the store has answered its outcome: just after the message arrived.
    await expect
      .poll(async () => (await fetch(`${app.baseUrl}/metrics`)).text(), { timeout: 10_000 })
      .toContain(
        'srhooks_handler_attempts_total{handler="stream",type="redis-stream",outcome="succeeded"} 3',
      );
    const metrics = await (await fetch(`${app.baseUrl}/metrics`)).text();
    expect(metrics).toContain('srhooks_handler_connected{handler="stream",type="redis-stream"} 1');
  });

  it('caps the stream with MAXLEN ~ and, not deduplicating, appends a re-run of the same job again', async () => {
    const redis = keys();
    const capped = createRedisStreamHandler({
      name: 'capped',
      url: `redis://127.0.0.1:${REDIS_PORT}`,
      stream: `${redis.prefix}:capped`,
      maxLen: 10,
    });
    scope.defer(() => capped.close());
    for (let i = 0; i < 300; i++) {
      expect(await capped.run(claimedOrderJob(sampleOrder(i), { eventId: `evt_${i}` }))).toEqual({
        status: 'succeeded',
      });
    }
    // `~`: Redis trims whole macro nodes (100 entries by default), so the length stays near the cap
    const length = await redis.length(`${redis.prefix}:capped`);
    expect(length).toBeGreaterThanOrEqual(10);
    expect(length).toBeLessThan(300);

    const plain = createRedisStreamHandler({
      name: 'plain',
      url: `redis://127.0.0.1:${REDIS_PORT}`,
      stream: `${redis.prefix}:plain`,
    });
    scope.defer(() => plain.close());
    const job = claimedOrderJob(sampleOrder(1), { eventId: 'evt_same' });
    await plain.run(job);
    await plain.run({ ...job, attempt: 2 });
    expect((await redis.read(`${redis.prefix}:plain`)).map((entry) => entry.fields.id)).toEqual([
      'evt_same',
      'evt_same',
    ]);
  });

  it('broker down for a while, then back: one connection; every event is added after it returns, none lost; /readyz stays green', async () => {
    const redis = keys();
    const proxy = await scope.proxy(REDIS_PORT, 'up');
    const app = await streamThrough(proxy.port, redis.prefix, { timeoutMs: 1000 });
    const before = await postOrders(app, ['9101', '9102']);
    await waitForSucceeded(app, before);
    // one connection for the handler (the proxy counts both of its sides)
    expect(proxy.openSockets).toBe(2);

    await proxy.stop();
    const during = await postOrders(app, ['9103', '9104', '9105']);
    const failure = await firstFailure(app, during[0] ?? '');
    expect((await fetch(`${app.baseUrl}/readyz`)).status).toBe(200);
    expect(failure).toContain(`XADD to Redis stream "${redis.prefix}:${SHOP}"`);

    const lost = await waitForLog(app, 'broker connection lost', 'stream');
    expect(lost).toMatchObject({
      level: 40,
      handlerType: 'redis-stream',
      broker: `127.0.0.1:${proxy.port}`,
      errorCode: 'broker_unreachable',
    });
    expect(logEntries(app, 'job failed; retry scheduled', 'stream')[0]).toMatchObject({
      errorCode: 'broker_unreachable',
    });

    await proxy.start();
    await waitForSucceeded(app, during);
    const ids = (await redis.read(`${redis.prefix}:${SHOP}`)).map((entry) => entry.fields.id);
    expect(new Set(ids)).toEqual(new Set([...before, ...during]));
    expect(logEntries(app, 'broker connection restored', 'stream')).toEqual([
      expect.objectContaining({ level: 30, handlerType: 'redis-stream', broker: `127.0.0.1:${proxy.port}` }),
    ]);
    expect(logEntries(app, 'broker connection lost', 'stream')).toHaveLength(1);
  });

  it("the handlers list says while the broker is unreachable, with the attempts' reason, and stops saying so once it is back", async () => {
    const redis = keys();
    const proxy = await scope.proxy(REDIS_PORT, 'down');
    const app = await streamThrough(proxy.port, redis.prefix, { timeoutMs: 1000 });
    const handlers = async () => {
      const response = await fetch(`${app.baseUrl}/admin/api/handlers`, {
        headers: { authorization: `Bearer ${ADMIN_TOKEN}` },
      });
      return ((await response.json()) as { items: { name: string; problem: unknown }[] }).items;
    };
    expect(await handlers()).toEqual([expect.objectContaining({ name: 'stream', problem: null })]);

    const during = await postOrders(app, ['9201']);
    await firstFailure(app, during[0] ?? '');
    const [down] = await handlers();
    expect(down?.problem).toEqual({
      code: 'broker_unreachable',
      reason: expect.stringMatching(
        new RegExp(
          `^XADD to Redis stream "${redis.prefix}:${SHOP}" at redis://127\\.0\\.0\\.1:${proxy.port} failed: .+: check that the Redis server is running and that the URL is right$`,
        ),
      ),
      since: expect.any(String),
    });

    await proxy.start();
    await waitForSucceeded(app, during);
    expect(await handlers()).toEqual([expect.objectContaining({ name: 'stream', problem: null })]);
  });

  it('a database the server does not have (redis://…/100000) fails every attempt saying so; nothing is added to database 0', async () => {
    const redis = keys();
    const handler = createRedisStreamHandler({
      name: 'nodb',
      url: `redis://127.0.0.1:${REDIS_PORT}/100000`,
      stream: `${redis.prefix}:nodb`,
      timeoutMs: 2000,
    });
    scope.defer(() => handler.close());
    for (const id of [1, 2]) {
      const outcome = await handler.run(claimedOrderJob(sampleOrder(id), { eventId: `evt_nodb_${id}` }));
      expect(outcome).toMatchObject({ status: 'retry', errorCode: 'broker_rejected' });
      const error = outcome.status === 'retry' ? outcome.error : '';
      expect(error).toContain('Redis at redis://127.0.0.1:6379/100000 refused database 100000');
      expect(error).toMatch(/DB index is out of range/);
      expect(error).toMatch(/the number after the last "\/" in the handler's "url"/);
      expect(handler.connected).toBe(false);
    }
    // ioredis alone would have stayed on database 0 and added the entries there
    expect(await redis.keys()).toEqual([]);

    // a database the server has works as before (the same key, in database 1, not in 0)
    const inOne = createRedisStreamHandler({
      name: 'db1',
      url: `redis://127.0.0.1:${REDIS_PORT}/1`,
      stream: `${redis.prefix}:db1`,
      timeoutMs: 2000,
    });
    scope.defer(() => inOne.close());
    expect(await inOne.run(claimedOrderJob(sampleOrder(3), { eventId: 'evt_db1' }))).toEqual({
      status: 'succeeded',
    });
    expect(inOne.connected).toBe(true);
    expect(await redis.keys()).toEqual([]);
    const one = new Redis({ host: '127.0.0.1', port: REDIS_PORT, db: 1, lazyConnect: true });
    scope.defer(async () => {
      await one.del(`${redis.prefix}:db1`);
      one.disconnect();
    });
    expect(await one.xlen(`${redis.prefix}:db1`)).toBe(1);
  });

  it('credentials Redis refuses (WRONGPASS) fail each attempt as a refused login with what to check, not as a server that may be down', async () => {
    const redis = keys();
    // a user the server does not have: refused with WRONGPASS without touching the server's ACLs
    const handler = createRedisStreamHandler({
      name: 'login',
      url: `redis://${redis.prefix}_nouser:s3cret-pw@127.0.0.1:${REDIS_PORT}`,
      stream: `${redis.prefix}:login`,
      timeoutMs: 2000,
    });
    scope.defer(() => handler.close());
    for (const id of [1, 2]) {
      const outcome = await handler.run(claimedOrderJob(sampleOrder(id), { eventId: `evt_login_${id}` }));
      expect(outcome).toMatchObject({ status: 'retry', errorCode: 'broker_rejected' });
      const error = outcome.status === 'retry' ? outcome.error : '';
      expect(error).toContain('WRONGPASS');
      expect(error).toContain(
        `check the user and password in the handler's "url" (written before the "@" as user:password, or :password alone for the default user)`,
      );
      expect(error).not.toContain('***');
      expect(error).not.toContain('check that the Redis server is running');
      expect(error).not.toContain('s3cret-pw');
      expect(handler.connected).toBe(false);
    }
    expect(await redis.keys()).toEqual([]);
  });

  it('a refused login is not retried in the background: one login per attempt, the next attempt logs in afresh', async () => {
    // Before: ioredis logged in again every 200 ms … 5 s for as long as the receiver ran.
    const redis = keys();
    const proxy = await scope.proxy(REDIS_PORT, 'up');
    const handler = createRedisStreamHandler({
      name: 'login',
      url: `redis://${redis.prefix}_nouser:s3cret-pw@127.0.0.1:${proxy.port}`,
      stream: `${redis.prefix}:login`,
      timeoutMs: 2000,
      probeIntervalMs: 500,
    });
    scope.defer(() => handler.close());
    const refused = (outcome: Awaited<ReturnType<typeof handler.run>>) => {
      expect(outcome).toMatchObject({ status: 'retry', errorCode: 'broker_rejected' });
      expect(outcome.status === 'retry' ? outcome.error : '').toMatch(
        /WRONGPASS[\s\S]*: check the user and password in the handler's "url"/,
      );
    };
    refused(await handler.run(claimedOrderJob(sampleOrder(1), { eventId: 'evt_login_1' })));
    expect(proxy.connectionsAccepted).toBe(1);
    // nor by the liveness probe (every 500 ms here)
    await new Promise((resolve) => setTimeout(resolve, 6000));
    expect(proxy.connectionsAccepted).toBe(1);
    expect(handler.connected).toBe(false);
    refused(await handler.run(claimedOrderJob(sampleOrder(2), { eventId: 'evt_login_2' })));
    expect(proxy.connectionsAccepted).toBe(2);
    expect(await redis.keys()).toEqual([]);
  });

  it('a Redis that refuses connections: the attempts say the connection is closed / not connected, not ioredis\'s "Stream isn\'t writeable"', async () => {
    const redis = keys();
    const proxy = await scope.proxy(REDIS_PORT, 'down');
    const handler = createRedisStreamHandler({
      name: 'offline',
      url: `redis://127.0.0.1:${proxy.port}`,
      stream: `${redis.prefix}:offline`,
      timeoutMs: 2000,
    });
    scope.defer(() => handler.close());
    const errors: string[] = [];
    for (const id of [1, 2, 3]) {
      const outcome = await handler.run(claimedOrderJob(sampleOrder(id), { eventId: `evt_offline_${id}` }));
      expect(outcome).toMatchObject({ status: 'retry', errorCode: 'broker_unreachable' });
      errors.push(outcome.status === 'retry' ? outcome.error : '');
    }
    for (const error of errors) {
      expect(error).toMatch(
        new RegExp(
          `^XADD to Redis stream "${redis.prefix}:offline" at redis://127\\.0\\.0\\.1:${proxy.port} failed: (the connection to Redis is closed|not connected to Redis \\(the client reconnects in the background; entries are not queued meanwhile\\)) \\(connection: .*ECONNREFUSED.*\\): check that the Redis server is running and that the URL is right$`,
        ),
      );
      expect(error).not.toMatch(/Stream isn't writeable|enableOfflineQueue/);
    }
  });

  it('the connection lost while an XADD awaits its answer: the attempt says so and that the entry may have been added, not ioredis\'s "max retries per request limit (which is 0)"', async () => {
    const redis = keys();
    const proxy = await scope.proxy(REDIS_PORT, 'up');
    const handler = createRedisStreamHandler({
      name: 'cut',
      url: `redis://127.0.0.1:${proxy.port}`,
      stream: `${redis.prefix}:cut`,
      timeoutMs: 5000,
    });
    scope.defer(() => handler.close());
    const job = (id: number) => claimedOrderJob(sampleOrder(id), { eventId: `evt_cut_${id}` });
    expect(await handler.run(job(1))).toEqual({ status: 'succeeded' });

    proxy.delay(400, 'replies'); // Redis gets the XADD at once, its answer trails
    const inFlight = handler.run(job(2));
    await new Promise((resolve) => setTimeout(resolve, 150));
    proxy.cut();
    const outcome = await inFlight;
    expect(outcome).toMatchObject({ status: 'retry', errorCode: 'broker_unreachable' });
    const error = outcome.status === 'retry' ? outcome.error : '';
    expect(error).toMatch(
      new RegExp(
        `^XADD to Redis stream "${redis.prefix}:cut" at redis://127\\.0\\.0\\.1:${proxy.port} failed: the connection to Redis was lost before it answered( \\(connection: [^)]*\\))?: the entry may have been added \\(consumers deduplicate on the "id" field\\); the attempt is retried$`,
      ),
    );
    expect(error).not.toMatch(/maxRetriesPerRequest|max retries/);
    // it was: the retry will add it a second time
    expect(await redis.length(`${redis.prefix}:cut`)).toBe(2);
  });

  it('a stream key holding another type of value (WRONGTYPE) is broker_rejected, saying what to change', async () => {
    const redis = keys();
    const key = `${redis.prefix}:taken`;
    const writer = new Redis({ host: '127.0.0.1', port: REDIS_PORT });
    scope.defer(() => writer.disconnect());
    await writer.set(key, 'not a stream');
    const handler = createRedisStreamHandler({
      name: 'taken',
      url: `redis://127.0.0.1:${REDIS_PORT}`,
      stream: key,
      timeoutMs: 2000,
    });
    scope.defer(() => handler.close());
    const outcome = await handler.run(claimedOrderJob(sampleOrder(3), { eventId: 'evt_taken' }));
    expect(outcome).toMatchObject({ status: 'retry', errorCode: 'broker_rejected' });
    expect(outcome.status === 'retry' && outcome.error).toBe(
      `XADD to Redis stream "${key}" at redis://127.0.0.1:${REDIS_PORT} failed: WRONGTYPE Operation against a key holding the wrong kind of value: the key "${key}" holds a string, not a stream; rename or delete that key, or set "stream" in the handler's configuration to keys of their own`,
    );
    expect(await writer.get(key)).toBe('not a stream'); // left as it was
  });

  it('a hung connection (frozen, never closed): the attempt fails on the timeout, the next one uses a new connection', async () => {
    const redis = keys();
    const proxy = await scope.proxy(REDIS_PORT, 'up');
    const handler = createRedisStreamHandler({
      name: 'hung',
      url: `redis://127.0.0.1:${proxy.port}`,
      stream: `${redis.prefix}:hung`,
      timeoutMs: 500,
    });
    scope.defer(() => handler.close());
    await expectHungConnectionReplaced({
      handler,
      proxy,
      jobs: {
        before: claimedOrderJob(sampleOrder(1), { eventId: 'evt_before' }),
        hung: claimedOrderJob(sampleOrder(2), { eventId: 'evt_hung' }),
        after: claimedOrderJob(sampleOrder(3), { eventId: 'evt_after' }),
      },
      timeoutError: /Command timed out; the connection is replaced/,
      publishedIds: async () => (await redis.read(`${redis.prefix}:hung`)).map((entry) => entry.fields.id),
    });
  });

  it('an answer later than timeoutMs: the attempt says the entry may have been added all the same, and the retry adds it again', async () => {
    // Before: "Command timed out; the connection is replaced", though Redis had added the entry.
    const redis = keys();
    const proxy = await scope.proxy(REDIS_PORT, 'up');
    const handler = createRedisStreamHandler({
      name: 'slow',
      url: `redis://127.0.0.1:${proxy.port}`,
      stream: `${redis.prefix}:slow`,
      timeoutMs: 500,
    });
    scope.defer(() => handler.close());
    await expectLateAnswerRetried({
      handler,
      proxy,
      jobs: {
        before: claimedOrderJob(sampleOrder(1), { eventId: 'evt_before' }),
        late: claimedOrderJob(sampleOrder(2), { eventId: 'evt_slow' }),
      },
      timeoutError:
        /failed: Command timed out; the connection is replaced: the entry may have been added all the same \(consumers deduplicate on the "id" field\); the attempt is retried$/,
      publishedIds: async () => (await redis.read(`${redis.prefix}:slow`)).map((entry) => entry.fields.id),
    });
  });

  it('a hung connection in a receiver: warn line with broker_timeout, info line when a new connection is up; gauge back to 1', async () => {
    const redis = keys();
    const proxy = await scope.proxy(REDIS_PORT, 'up');
    const app = await streamThrough(proxy.port, redis.prefix, { timeoutMs: 500 });
    await expectHungConnectionInReceiver({
      app,
      proxy,
      handler: 'stream',
      type: 'redis-stream',
      orders: ['9501', '9502'],
      timeoutError: /Command timed out/,
    });
  });

  it.each([
    ['the admin API', replayViaAdminApi, '9201'],
    ['the inspector (Replay button)', replayViaInspector, '9301'],
  ] as const)('replay from %s adds the event again under a new id', async (_from, replay, innerId) => {
    const redis = keys();
    const app = await scope.receiver({
      stream: {
        type: 'redis-stream',
        url: `redis://127.0.0.1:${REDIS_PORT}`,
        stream: `${redis.prefix}:{shop}`,
      },
    });
    const [eventId] = await postOrders(app, [innerId]);
    await waitForSucceeded(app, [eventId ?? '']);
    await replay(app, eventId ?? '');
    const key = `${redis.prefix}:${SHOP}`;
    await waitFor(async () => (await redis.length(key)) === 2, 'the replayed entry');
    const ids = (await redis.read(key)).map((entry) => entry.fields.id);
    expect(ids).toEqual([eventId, expect.stringMatching(new RegExp(`^${eventId}:replay-\\d+$`))]);
  });

  it('broker unreachable at start, then stalled (black-hole): attempts fail with the reason, never hang; added once it answers', async () => {
    const redis = keys();
    const proxy = await scope.proxy(REDIS_PORT, 'down'); // the port refuses: the broker is "down" when the receiver starts
    const app = await streamThrough(proxy.port, redis.prefix, { timeoutMs: 500 });
    const { down, stalled } = await expectUnreachableThenStalled({
      app,
      proxy,
      orders: ['9401', '9402'],
      downError:
        /^XADD to Redis stream ".*" at redis:\/\/127\.0\.0\.1:\d+ failed: .*ECONNREFUSED.*: check that the Redis server is running and that the URL is right$/,
      stalledError: /timed out|took longer than|not connected to Redis|the connection to Redis is closed/i,
    });
    const ids = (await redis.read(`${redis.prefix}:${SHOP}`)).map((entry) => entry.fields.id);
    expect(new Set(ids)).toEqual(new Set([down, stalled]));
  });

  it('idle (no deliveries) while the broker goes silent: the liveness probe notices — gauge 0, one lost line — and reconnects when it answers — gauge 1, one restored line', async () => {
    const redis = keys();
    const proxy = await scope.proxy(REDIS_PORT, 'up');
    const app = await streamThrough(proxy.port, redis.prefix, { timeoutMs: 500, probeIntervalMs: 200 });
    await expectIdleOutagesNoticed({
      app,
      proxy,
      handler: 'stream',
      type: 'redis-stream',
      orders: ['9601', '9602'],
    });
  });

  it('close() stops the liveness probe: a dropped connection is not reopened afterwards', async () => {
    const redis = keys();
    const proxy = await scope.proxy(REDIS_PORT, 'up');
    const handler = createRedisStreamHandler({
      name: 'probed',
      url: `redis://127.0.0.1:${proxy.port}`,
      stream: `${redis.prefix}:probed`,
      timeoutMs: 300,
      probeIntervalMs: 100,
    });
    scope.defer(() => handler.close());
    expect(await handler.run(claimedOrderJob(sampleOrder(1), { eventId: 'evt_probed' }))).toEqual({
      status: 'succeeded',
    });
    proxy.stall();
    await waitFor(() => !handler.connected, 'the probe to drop the hung connection');
    const accepted = proxy.connectionsAccepted;
    await waitFor(() => proxy.connectionsAccepted > accepted, 'a probe reconnecting');
    await handler.close();
    const afterClose = proxy.connectionsAccepted;
    await new Promise((resolve) => setTimeout(resolve, 1000)); // ten intervals
    expect(proxy.connectionsAccepted).toBe(afterClose);
  });
});
