/**
 * The `redis-stream` handler: `XADD <key> [MAXLEN ~ n] * …` to a stream key from a template (default
 * `shoprenter:{shop}:{event}`), fields `id` (the message id, see broker-message.ts), `type`, `shop`,
 * `eventId`, `source`, `contentType` and `body` (the Standard Webhooks JSON event, as `forward` POSTs
 * it). The job is done when Redis answered the entry id.
 *
 * Redis Streams do not deduplicate: a re-publish after a crash adds a second entry with the same `id`
 * field; consumers deduplicate on it.
 *
 * One connection per handler (ioredis, reconnecting by itself with backoff). Commands are not queued
 * while it is down (`enableOfflineQueue: false`): an attempt then fails at once with the reason, and the
 * job retries on its schedule. A login Redis refuses (`WRONGPASS`, `NOAUTH`) is not retried in the
 * background, as a lost connection is: the client is dropped, and the next attempt logs in afresh.
 * ioredis never notices a hung connection by itself (no heartbeat; a
 * command timeout leaves the socket in place), so a timeout drops the client and the next attempt
 * connects afresh. While idle, a liveness probe (see broker-liveness.ts) sends `PING` every
 * `probeIntervalMs`: a PING that times out drops the client the same way, and the next probe opens a
 * new one (a dropped client has nobody else to reconnect it until a job comes).
 *
 * A database in the URL (`redis://host/3`): ioredis sends `SELECT 3` when it connects but only emits
 * an error when the server refuses it, and stays on database 0 — every entry would go there and count
 * as published. So the first connection of each client selects it once more and waits for the answer:
 * a refusal (`ERR DB index is out of range`) fails the attempt (`broker_rejected`, naming the database)
 * and drops the client, and the connection counts as up only once the database was accepted.
 *
 * Redis refusing for want of resources — `OOM` (at `maxmemory` with nothing it may evict) or `MISCONF`
 * (its RDB snapshot failed, so it takes no writes) — fails the attempt as `broker_out_of_resources`,
 * saying what to free; it is retried. An entry larger than Redis takes in one value
 * (`proto-max-bulk-len`) is dead-lettered at once: no retry makes it fit (redis-bulk-limit.ts: a body
 * over 1 MB is held against the server's setting before it is sent).
 *
 * Redis answering "not now" — `BUSY` (a Lua script or function has run longer than its
 * `busy-reply-threshold` and it answers nothing else until that ends) or `LOADING` (it is loading its
 * dataset into memory, after a restart, a `DEBUG RELOAD` or a replica's full sync) — fails the attempt
 * as `broker_rejected` saying what Redis is doing and that the attempt is retried; the connection is
 * kept. A connection opened while Redis loads says so too: ioredis's ready check, which waits for the
 * load to end (the attempt ended as a connect timeout, "is the server running?"), is off.
 */
import type { Redis } from 'ioredis';
import type { Logger } from 'pino';
import { lazyDependency } from '../../../lazy-dependency.js';
import type { ClaimedJob } from '../../../store/store.js';
import { describeError, type HandlerOutcome } from '../../handler-outcome.js';
import { BrokerConnectionState, type BrokerErrorCode, brokerHostPort } from './broker-connection.js';
import {
  type BrokerHandler,
  CLOSE_TIMEOUT_MS,
  DEFAULT_BROKER_TIMEOUT_MS,
  shutDownOutcome,
  unlessShutDown,
} from './broker-handler.js';
import { DEFAULT_PROBE_INTERVAL_MS, LivenessProbe } from './broker-liveness.js';
import { brokerMessage, renderTemplate } from './broker-message.js';
import { redactUrl, scrubSecrets } from './env-reference.js';
import { bulkLimitOf, LEAST_BULK_LIMIT, overBulkLength, overBulkLengthAdvice } from './redis-bulk-limit.js';
import { tlsAdvice } from './tls-advice.js';
import { BrokerTimeoutError, withTimeout } from './with-timeout.js';

/** The Redis client, loaded when a handler first connects (a receiver without a redis-stream handler never loads it). */
const ioredis = lazyDependency<typeof import('ioredis')>('ioredis');

export const DEFAULT_REDIS_STREAM_KEY = 'shoprenter:{shop}:{event}';

