/**
 * `redis-stream` handler against a Redis at its limits, on Redis servers of the test's own
 * (disposable-redis.ts), never the shared one: out of memory (`maxmemory`, `noeviction`: `OOM`) and a
 * failed RDB snapshot (`MISCONF`) refuse for now — `broker_out_of_resources`, retried, saying what to
 * free —; an entry over `proto-max-bulk-len` is refused for good — dead-lettered at once. Redis busy
 * with a long script (`BUSY`) or loading its dataset (`LOADING`) refuses for now, saying so.
 */
import { sampleOrder } from '@srhooks/contracts';
import { Redis } from 'ioredis';
import { describe, expect, it } from 'vitest';
import { claimedOrderJob } from '../../test-support/processing-fixtures.js';
import { waitFor } from '../../test-support/wait-for.js';
import { createRedisStreamHandler } from './redis-stream.js';
import { brokerTestScope } from './test-support/broker-test-scope.js';
import { type DisposableRedis, startDisposableRedis } from './test-support/disposable-redis.js';

const scope = brokerTestScope();

async function redisServer(args: string[]): Promise<{ server: DisposableRedis; admin: Redis }> {
  const server = scope.release(await startDisposableRedis(args), (started) => started.stop());
  const admin = scope.release(new Redis({ port: server.port, host: '127.0.0.1' }), (client) =>
    client.disconnect(),
  );
  return { server, admin };
}

function handlerFor(server: DisposableRedis) {
  return scope.release(
    createRedisStreamHandler({ name: 'stream', url: server.url, stream: 'limits:{event}', timeoutMs: 3000 }),
    (created) => created.close(),
  );
}

const job = (seed: number) => claimedOrderJob(sampleOrder(seed), { eventId: `evt_redis_limits_${seed}` });

describe('redis-stream handler: Redis short of resources', () => {
  it('out of memory (OOM, noeviction): broker_out_of_resources saying what to free, retried; through once there is room', async () => {
    const { server, admin } = await redisServer(['--maxmemory', '3mb', '--maxmemory-policy', 'noeviction']);
    const handler = handlerFor(server);
    expect(await handler.run(job(1))).toEqual({ status: 'succeeded' });
    // fill it up from another client, in small values (a large one counts its own request buffer)
    await expect(async () => {
      for (let i = 0; i < 10_000; i++) await admin.set(`filler:${i}`, 'x'.repeat(1000));
    }).rejects.toThrow(/^OOM/);
    const refused = await handler.run(job(2));
    expect(refused).toMatchObject({ status: 'retry', errorCode: 'broker_out_of_resources' });
    const error = refused.status === 'retry' ? refused.error : '';
    expect(error).toContain(
      `XADD to Redis stream "limits:order_confirm" at redis://127.0.0.1:${server.port} failed: OOM`,
    );
    expect(error).toContain('Redis is out of memory (at its "maxmemory"');
    expect(error).toContain('set "maxLen" on this handler');
    expect(error).toMatch(/raise "maxmemory"; the attempt is retried$/);
    expect(handler.connected).toBe(true);
    await admin.flushall();
    expect(await handler.run(job(2))).toEqual({ status: 'succeeded' });
    expect(await admin.xlen('limits:order_confirm')).toBe(1);
  });

  it('a failed RDB snapshot (MISCONF): broker_out_of_resources saying Redis cannot persist and what to fix', async () => {
    const { server, admin } = await redisServer(['--save', '3600 1']);
    const handler = handlerFor(server);
    expect(await handler.run(job(3))).toEqual({ status: 'succeeded' });
    // its data directory goes away: the next snapshot cannot be written
    const { rm } = await import('node:fs/promises');
    await rm(server.dataDir, { recursive: true, force: true });
    await admin.bgsave();
    await waitFor(
      async () => /rdb_last_bgsave_status:err/.test(await admin.info('persistence')),
      'the snapshot to fail',
    );
    const refused = await handler.run(job(4));
    expect(refused).toMatchObject({ status: 'retry', errorCode: 'broker_out_of_resources' });
    const error = refused.status === 'retry' ? refused.error : '';
    expect(error).toContain('failed: MISCONF');
    expect(error).toContain('Redis takes no writes because it could not persist its data');
    expect(error).toContain('free disk space or fix its "dir"');
    // what an operator may do while fixing the disk: let writes through again
    await admin.config('SET', 'stop-writes-on-bgsave-error', 'no');
    expect(await handler.run(job(4))).toEqual({ status: 'succeeded' });
  });
});

