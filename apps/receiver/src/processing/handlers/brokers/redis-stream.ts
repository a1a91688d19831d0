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
 * job retries on its schedule.
 */
import { Redis } from 'ioredis';
import type { ClaimedJob } from '../../../store/store.js';
import { describeError, type HandlerOutcome } from '../../handler-outcome.js';
import { type BrokerHandler, CLOSE_TIMEOUT_MS, DEFAULT_BROKER_TIMEOUT_MS } from './broker-handler.js';
import { brokerMessage, renderTemplate } from './broker-message.js';
import { redactUrl, scrubSecrets } from './env-reference.js';
import { withTimeout } from './with-timeout.js';

export const DEFAULT_REDIS_STREAM_KEY = 'shoprenter:{shop}:{event}';

export interface RedisStreamHandlerOptions {
  name: string;
  /** `${VAR}` already resolved. */
  url: string;
  stream?: string;
  maxLen?: number;
  timeoutMs?: number;
  secrets?: readonly string[];
}

export function createRedisStreamHandler(options: RedisStreamHandlerOptions): BrokerHandler {
  const template = options.stream ?? DEFAULT_REDIS_STREAM_KEY;
  const timeoutMs = options.timeoutMs ?? DEFAULT_BROKER_TIMEOUT_MS;
  const secrets = options.secrets ?? [];
  const where = redactUrl(options.url);
  let client: Redis | null = null;
  let connecting: Promise<void> | null = null;
  let lastError: string | null = null;

  const client$ = (): Redis => {
    if (client) return client;
    const created = new Redis(options.url, {
      lazyConnect: true,
      enableOfflineQueue: false,
      connectTimeout: timeoutMs,
      commandTimeout: timeoutMs,
      maxRetriesPerRequest: 0,
      connectionName: `srhooks-receiver/${options.name}`,
      retryStrategy: (times) => Math.min(200 * 2 ** Math.min(times, 5), 5000),
    });
    created.on('error', (error: Error) => {
      lastError = describeError(error);
    });
    created.on('ready', () => {
      lastError = null;
    });
    client = created;
    return created;
  };

  return {
    get connected() {
      return client?.status === 'ready';
    },
    async run(job: ClaimedJob): Promise<HandlerOutcome> {
      const key = renderTemplate(template, job);
      const message = brokerMessage(job);
      const redis = client$();
      try {
        if (redis.status === 'wait' || connecting) {
          // The first job connects; jobs arriving meanwhile wait for the same attempt.
          connecting ??= redis.connect().finally(() => {
            connecting = null;
          });
          await withTimeout(connecting, timeoutMs, `connecting to ${where}`);
        }
        const cap = options.maxLen === undefined ? [] : ['MAXLEN', '~', String(options.maxLen)];
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
        const cause = lastError && redis.status !== 'ready' ? ` (connection: ${lastError})` : '';
        return {
          status: 'retry',
          error: scrubSecrets(
            `XADD to Redis stream "${key}" at ${where} failed: ${describeError(error)}${cause}`,
            secrets,
          ),
        };
      }
    },
    async close() {
      const current = client;
      client = null;
      connecting = null;
      if (!current) return;
      try {
        await withTimeout(current.quit(), CLOSE_TIMEOUT_MS, 'QUIT');
      } catch {
        current.disconnect();
      }
    },
  };
}
