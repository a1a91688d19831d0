/**
 * `tls://` in a `nats` handler's `servers` asks for TLS: the NATS client drops the scheme and would
 * connect in plain text to a server that offers no TLS, sending the credentials and the order (names,
 * addresses) unencrypted. Against the machine's NATS, which offers no TLS: nothing may be published.
 */
import { sampleOrder } from '@srhooks/contracts';
import { describe, expect, it } from 'vitest';
import { claimedOrderJob } from '../../test-support/processing-fixtures.js';
import { createNatsHandler } from './nats.js';
import { NATS_PORT, NatsTestStream } from './test-support/broker-fixtures.js';
import { brokerTestScope } from './test-support/broker-test-scope.js';

const scope = brokerTestScope();

describe('nats handler: tls:// servers', () => {
  it('a tls:// server that offers no TLS gets nothing (no plain-text publish): broker_rejected, saying what to change', async () => {
    const bus = new NatsTestStream();
    scope.defer(() => bus.remove());
    await bus.create();
    const handler = createNatsHandler({
      name: 'secure',
      servers: [`tls://127.0.0.1:${NATS_PORT}`],
      subject: `${bus.subjectPrefix}.{shop}.{event}`,
      user: 'srhooks',
      password: 's3cret-pw',
      secrets: ['s3cret-pw'],
      timeoutMs: 2000,
    });
    scope.defer(() => handler.close());
    for (const id of [1, 2]) {
      const outcome = await handler.run(
        claimedOrderJob(sampleOrder(id), { eventId: `evt_${bus.name}_${id}` }),
      );
      expect(outcome).toMatchObject({ status: 'retry', errorCode: 'broker_rejected' });
      expect(outcome.status === 'retry' ? outcome.error : '').toBe(
        `NATS at tls://127.0.0.1:${NATS_PORT} offers no TLS, and the handler's "servers" ask for it (tls://): nothing was sent; enable TLS on the NATS server, or write nats:// to publish unencrypted (on a network you trust)`,
      );
      expect(handler.connected).toBe(false);
    }
    expect(await bus.messageCount()).toBe(0);
  });

  it('one tls:// server in the list makes TLS required on every server of the handler', async () => {
    const bus = new NatsTestStream();
    scope.defer(() => bus.remove());
    await bus.create();
    const handler = createNatsHandler({
      name: 'mixed',
      servers: [`nats://127.0.0.1:${NATS_PORT}`, `tls://127.0.0.1:${NATS_PORT}`],
      subject: `${bus.subjectPrefix}.{shop}.{event}`,
      timeoutMs: 2000,
    });
    scope.defer(() => handler.close());
    const outcome = await handler.run(claimedOrderJob(sampleOrder(3), { eventId: `evt_${bus.name}_3` }));
    expect(outcome).toMatchObject({ status: 'retry', errorCode: 'broker_rejected' });
    expect(await bus.messageCount()).toBe(0);
  });
});