export interface RedisStreamHandlerOptions {
  name: string;
  /** `${VAR}` already resolved. */
  url: string;
  stream?: string;
  maxLen?: number;
  timeoutMs?: number;
  /** How often an idle connection is checked (`PING`); default 15 s. */
  probeIntervalMs?: number;
  secrets?: readonly string[];
  /** Where "connection lost / restored" lines go; none in unit tests. */
  logger?: Logger;
}

export function createRedisStreamHandler(options: RedisStreamHandlerOptions): BrokerHandler {
  const template = options.stream ?? DEFAULT_REDIS_STREAM_KEY;
  const timeoutMs = options.timeoutMs ?? DEFAULT_BROKER_TIMEOUT_MS;
  const secrets = options.secrets ?? [];
  const where = redactUrl(options.url);
  /** How often close() was called: an attempt that spans one was cut off by it. */
  let closes = 0;
  let client: Redis | null = null;
  let connecting: Promise<void> | null = null;
  let lastError: string | null = null;
  /** Redis refused the last client's login: the probe does not log in again, the next attempt does. */
  let loginRefused = false;
  /** Clients whose database the server accepted (see {@link selectDatabase}). */
  const selected = new WeakSet<Redis>();
  const state = new BrokerConnectionState(options.logger, {
    handler: options.name,
    type: 'redis-stream',
    broker: brokerHostPort(options.url, 6379),
  });

  const client$ = (): Redis => {
    if (client) return client;
    const created = new (ioredis().Redis)(options.url, {
      lazyConnect: true,
      // its ready check waits while Redis loads its dataset: a connection opened then would end as a
      // connect timeout ("is the server running?"); without it the XADD is answered LOADING, and said so
      enableReadyCheck: false,
      enableOfflineQueue: false,
      connectTimeout: timeoutMs,
      commandTimeout: timeoutMs,
      maxRetriesPerRequest: 0,
      connectionName: `srhooks-receiver/${options.name}`,
      retryStrategy: (times) => Math.min(200 * 2 ** Math.min(times, 5), 5000),
    });
    created.on('error', (error: Error) => {
      if (client !== created) return;
      lastError = describeError(error);
      // reached, but it refused the login: not an outage of the server (logged before the close)
      if (REFUSED_LOGIN.test(lastError)) {
        // No retrying in the background (ioredis would log in again every few seconds for as long as the
        // receiver runs): the login stays refused until someone changes it. The next attempt logs in afresh.
        loginRefused = true;
        drop(created, 'broker_rejected');
      }
    });
    created.on('ready', () => {
      if (client !== created) return;
      lastError = null;
      // database 0 needs no check; another one counts once the server accepted it
      if (selected.has(created) || (created.options.db ?? 0) === 0) state.up();
    });
    created.on('close', () => {
      if (client === created) state.down('broker_unreachable');
    });
    client = created;
    return created;
  };

  /** Connects a client that has not connected yet (jobs and probes arriving meanwhile share the attempt). */
  const connected = async (redis: Redis, unref: boolean): Promise<void> => {
    if (redis.status !== 'wait' && !connecting) {
      // connected by ioredis's own reconnect after a first connect that failed: check the database now
      if (redis.status === 'ready' && !selected.has(redis))
        await withTimeout(selectDatabase(redis), timeoutMs, `selecting the database on ${where}`, { unref });
      return;
    }
    connecting ??= redis
      .connect()
      .then(() => selectDatabase(redis))
      .finally(() => {
        connecting = null;
      });
    const attempt = connecting;
    // one given up (timed out) rejects later, when its client is dropped: handled, not an unhandled rejection
    attempt.catch(() => {});
    await withTimeout(attempt, timeoutMs, `connecting to ${where}`, { unref });
  };

  /** Selects the URL's database and waits for the answer: ioredis's own SELECT fails silently. */
  const selectDatabase = async (redis: Redis): Promise<void> => {
    const database = redis.options.db ?? 0;
    if (database !== 0) {
      try {
        await redis.select(database);
      } catch (error) {
        if (timedOut(error)) throw error;
        throw new DatabaseRefusedError(where, database, error);
      }
    }
    selected.add(redis);
    if (client === redis && redis.status === 'ready') state.up();
  };

  /** Gives up on a client whose connection hung: the next attempt opens a new one. */
  const drop = (stale: Redis, errorCode: BrokerErrorCode): void => {
    if (client !== stale) return;
    client = null;
    connecting = null;
    state.down(errorCode);
    stale.disconnect();
    // a hung peer never completes a graceful end: tear the socket down
    stale.stream?.destroy();
  };

  const liveness = new LivenessProbe(options.probeIntervalMs ?? DEFAULT_PROBE_INTERVAL_MS, async () => {
    const current = client;
    if (!current) {
      // dropped: nobody else reconnects it (unless its login was refused: the next attempt tries again)
      if (!liveness.active || loginRefused) return;
      const created = client$();
      await connected(created, true).catch((error: unknown) => {
        if (timedOut(error)) drop(created, 'broker_unreachable');
        else if (error instanceof DatabaseRefusedError) drop(created, 'broker_rejected');
      });
      return;
    }
    // not ready: ioredis is (re)connecting by itself
    if (current.status !== 'ready' || !state.connected) return;
    try {
      await withTimeout(current.ping(), timeoutMs, `PING to ${where}`, { unref: true });
    } catch (error) {
      if (timedOut(error)) drop(current, 'broker_timeout');
    }
  });

  return {
    get connected() {
      return state.connected;
    },
    run(job: ClaimedJob): Promise<HandlerOutcome> {
      liveness.start();
      return liveness.attempt(() =>
        unlessShutDown(
          () => publish(job),
          () => closes,
          () => shutDownOutcome('Redis', where, secrets),
        ),
      );
    },
    async close() {
      closes++;
      liveness.stop();
      const current = client;
      client = null;
      connecting = null;
      state.closed();
      if (!current) return;
      try {
        await withTimeout(current.quit(), CLOSE_TIMEOUT_MS, 'QUIT');
      } catch {
        current.disconnect();
      }
    },
  };

  async function publish(job: ClaimedJob): Promise<HandlerOutcome> {
    const key = renderTemplate(template, job);
    const message = brokerMessage(job);
    loginRefused = false;
    const redis = client$();
    let phase: 'connect' | 'command' = 'connect';
    /** The XADD itself went out (not only the connect, or the size check before it). */
    let sent = false;
    try {
      await connected(redis, false);
      phase = 'command';
      const bodyBytes = Buffer.byteLength(message.body);
      if (bodyBytes > LEAST_BULK_LIMIT) {
        // larger than some servers take in one value: held against this one's setting before it is sent
        const limit = await bulkLimitOf(redis, timeoutMs);
        if (limit !== null && bodyBytes > limit) {
          return {
            status: 'dead',
            error: scrubSecrets(
              `XADD to Redis stream "${key}" at ${where} not sent: ${overBulkLengthAdvice(bodyBytes, limit)}`,
              secrets,
            ),
            errorCode: 'broker_rejected',
          };
        }
      }
      const cap = options.maxLen === undefined ? [] : ['MAXLEN', '~', String(options.maxLen)];
      sent = true;
      await redis.call('XADD', [
        key,
        ...cap,
        '*',
        'id',
        message.messageId,
        'type',
        message.type,
        'shop',
        message.shop,
        'eventId',
        message.eventId,
        'source',
        message.source,
        'contentType',
        'application/json',
        'body',
        message.body,
      ]);
      return { status: 'succeeded' };
    } catch (error) {
      if (error instanceof DatabaseRefusedError) {
        // connected, but on database 0: never publish there
        drop(redis, 'broker_rejected');
        return {
          status: 'retry',
          error: scrubSecrets(`XADD to Redis stream "${key}" failed: ${error.message}`, secrets),
          errorCode: 'broker_rejected',
        };
      }
      if (phase === 'command' && overBulkLength(error)) {
        return {
          status: 'dead',
          error: scrubSecrets(
            `XADD to Redis stream "${key}" at ${where} failed: ${clientErrorText(error)}: ${overBulkLengthAdvice(Buffer.byteLength(message.body), null)}`,
            secrets,
          ),
          errorCode: 'broker_rejected',
        };
      }
      const occupied = phase === 'command' ? busyWith(error) : null;
      if (occupied !== null) {
        return {
          status: 'retry',
          error: scrubSecrets(
            `XADD to Redis stream "${key}" at ${where} failed: ${clientErrorText(error)}: ${occupied}; the entry was not added and the attempt is retried`,
            secrets,
          ),
          errorCode: 'broker_rejected',
        };
      }
      const shortOf = phase === 'command' ? outOfResources(error) : null;
      if (shortOf !== null) {
        return {
          status: 'retry',
          error: scrubSecrets(
            `XADD to Redis stream "${key}" at ${where} failed: ${clientErrorText(error)}: ${shortOf}; the attempt is retried`,
            secrets,
          ),
          errorCode: 'broker_out_of_resources',
        };
      }
      const ready = redis.status === 'ready';
      const cause = lastError && !ready ? ` (connection: ${lastError})` : '';
      if (phase === 'command' && lostInFlight(error)) {
        // sent, but the connection closed before the answer: Redis may have added it
        return {
          status: 'retry',
          error: scrubSecrets(
            `XADD to Redis stream "${key}" at ${where} failed: ${LOST_IN_FLIGHT}${cause}: the entry may have been added (consumers deduplicate on the "id" field); the attempt is retried`,
            secrets,
          ),
          errorCode: 'broker_unreachable',
        };
      }
      // reached, but it refused the user or password: the broker said no, the server is fine
      const refused = !ready && lastError !== null && REFUSED_LOGIN.test(lastError);
      const errorCode = refused ? 'broker_rejected' : redisErrorCode(error, phase, ready);
      if (timedOut(error)) drop(redis, errorCode);
      // sent, but no answer in time: Redis may have added it (a slow server or network), and the retry adds it again
      const replaced = timedOut(error)
        ? `; the connection is replaced${sent ? ': the entry may have been added all the same (consumers deduplicate on the "id" field); the attempt is retried' : ''}`
        : '';
      const advice = refused
        ? `: ${CHECK_LOGIN}`
        : wrongType(error)
          ? `: the key "${key}" holds ${await keyType(redis, key, timeoutMs)}, not a stream; rename or delete that key, or set "stream" in the handler's configuration to keys of their own`
          : errorCode === 'broker_unreachable'
            ? `: ${tlsAdvice(`${clientErrorText(error)}${cause}`, 'Redis', 'redis://') ?? (/^rediss:/i.test(options.url) ? CHECK_TLS_SERVER : CHECK_SERVER)}`
            : '';
      return {
        status: 'retry',
        error: scrubSecrets(
          `XADD to Redis stream "${key}" at ${where} failed: ${clientErrorText(error)}${cause}${replaced}${advice}`,
          secrets,
        ),
        errorCode,
      };
    }
  }
}

