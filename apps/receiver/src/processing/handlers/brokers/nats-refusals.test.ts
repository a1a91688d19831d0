/**
 * What the `nats` handler says when NATS refuses: a full stream (`discard: new`), a message over the
 * server's `max_payload` (against the machine's NATS, streams named per run and deleted afterwards),
 * credentials the server refuses and a publish the user may not make (minimal NATS servers of the
 * test's own that answer as a NATS with authorization does: the shared one has none), and JetStream
 * out of storage, or without room to reserve for a new stream (a nats-server of the test's own with a
 * 2 MB `max_file_store`).
 */
import { createServer, type Server } from 'node:net';
import { DiscardPolicy, jetstream, jetstreamManager } from '@nats-io/jetstream';
import { connect } from '@nats-io/transport-node';
import { sampleOrder } from '@srhooks/contracts';
import { describe, expect, it } from 'vitest';
import { claimedOrderJob } from '../../test-support/processing-fixtures.js';
import { createNatsHandler } from './nats.js';
import { NATS_PORT, NatsTestStream } from './test-support/broker-fixtures.js';
import { brokerTestScope } from './test-support/broker-test-scope.js';
import { startDisposableNats } from './test-support/disposable-nats.js';

const scope = brokerTestScope();

async function stream(): Promise<NatsTestStream> {
  const created = new NatsTestStream();
  scope.defer(() => created.remove());
  await created.create();
  return created;
}