describe('redis-stream handler: Redis busy for now', () => {
  /** A client of its own for a command that blocks Redis (its answer comes when that ends). */
  const blockingClient = (server: DisposableRedis) =>
    scope.release(new Redis({ port: server.port, host: '127.0.0.1' }), (client) => client.disconnect());

  /** A Redis that answers others while loading once per KB, and `load()`: a DEBUG RELOAD of `keys` keys at 100 µs each, resolved once it is loading. */
  const loadingServer = async () => {
    const { server, admin } = await redisServer([
      '--enable-debug-command',
      'yes',
      '--save',
      '',
      '--loading-process-events-interval-bytes',
      '1024',
    ]);
    const load = async (keys: number): Promise<{ loaded: Promise<unknown> }> => {
      await admin.debug('POPULATE', keys);
      await admin.config('SET', 'key-load-delay', '100');
      const loaded = blockingClient(server).debug('RELOAD');
      await waitFor(async () => /loading:1/.test(await admin.info('persistence')), 'Redis to be loading');
      return { loaded };
    };
    return { server, admin, load };
  };

  it('a script running past busy-reply-threshold (BUSY): retried, saying Redis runs a script and how to stop it', async () => {
    const { server, admin } = await redisServer(['--busy-reply-threshold', '100']);
    const handler = handlerFor(server);
    expect(await handler.run(job(7))).toEqual({ status: 'succeeded' });
    const script = blockingClient(server)
      .eval('while true do end', 0)
      .catch((error: unknown) => error);
    await waitFor(async () => (await admin.ping().catch((error: Error) => error.message)) !== 'PONG', 'BUSY');
    const refused = await handler.run(job(8));
    expect(refused).toMatchObject({ status: 'retry', errorCode: 'broker_rejected' });
    const error = refused.status === 'retry' ? refused.error : '';
    expect(error).toContain('failed: BUSY');
    expect(error).toContain(
      'Redis is running a Lua script or function longer than its "busy-reply-threshold"',
    );
    expect(error).toContain('SCRIPT KILL or FUNCTION KILL');
    expect(error).toMatch(/the entry was not added and the attempt is retried$/);
    expect(handler.connected).toBe(true);
    await admin.script('KILL');
    expect(String(await script)).toMatch(/killed/i);
    expect(await handler.run(job(8))).toEqual({ status: 'succeeded' });
    expect(await admin.xlen('limits:order_confirm')).toBe(2);
  });

  it('loading its dataset (LOADING): retried, saying Redis is loading and where to see its progress', async () => {
    const { server, admin, load } = await loadingServer();
    const handler = handlerFor(server);
    expect(await handler.run(job(9))).toEqual({ status: 'succeeded' });
    // enough keys that the reload lasts about two seconds
    const { loaded: reload } = await load(20_000);
    const refused = await handler.run(job(10));
    expect(refused).toMatchObject({ status: 'retry', errorCode: 'broker_rejected' });
    const error = refused.status === 'retry' ? refused.error : '';
    expect(error).toContain('failed: LOADING');
    expect(error).toContain('Redis is loading its dataset into memory');
    expect(error).toContain('"loading_eta_seconds"');
    expect(error).toMatch(/the entry was not added and the attempt is retried$/);
    expect(handler.connected).toBe(true);
    await reload;
    expect(await handler.run(job(10))).toEqual({ status: 'succeeded' });
    expect(await admin.xlen('limits:order_confirm')).toBe(2);
  });

  it('a connection opened while Redis loads its dataset: said as LOADING at once, not a connect timeout', async () => {
    const { server, admin, load } = await loadingServer();
    // about three seconds of loading, longer than the handler's 1 s timeout
    const { loaded: reload } = await load(30_000);
    // a handler whose first connection opens now (a receiver started while Redis restarts)
    const handler = scope.release(
      createRedisStreamHandler({ name: 'late', url: server.url, stream: 'limits:{event}', timeoutMs: 1000 }),
      (created) => created.close(),
    );
    const refused = await handler.run(job(11));
    // before: ioredis's ready check waited for the load, and the attempt ended as a connect timeout
    expect(refused).toMatchObject({ status: 'retry', errorCode: 'broker_rejected' });
    const error = refused.status === 'retry' ? refused.error : '';
    expect(error).toContain('Redis is loading its dataset into memory');
    expect(error).toMatch(/the entry was not added and the attempt is retried$/);
    await reload;
    expect(await handler.run(job(11))).toEqual({ status: 'succeeded' });
    expect(await admin.xlen('limits:order_confirm')).toBe(1);
  });
});