/** The server refused the database the handler's URL names (`SELECT n`: `ERR DB index is out of range`). */
class DatabaseRefusedError extends Error {
  constructor(where: string, database: number, cause: unknown) {
    super(
      `Redis at ${where} refused database ${database} (${describeError(cause)}): use a database the server has — the number after the last "/" in the handler's "url" (0 to 15 on a server with the default "databases 16")`,
    );
    this.name = 'DatabaseRefusedError';
  }
}

/**
 * The error in words: ioredis's own texts for a client without a connection talk about its socket as
 * a "Stream" ("Stream isn't writeable and enableOfflineQueue options is false"), which next to a Redis
 * stream's name reads as if the stream key refused the entry.
 */
function clientErrorText(error: unknown): string {
  const text = describeError(error);
  if (/^Stream isn't writeable/.test(text))
    return 'not connected to Redis (the client reconnects in the background; entries are not queued meanwhile)';
  if (/^Connection is closed\.?$/.test(text)) return 'the connection to Redis is closed';
  if (lostInFlight(error)) return LOST_IN_FLIGHT;
  return text;
}

const LOST_IN_FLIGHT = 'the connection to Redis was lost before it answered';

/**
 * A command sent whose connection closed before the answer: ioredis (with `maxRetriesPerRequest: 0`)
 * rejects it with "Reached the max retries per request limit (which is 0). Refer to
 * "maxRetriesPerRequest" option for details." — an option of the client the operator cannot set, and
 * nothing about the connection, nor that Redis may have run the command.
 */
function lostInFlight(error: unknown): boolean {
  return error instanceof Error && error.name === 'MaxRetriesPerRequestError';
}

/** What to do about an attempt that never reached Redis (down, unreachable, or a wrong URL). */
const CHECK_SERVER = 'check that the Redis server is running and that the URL is right';
/**
 * The same for a rediss:// URL: a plain-text port never answers the TLS handshake (Redis waits for the
 * rest of a command), so the attempt only times out.
 */
const CHECK_TLS_SERVER =
  "check that the Redis server is running, that the URL is right and that its port speaks TLS (rediss:// needs the server's tls-port, not its plain port)";

/**
 * Redis refused the credentials of the URL: `WRONGPASS` (a wrong user or password), `NOAUTH` (a
 * password is required but the URL has none), or an older server's "invalid password".
 */
const REFUSED_LOGIN = /\bWRONGPASS\b|\bNOAUTH\b|invalid password|invalid username-password/i;

/** What to do when Redis refused the login. */
const CHECK_LOGIN = `check the user and password in the handler's "url" (written before the "@" as user:password, or :password alone for the default user)`;

/**
 * Why Redis refuses writes for want of memory or disk, and what to do; null for any other error.
 * `OOM`: it reached `maxmemory` and its `maxmemory-policy` lets it evict nothing (`noeviction`, or no
 * key it may evict). `MISCONF`: it could not persist — its last RDB snapshot failed (a full disk, a data
 * directory it cannot write) and `stop-writes-on-bgsave-error` keeps writes off until one succeeds, or a
 * write to its append-only file failed ("Errors writing to the AOF file").
 */
function outOfResources(error: unknown): string | null {
  if (!(error instanceof ioredis().ReplyError)) return null;
  const text = describeError(error);
  if (/^OOM\b/.test(text))
    return `Redis is out of memory (at its "maxmemory", with nothing its "maxmemory-policy" may evict) and takes no new entries until it has room: let consumers trim the streams (XTRIM, or set "maxLen" on this handler), free other keys, or raise "maxmemory"`;
  if (/^MISCONF\b/.test(text))
    return `Redis takes no writes because it could not persist its data (its last RDB snapshot or a write to its append-only file failed: a full disk, or a data directory it may not write; its answer above and its log say which): free disk space or fix its "dir"; writes resume once a snapshot (BGSAVE) or the append-only file succeeds again`;
  return null;
}

/**
 * What Redis is busy with when it answers no command for now, and what ends it; null for any other
 * error. `BUSY`: a Lua script (EVAL) or function (FCALL) has run longer than `busy-reply-threshold`
 * (`lua-time-limit` before Redis 7; 5 s by default) and Redis answers only SCRIPT KILL / FUNCTION KILL
 * or SHUTDOWN NOSAVE until it ends. `LOADING`: Redis is loading its dataset into memory (after a
 * restart, a DEBUG RELOAD, or on a replica during a full sync) and takes no commands until it is loaded.
 */
function busyWith(error: unknown): string | null {
  if (!(error instanceof ioredis().ReplyError)) return null;
  const text = describeError(error);
  if (/^BUSY\b/.test(text))
    return `Redis is running a Lua script or function longer than its "busy-reply-threshold" and answers no other command until it ends; if it does not end by itself, find it (the Redis log, SLOWLOG once it ends) and stop it with SCRIPT KILL or FUNCTION KILL (SHUTDOWN NOSAVE if it has already written)`;
  if (/^LOADING\b/.test(text))
    return `Redis is loading its dataset into memory (after a restart, a DEBUG RELOAD or a replica's full sync) and takes no commands until it is loaded; INFO persistence shows its progress ("loading_eta_seconds")`;
  return null;
}

/** Redis refused the XADD because the key holds another type of value (a string, a list, …). */
function wrongType(error: unknown): boolean {
  return error instanceof ioredis().ReplyError && /^WRONGTYPE\b/.test(describeError(error));
}

/** "a string", "a hash", …: what the key holds, as Redis says (`TYPE`); best effort. */
async function keyType(redis: Redis, key: string, timeoutMs: number): Promise<string> {
  try {
    const type = await withTimeout(redis.type(key), timeoutMs, `TYPE ${key}`);
    return /^[a-z]+$/.test(type) && type !== 'none' ? `a ${type}` : 'another type of value';
  } catch {
    return 'another type of value';
  }
}

/** ioredis's `commandTimeout` rejects with a plain Error of this text; ours is a BrokerTimeoutError. */
function timedOut(error: unknown): boolean {
  return (
    error instanceof BrokerTimeoutError || (error instanceof Error && error.message === 'Command timed out')
  );
}

function redisErrorCode(error: unknown, phase: 'connect' | 'command', ready: boolean): BrokerErrorCode {
  if (phase === 'connect') return 'broker_unreachable';
  if (timedOut(error)) return 'broker_timeout';
  if (error instanceof ioredis().ReplyError) return 'broker_rejected';
  return ready ? 'broker_error' : 'broker_unreachable';
}