/** A NATS server that asks for authorization and refuses every login; returns its port. */
async function refusingNatsServer(): Promise<number> {
  const server: Server = createServer((socket) => {
    socket.on('error', () => {});
    socket.write(
      `INFO {"server_id":"refusing","version":"2.10.0","proto":1,"headers":true,"auth_required":true,"max_payload":1048576}\r\n`,
    );
    socket.on('data', (data) => {
      if (!data.toString('utf8').startsWith('CONNECT ')) return;
      socket.end(`-ERR 'Authorization Violation'\r\n`);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  scope.defer(() => new Promise<void>((resolve) => server.close(() => resolve())));
  const address = server.address();
  return typeof address === 'object' && address ? address.port : 0;
}

/**
 * A NATS server without JetStream whose authorization lets the user connect but publish nowhere: each
 * PUB is answered "Permissions Violation", as nats-server does; returns its port.
 */
async function forbiddingNatsServer(): Promise<number> {
  const server: Server = createServer((socket) => {
    socket.on('error', () => {});
    socket.write(
      `INFO {"server_id":"forbidding","version":"2.10.0","proto":1,"headers":true,"max_payload":1048576}\r\n`,
    );
    socket.on('data', (data) => {
      const text = data.toString('utf8');
      if (/(^|\n)PING\r\n/.test(text)) socket.write('PONG\r\n');
      const publish = /(?:^|\n)H?PUB (\S+)/.exec(text);
      if (publish) socket.write(`-ERR 'Permissions Violation for Publish to "${publish[1]}"'\r\n`);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  scope.defer(() => new Promise<void>((resolve) => server.close(() => resolve())));
  const address = server.address();
  return typeof address === 'object' && address ? address.port : 0;
}

describe('nats handler: refusals', () => {
  it('a full stream (max_msgs, discard new) refuses the message: broker_rejected, saying the stream is full and what to change', async () => {
    const bus = new NatsTestStream();
    scope.defer(() => bus.remove());
    const { jsm } = await bus.connection();
    await jsm.streams.add({
      name: bus.name,
      subjects: [`${bus.subjectPrefix}.>`],
      max_msgs: 1,
      discard: DiscardPolicy.New,
    });
    const handler = createNatsHandler({
      name: 'full',
      servers: [`nats://127.0.0.1:${NATS_PORT}`],
      subject: `${bus.subjectPrefix}.{shop}.{event}`,
      timeoutMs: 2000,
    });
    scope.defer(() => handler.close());
    expect(await handler.run(claimedOrderJob(sampleOrder(1), { eventId: `evt_${bus.name}_1` }))).toEqual({
      status: 'succeeded',
    });
    const refused = await handler.run(claimedOrderJob(sampleOrder(2), { eventId: `evt_${bus.name}_2` }));
    expect(refused).toMatchObject({ status: 'retry', errorCode: 'broker_rejected' });
    const reason = refused.status === 'retry' ? refused.error : '';
    expect(reason).toContain(`the JetStream stream that captures "${bus.subjectPrefix}.demo.order_confirm"`);
    expect(reason).toContain('is full and refused the message (maximum messages exceeded)');
    expect(reason).toContain('raise those limits');
    expect(await bus.messageCount()).toBe(1);
  });

  it('JetStream out of storage (insufficient resources): broker_out_of_resources saying which limits are used up and what to free, retried', async () => {
    const server = await startDisposableNats(['max_file_store: 2MB']);
    scope.defer(() => server.stop());
    const nc = await connect({ servers: server.url });
    scope.defer(() => nc.close());
    const jsm = await jetstreamManager(nc);
    await jsm.streams.add({ name: 'ORDERS', subjects: ['orders.>'] });
    // fill the server's file store from another client
    const js = jetstream(nc);
    await expect(async () => {
      for (let i = 0; i < 100; i++) await js.publish('orders.filler', new Uint8Array(100_000));
    }).rejects.toThrow(/insufficient resources/);
    const handler = createNatsHandler({
      name: 'full-store',
      servers: [server.url],
      subject: 'orders.{shop}.{event}',
      timeoutMs: 2000,
    });
    scope.defer(() => handler.close());
    const refused = await handler.run(claimedOrderJob(sampleOrder(9), { eventId: 'evt_store_1' }));
    expect(refused).toMatchObject({ status: 'retry', errorCode: 'broker_out_of_resources' });
    expect(refused.status === 'retry' ? refused.error : '').toBe(
      `JetStream on NATS at ${server.url} has no storage left for the stream that captures "orders.demo.order_confirm" and refused the message (insufficient resources): the server's "max_file_store" / "max_memory_store" (or the account's JetStream limits) are used up, or its disk is full; remove or purge streams, give streams limits ("max_bytes", "max_age") that keep them within it, or raise the server's jetstream limits — the attempt is retried`,
    );
    expect(handler.connected).toBe(true);
    await jsm.streams.purge('ORDERS');
    expect(await handler.run(claimedOrderJob(sampleOrder(9), { eventId: 'evt_store_1' }))).toEqual({
      status: 'succeeded',
    });
  });

  it('no storage left to reserve for the ensureStream stream (10047): says which reservations take it and what to change, retried', async () => {
    const server = await startDisposableNats(['max_file_store: 2MB']);
    scope.defer(() => server.stop());
    const nc = await connect({ servers: server.url });
    scope.defer(() => nc.close());
    const jsm = await jetstreamManager(nc);
    // another stream reserves the whole file store (its max_bytes), while storing nothing
    await jsm.streams.add({ name: 'HOG', subjects: ['hog.>'], max_bytes: 2 * 1024 * 1024 });
    const handler = createNatsHandler({
      name: 'reserve',
      servers: [server.url],
      subject: 'orders.{shop}.{event}',
      ensureStream: { name: 'ORDERS' },
      timeoutMs: 2000,
    });
    scope.defer(() => handler.close());
    const refused = await handler.run(claimedOrderJob(sampleOrder(9), { eventId: 'evt_reserve_1' }));
    expect(refused).toMatchObject({ status: 'retry', errorCode: 'broker_rejected' });
    expect(refused.status === 'retry' ? refused.error : '').toBe(
      `cannot ensure stream "ORDERS": JetStream refused to create it (insufficient storage resources available): the storage it reserves for streams — each stream's "max_bytes" — already takes all of the server's "max_file_store" (or the account's JetStream storage limit), however little is stored: no room is left for a new stream; lower "max_bytes" on streams that reserve more than they use, or delete unused ones, or raise "max_file_store" in the server's jetstream block (or the account's limit); the attempt is retried`,
    );
    // what the operator does: the other stream reserves less, and the next attempt creates ORDERS
    const hog = await jsm.streams.info('HOG');
    await jsm.streams.update('HOG', { ...hog.config, max_bytes: 1024 * 1024 });
    expect(await handler.run(claimedOrderJob(sampleOrder(9), { eventId: 'evt_reserve_1' }))).toEqual({
      status: 'succeeded',
    });
  });

  it("a message over the server's max_payload is dead-lettered at once, naming both sizes and the setting to raise", async () => {
    const bus = await stream();
    const handler = createNatsHandler({
      name: 'big',
      servers: [`nats://127.0.0.1:${NATS_PORT}`],
      subject: `${bus.subjectPrefix}.{shop}.{event}`,
      timeoutMs: 2000,
    });
    scope.defer(() => handler.close());
    const { nc } = await bus.connection();
    const maxPayload = nc.info?.max_payload ?? 1024 * 1024;
    // a free-text comment of the customer's: it must not be echoed in the error
    const order = { ...sampleOrder(3), comment: `Kérem csengessen ${'x'.repeat(maxPayload)}` };
    const outcome = await handler.run(claimedOrderJob(order, { eventId: `evt_${bus.name}_big` }));
    expect(outcome).toMatchObject({ status: 'dead', errorCode: 'broker_rejected' });
    const reason = outcome.status === 'dead' ? outcome.error : '';
    expect(reason).toMatch(
      new RegExp(
        `^the message for "${bus.subjectPrefix}\\.demo\\.order_confirm" \\(\\d+ bytes of event JSON, plus headers\\) is larger than NATS at nats://127\\.0\\.0\\.1:${NATS_PORT} accepts \\(max_payload ${maxPayload} bytes\\)`,
      ),
    );
    expect(reason).toContain('raise "max_payload"');
    expect(reason).not.toContain('Kérem');
    // the connection is fine: the next (normal) message goes through
    expect(await handler.run(claimedOrderJob(sampleOrder(4), { eventId: `evt_${bus.name}_4` }))).toEqual({
      status: 'succeeded',
    });
    expect(await bus.messageCount()).toBe(1);
  });

  it("a message over the stream's own max_msg_size is dead-lettered at once, saying which setting to raise", async () => {
    const bus = new NatsTestStream();
    scope.defer(() => bus.remove());
    const { jsm } = await bus.connection();
    await jsm.streams.add({ name: bus.name, subjects: [`${bus.subjectPrefix}.>`], max_msg_size: 4096 });
    const handler = createNatsHandler({
      name: 'stream-limit',
      servers: [`nats://127.0.0.1:${NATS_PORT}`],
      subject: `${bus.subjectPrefix}.{shop}.{event}`,
      timeoutMs: 2000,
    });
    scope.defer(() => handler.close());
    const order = { ...sampleOrder(5), comment: `Kérem csengessen ${'x'.repeat(8192)}` };
    const outcome = await handler.run(claimedOrderJob(order, { eventId: `evt_${bus.name}_big` }));
    expect(outcome).toMatchObject({ status: 'dead', errorCode: 'broker_rejected' });
    const reason = outcome.status === 'dead' ? outcome.error : '';
    expect(reason).toContain('(message size exceeds maximum allowed)');
    expect(reason).toContain('raise the stream\'s "max_msg_size"');
    expect(reason).not.toContain('Kérem');
    expect(await bus.messageCount()).toBe(0);
  });

  it('credentials the server refuses fail each attempt as a refused login (broker_rejected) with what to check, not as a server that may be down', async () => {
    const port = await refusingNatsServer();
    const handler = createNatsHandler({
      name: 'login',
      servers: [`127.0.0.1:${port}`],
      user: 'srhooks',
      password: 's3cret-pw',
      secrets: ['s3cret-pw'],
      timeoutMs: 2000,
    });
    scope.defer(() => handler.close());
    for (const id of [1, 2]) {
      const outcome = await handler.run(claimedOrderJob(sampleOrder(id), { eventId: `evt_login_${id}` }));
      expect(outcome).toMatchObject({ status: 'retry', errorCode: 'broker_rejected' });
      const error = outcome.status === 'retry' ? outcome.error : '';
      expect(error).toBe(
        `NATS at nats://127.0.0.1:${port} refused the login (Authorization Violation): check "user" and "password" (or "token") in the handler's configuration and the user's permissions on the NATS server`,
      );
      expect(handler.connected).toBe(false);
    }
  });

  it('a publish the user is not permitted (Permissions Violation) is broker_rejected, saying which permissions the user needs', async () => {
    const port = await forbiddingNatsServer();
    const handler = createNatsHandler({
      name: 'perm',
      servers: [`127.0.0.1:${port}`],
      subject: 'orders.{shop}.{event}',
      timeoutMs: 2000,
    });
    scope.defer(() => handler.close());
    const outcome = await handler.run(claimedOrderJob(sampleOrder(1), { eventId: 'evt_perm_1' }));
    expect(outcome).toMatchObject({ status: 'retry', errorCode: 'broker_rejected' });
    expect(outcome.status === 'retry' ? outcome.error : '').toBe(
      `NATS at nats://127.0.0.1:${port} refused the publish to "orders.demo.order_confirm" (Permissions Violation for Publish to "orders.demo.order_confirm"): the handler's user may not; allow it to publish to "orders.demo.order_confirm" and to subscribe to "_INBOX.>" (where JetStream's acknowledgement comes back) in the NATS server's authorization`,
    );
  });
});
