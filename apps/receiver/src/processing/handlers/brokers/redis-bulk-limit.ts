/**
 * An entry whose body is larger than Redis takes in one value (`proto-max-bulk-len`, 512 MB by default,
 * never under 1 MB): Redis answers "Protocol error: invalid bulk length" and drops the connection — but
 * only once it has read the length, while the client may still be writing the body. With a body several
 * times the limit, the client's write then fails (ECONNRESET) before the answer is read, and the attempt
 * looked like a connection lost in flight ("the entry may have been added"), retried until dead. So a
 * body over 1 MB (the least the setting can be) is held against the server's setting first (`CONFIG GET
 * proto-max-bulk-len`, one round trip, only for such bodies): over it, the job is dead-lettered without
 * sending it. A server that does not answer CONFIG (renamed or denied by its ACL, as managed Redis does)
 * gets the body, and its refusal is read as before.
 */
import type { Redis } from 'ioredis';
import { lazyDependency } from '../../../lazy-dependency.js';
import { describeError } from '../../handler-outcome.js';
import { withTimeout } from './with-timeout.js';

const ioredis = lazyDependency<typeof import('ioredis')>('ioredis');

/** The least `proto-max-bulk-len` Redis accepts: a body up to this size always fits. */
export const LEAST_BULK_LIMIT = 1024 * 1024;

/** The server's `proto-max-bulk-len` in bytes, or null when it does not say (CONFIG refused, timed out). */
export async function bulkLimitOf(redis: Redis, timeoutMs: number): Promise<number | null> {
  try {
    const answer = (await withTimeout(
      redis.call('CONFIG', ['GET', 'proto-max-bulk-len']),
      timeoutMs,
      'CONFIG GET proto-max-bulk-len',
    )) as unknown;
    const value = Array.isArray(answer) ? Number(answer[1]) : Number.NaN;
    return Number.isSafeInteger(value) && value > 0 ? value : null;
  } catch {
    return null;
  }
}

/** Redis refused a value over its `proto-max-bulk-len` (the body of a very large event). */
export function overBulkLength(error: unknown): boolean {
  return (
    error instanceof ioredis().ReplyError && /Protocol error: invalid bulk length/i.test(describeError(error))
  );
}

/** Why no retry helps and what to do: the body's size and, when known, the server's setting. */
export function overBulkLengthAdvice(bodyBytes: number, limit: number | null): string {
  const setting =
    limit === null
      ? '("proto-max-bulk-len", 512 MB by default)'
      : `("proto-max-bulk-len" is ${limit} bytes on this server, 512 MB by default)`;
  return `the entry's body (${bodyBytes} bytes of event JSON) is larger than Redis accepts in one value ${setting}, so no retry makes it fit and the job is dead-lettered at once; raise "proto-max-bulk-len" in the Redis server's configuration (redis.conf, or CONFIG SET), then retry the dead letter`;
}
