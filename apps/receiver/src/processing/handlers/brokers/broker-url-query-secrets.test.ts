/**
 * A broker URL may carry its password in the query (`redis://redis:6379/0?password=…`: ioredis reads
 * every query parameter as an option): the error texts stored with attempts (shown by the admin API,
 * the inspector and the CLI) show the URL with every query value as `***`, and the value is a secret for
 * the log scrubber, as a password before the `@` is.
 */
import { createServer } from 'node:net';
import { sampleOrder } from '@srhooks/contracts';
import { describe, expect, it } from 'vitest';
import { defineReceiverConfig } from '../../../config/load-config.js';
import { claimedOrderJob } from '../../test-support/processing-fixtures.js';
import { brokerSecretValues, redactUrl } from './env-reference.js';
import { createRedisStreamHandler } from './redis-stream.js';
import { brokerTestScope } from './test-support/broker-test-scope.js';

const scope = brokerTestScope();

/** A port nothing listens on (it was free a moment ago). */
async function closedPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

describe('broker URLs with a password in the query', () => {
  it("the attempt's error shows the URL with the query values masked", async () => {
    const port = await closedPort();
    const handler = createRedisStreamHandler({
      name: 'stream',
      url: `redis://127.0.0.1:${port}/0?password=s3cret-query-pw&db=0`,
      timeoutMs: 2000,
    });
    scope.defer(() => handler.close());
    const outcome = await handler.run(claimedOrderJob(sampleOrder(1)));
    expect(outcome).toMatchObject({ status: 'retry', errorCode: 'broker_unreachable' });
    const error = outcome.status === 'retry' ? outcome.error : '';
    expect(error).toContain(`redis://127.0.0.1:${port}/0?password=***&db=***`);
    expect(error).not.toContain('s3cret-query-pw');
  });

  it('redactUrl masks query values; the values are secrets for the log scrubber', () => {
    expect(redactUrl('amqps://user:pw@rabbit:5671/shop?heartbeat=30&auth=tok-abcdef')).toBe(
      'amqps://rabbit:5671/shop?heartbeat=***&auth=***',
    );
    const config = defineReceiverConfig({
      secrets: ['test-secret-0123456789abcdef'],
      handlers: {
        stream: { type: 'redis-stream', url: 'redis://redis:6379/0?password=s3cret-query-pw' },
      },
    });
    expect(brokerSecretValues(config.handlers, {})).toContain('s3cret-query-pw');
  });
});