describe('redis-stream handler: an entry larger than Redis accepts', () => {
  it('over proto-max-bulk-len: dead-lettered at once without sending it, naming the setting and its value; the connection is kept', async () => {
    const { server, admin } = await redisServer(['--proto-max-bulk-len', '1mb']);
    const handler = handlerFor(server);
    // a free-text comment of the customer's, 8 times the limit: it must not be echoed in the error. Sent,
    // Redis dropped the connection while the body was still being written, and the attempt said the
    // connection was lost and the entry "may have been added" — retried until dead.
    const order = { ...sampleOrder(5), comment: `Kérem csengessen ${'x'.repeat(8 * 1024 * 1024)}` };
    const outcome = await handler.run(claimedOrderJob(order, { eventId: 'evt_redis_limits_big' }));
    expect(outcome).toMatchObject({ status: 'dead', errorCode: 'broker_rejected' });
    const error = outcome.status === 'dead' ? outcome.error : '';
    expect(error).toMatch(
      /not sent: the entry's body \(\d+ bytes of event JSON\) is larger than Redis accepts in one value \("proto-max-bulk-len" is 1048576 bytes on this server, 512 MB by default\), so no retry makes it fit/,
    );
    expect(error).toContain('raise "proto-max-bulk-len"');
    expect(error).not.toContain('Kérem');
    expect(handler.connected).toBe(true);
    expect(await handler.run(job(6))).toEqual({ status: 'succeeded' });
    expect(await admin.xlen('limits:order_confirm')).toBe(1);
  });

  it('over proto-max-bulk-len on a server that does not answer CONFIG: its refusal read, dead-lettered at once; the next entry goes through', async () => {
    const { server, admin } = await redisServer([
      '--proto-max-bulk-len',
      '1mb',
      '--rename-command',
      'CONFIG',
      '',
    ]);
    const handler = handlerFor(server);
    const order = { ...sampleOrder(5), comment: `Kérem csengessen ${'x'.repeat(1024 * 1024)}` };
    const outcome = await handler.run(claimedOrderJob(order, { eventId: 'evt_redis_limits_big' }));
    expect(outcome).toMatchObject({ status: 'dead', errorCode: 'broker_rejected' });
    const error = outcome.status === 'dead' ? outcome.error : '';
    expect(error).toMatch(
      /failed: ERR Protocol error: invalid bulk length: the entry's body \(\d+ bytes of event JSON\) is larger than Redis accepts in one value \("proto-max-bulk-len", 512 MB by default\)/,
    );
    expect(error).toContain('raise "proto-max-bulk-len"');
    expect(error).not.toContain('Kérem');
    // Redis dropped that connection; the client reconnects by itself
    await waitFor(async () => (await handler.run(job(6))).status === 'succeeded', 'a publish after it');
    expect(await admin.xlen('limits:order_confirm')).toBeGreaterThanOrEqual(1);
  });
});
