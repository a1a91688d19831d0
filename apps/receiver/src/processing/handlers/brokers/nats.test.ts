// biome-ignore-all lint/suspicious/noTemplateCurlyInString: `${VAR}` is literal config text (an environment reference) in these tests
/**
 * `nats` handler against the machine's NATS JetStream (127.0.0.1:4222): real deliveries into a
 * receiver, a consumer reading the stream; an outage through a TcpProxy the test owns; replay.
 * Every stream and subject is named per run and deleted afterwards.
 */
import { sampleOrder } from '@srhooks/contracts';
import { pino } from 'pino';
import { describe, expect, it } from 'vitest';
import { claimedOrderJob } from '../../test-support/processing-fixtures.js';
import { waitFor } from '../../test-support/wait-for.js';
import { createNatsHandler, subjectFilter } from './nats.js';
import {
  FAST_RETRY,
  firstFailure,
  logEntries,
  NATS_PORT,
  NatsTestStream,
  postOrders,
  replayViaAdminApi,
  runName,
  SHOP,
  waitForLog,
  waitForSucceeded,
} from './test-support/broker-fixtures.js';
import { brokerTestScope } from './test-support/broker-test-scope.js';
import {
  expectHungConnectionInReceiver,
  expectHungConnectionReplaced,
  expectUnreachableThenStalled,
} from './test-support/broker-timeouts.js';
import { expectIdleOutagesNoticed } from './test-support/idle-outage.js';

const scope = brokerTestScope();

async function stream(): Promise<NatsTestStream> {
  const created = new NatsTestStream();
  scope.defer(() => created.remove());
  await created.create();
  return created;
}

describe('nats handler', () => {
  it('publishes each delivered event to its subject with Nats-Msg-Id = event id, the forward body and headers', async () => {
    const bus = await stream();
    const app = await scope.receiver(
      {
        bus: {
          type: 'nats',
          servers: `nats://127.0.0.1:${NATS_PORT}`,
          subject: `${bus.subjectPrefix}.{shop}.{event}`,
        },
      },
      {},
    );
    const eventIds = await postOrders(app, ['7001', '7002', '7003']);
    await waitForSucceeded(app, eventIds);

    const messages = await bus.read(3);
    expect(messages).toHaveLength(3);
    expect(messages.map((message) => message.headers?.get('Nats-Msg-Id'))).toEqual(eventIds);
    for (const [index, message] of messages.entries()) {
      expect(message.subject).toBe(`${bus.subjectPrefix}.${SHOP}.order_confirm`);
      expect(message.headers?.get('srhooks-type')).toBe('shoprenter.order_confirm');
      expect(message.headers?.get('srhooks-shop')).toBe(SHOP);
      expect(message.headers?.get('srhooks-event-id')).toBe(eventIds[index]);
      expect(message.headers?.get('srhooks-source')).toMatch(/^delivery\/dlv_/);
      expect(message.headers?.get('content-type')).toBe('application/json');
      expect(message.json).toMatchObject({
        type: 'shoprenter.order_confirm',
        data: {
          eventId: eventIds[index],
          shop: SHOP,
          event: 'order_confirm',
          order: { innerId: `700${index + 1}` },
        },
      });
    }

    // An attempt is counted once the store has answered its outcome: just after the message arrived.
    await expect
      .poll(async () => (await fetch(`${app.baseUrl}/metrics`)).text(), { timeout: 10_000 })
      .toContain('srhooks_handler_attempts_total{handler="bus",type="nats",outcome="succeeded"} 3');
    const metrics = await (await fetch(`${app.baseUrl}/metrics`)).text();
    expect(metrics).toContain('srhooks_handler_connected{handler="bus",type="nats"} 1');
    expect(metrics).toMatch(/srhooks_handler_attempt_duration_seconds_count\{handler="bus",type="nats"\} 3/);
  });

  it('a re-publish of the same job (a re-run after a crash) is dropped by JetStream: the stream holds it once', async () => {
    const bus = await stream();
    const handler = createNatsHandler({
      name: 'bus',
      servers: [`nats://127.0.0.1:${NATS_PORT}`],
      subject: `${bus.subjectPrefix}.{shop}.{event}`,
    });
    scope.defer(() => handler.close());
    const job = claimedOrderJob(sampleOrder(1), { eventId: `evt_${bus.name}` });
    expect(await handler.run(job)).toEqual({ status: 'succeeded' });
    expect(await handler.run({ ...job, attempt: 2 })).toEqual({ status: 'succeeded' });
    expect(await bus.messageCount()).toBe(1);
    // an explicit replay (new first attempt) is a new message
    expect(await handler.run({ ...job, attempt: 3, firstAttempt: 3 })).toEqual({ status: 'succeeded' });
    const messages = await bus.read(2);
    expect(messages.map((message) => message.headers?.get('Nats-Msg-Id'))).toEqual([
      `evt_${bus.name}`,
      `evt_${bus.name}:replay-3`,
    ]);
  });

  it("two nats handlers publishing one event into the same stream: the second's copy, dropped as a duplicate, is a dead letter saying why, not a success", async () => {
    // Before: both jobs succeeded while the stream held one copy: consumers of the second subject never got it.
    const bus = await stream();
    const app = await scope.receiver({
      a: {
        type: 'nats',
        servers: `nats://127.0.0.1:${NATS_PORT}`,
        subject: `${bus.subjectPrefix}.a.{shop}.{event}`,
      },
      b: {
        type: 'nats',
        servers: `nats://127.0.0.1:${NATS_PORT}`,
        subject: `${bus.subjectPrefix}.b.{shop}.{event}`,
      },
    });
    const [eventId = ''] = await postOrders(app, ['7101']);
    const jobs = await waitFor(async () => {
      const event = await app.app.store.getEvent(eventId);
      const settled = event?.jobs.filter((job) => job.status === 'succeeded' || job.status === 'dead');
      return settled?.length === 2 ? settled : undefined;
    }, 'both jobs to settle');
    expect(jobs.map((job) => job.status).sort()).toEqual(['dead', 'succeeded']);
    const dead = jobs.find((job) => job.status === 'dead');
    const other = dead?.handler === 'a' ? 'b' : 'a';
    expect(dead?.attemptLog.at(-1)?.error).toBe(
      `JetStream dropped the message published to "${bus.subjectPrefix}.${dead?.handler}.${SHOP}.order_confirm" as a duplicate: the stream "${bus.name}" on NATS at nats://127.0.0.1:${NATS_PORT} holds a message with the id "${eventId}" already, and this was the job's first publish, so another handler published the same event into that stream (two nats handlers whose subjects one stream captures share its duplicate window); consumers of "${bus.subjectPrefix}.${dead?.handler}.${SHOP}.order_confirm" do not get it. Give each nats handler a stream of its own, then retry the dead letter`,
    );
    const messages = await bus.read(1);
    expect(messages.map((message) => message.subject)).toEqual([
      `${bus.subjectPrefix}.${other}.${SHOP}.order_confirm`,
    ]);
  });

  it('fails the attempt with the reason when no stream captures the subject; ensureStream creates it', async () => {
    const bus = new NatsTestStream(); // not created: the handler must create it
    scope.defer(() => bus.remove());
    const subject = `${bus.subjectPrefix}.{shop}.{event}`;
    const bare = createNatsHandler({
      name: 'bare',
      servers: [`nats://127.0.0.1:${NATS_PORT}`],
      subject,
      timeoutMs: 2000,
    });
    scope.defer(() => bare.close());
    const job = claimedOrderJob(sampleOrder(2), { eventId: `evt_${bus.name}`, shop: SHOP });
    const refused = await bare.run(job);
    expect(refused.status).toBe('retry');
    const reason = refused.status === 'retry' ? refused.error : '';
    expect(reason).toMatch(
      new RegExp(
        `^no JetStream stream captures "${bus.subjectPrefix}\\.${SHOP}\\.order_confirm" on NATS at nats://127\\.0\\.0\\.1:${NATS_PORT} `,
      ),
    );
    expect(reason).toContain('set "ensureStream"');
    expect(reason).not.toContain('cannot reach');
    expect(refused).toMatchObject({ errorCode: 'broker_rejected' });

    const ensuring = createNatsHandler({
      name: 'ensuring',
      servers: [`nats://127.0.0.1:${NATS_PORT}`],
      subject,
      ensureStream: { name: bus.name, duplicateWindowMs: 60_000 },
    });
    scope.defer(() => ensuring.close());
    expect(await ensuring.run(job)).toEqual({ status: 'succeeded' });
    const { jsm } = await bus.connection();
    const info = await jsm.streams.info(bus.name);
    expect(info.config.subjects).toEqual([subjectFilter(subject)]);
    expect(info.config.duplicate_window).toBe(60_000 * 1_000_000);
    expect(info.state.messages).toBe(1);
  });

  it('ensureStream creates the stream again when it went away while connected (deleted, or a memory stream after a NATS restart)', async () => {
    const bus = new NatsTestStream(); // created by the handler
    scope.defer(() => bus.remove());
    const handler = createNatsHandler({
      name: 'ensuring',
      servers: [`nats://127.0.0.1:${NATS_PORT}`],
      subject: `${bus.subjectPrefix}.{shop}.{event}`,
      ensureStream: { name: bus.name, storage: 'memory' },
      timeoutMs: 2000,
    });
    scope.defer(() => handler.close());
    const first = claimedOrderJob(sampleOrder(1), { eventId: `evt_${bus.name}_1`, shop: SHOP });
    expect(await handler.run(first)).toEqual({ status: 'succeeded' });

    const { jsm } = await bus.connection();
    await jsm.streams.delete(bus.name);
    const second = claimedOrderJob(sampleOrder(2), { eventId: `evt_${bus.name}_2`, shop: SHOP });
    const outcome = await handler.run(second);
    // before: every attempt failed ("… set "ensureStream" to have one created") until a restart
    expect(outcome).toEqual({ status: 'succeeded' });
    const info = await jsm.streams.info(bus.name);
    expect(info.state.messages).toBe(1);
  });

  it('ensureStream naming a stream that exists with a shorter duplicate window: one warn line saying it keeps it, the publish goes through', async () => {
    // Before: nothing said that the stream kept its 2-minute window while the configuration asked for 10.
    const bus = await stream(); // created with the server's default window, 2 minutes
    const lines: Record<string, unknown>[] = [];
    const handler = createNatsHandler({
      name: 'bus',
      servers: [`nats://127.0.0.1:${NATS_PORT}`],
      subject: `${bus.subjectPrefix}.{shop}.{event}`,
      ensureStream: { name: bus.name, duplicateWindowMs: 600_000 },
      logger: pino({ level: 'info' }, { write: (line: string) => lines.push(JSON.parse(line)) }),
    });
    scope.defer(() => handler.close());
    for (const n of [1, 2]) {
      const job = claimedOrderJob(sampleOrder(n), { eventId: `evt_window_${n}`, shop: SHOP });
      expect(await handler.run(job)).toEqual({ status: 'succeeded' });
    }
    expect(lines.filter((line) => line.level === 40)).toEqual([
      expect.objectContaining({
        handler: 'bus',
        handlerType: 'nats',
        stream: bus.name,
        duplicateWindowMs: 120_000,
        ensureStreamDuplicateWindowMs: 600_000,
        msg: 'nats stream keeps a shorter duplicate window',
      }),
    ]);
    const { jsm } = await bus.connection();
    expect((await jsm.streams.info(bus.name)).config.duplicate_window).toBe(120_000_000_000);
  });

  it('ensureStream naming a stream that exists but does not capture the subject says so, not "set ensureStream"', async () => {
    const bus = await stream(); // captures `<prefix>.>`
    const subject = `other-${bus.subjectPrefix}.{shop}.{event}`;
    const handler = createNatsHandler({
      name: 'bus',
      servers: [`nats://127.0.0.1:${NATS_PORT}`],
      subject,
      ensureStream: { name: bus.name },
      timeoutMs: 2000,
    });
    scope.defer(() => handler.close());
    const outcome = await handler.run(
      claimedOrderJob(sampleOrder(3), { eventId: `evt_${bus.name}`, shop: SHOP }),
    );
    expect(outcome).toMatchObject({ status: 'retry', errorCode: 'broker_rejected' });
    const reason = outcome.status === 'retry' ? outcome.error : '';
    const wanted = subjectFilter(subject);
    expect(reason).toBe(
      `no JetStream stream captures "other-${bus.subjectPrefix}.${SHOP}.order_confirm" on NATS at nats://127.0.0.1:${NATS_PORT}: the stream "${bus.name}" that "ensureStream" names exists already and captures only "${bus.subjectPrefix}.>", not "${wanted}"; add "${wanted}" to that stream's subjects, or name another stream in "ensureStream"`,
    );
    // the existing stream was left as it is
    const { jsm } = await bus.connection();
    expect((await jsm.streams.info(bus.name)).config.subjects).toEqual([`${bus.subjectPrefix}.>`]);
  });

  it('ensureStream naming a stream with no_ack set refuses the handler (broker_rejected, nothing published) saying what to change, not a hung connection; once no_ack is off the next attempt publishes', async () => {
    // Before: each publish waited for a PubAck the stream never sends, timed out after timeoutMs and was
    // reported as a hung connection ("did not acknowledge … the connection is replaced", broker_timeout)
    // while the stream had stored the message all the same.
    const bus = new NatsTestStream();
    scope.defer(() => bus.remove());
    const { jsm } = await bus.connection();
    await jsm.streams.add({ name: bus.name, subjects: [`${bus.subjectPrefix}.>`], no_ack: true });
    const handler = createNatsHandler({
      name: 'bus',
      servers: [`nats://127.0.0.1:${NATS_PORT}`],
      subject: `${bus.subjectPrefix}.{shop}.{event}`,
      ensureStream: { name: bus.name },
      timeoutMs: 2000,
    });
    scope.defer(() => handler.close());
    const job = claimedOrderJob(sampleOrder(5), { eventId: `evt_${bus.name}`, shop: SHOP });
    for (const attempt of [1, 2]) {
      const started = Date.now();
      const outcome = await handler.run({ ...job, attempt });
      expect(outcome).toEqual({
        status: 'retry',
        error: `the JetStream stream "${bus.name}" that "ensureStream" names has "no_ack" set: JetStream stores what is published to it but never acknowledges a publish, so srhooks cannot know that a message arrived (each attempt would wait for an acknowledgement that never comes); nothing was published. Set "no_ack" to false on that stream, or name another stream in "ensureStream"; the attempt is retried`,
        errorCode: 'broker_rejected',
      });
      // refused at once, not after waiting out timeoutMs for an acknowledgement
      expect(Date.now() - started).toBeLessThan(1500);
      expect(handler.connected).toBe(false);
    }
    expect(await bus.messageCount()).toBe(0);

    const { config } = await jsm.streams.info(bus.name);
    await jsm.streams.update(bus.name, { ...config, no_ack: false });
    expect(await handler.run({ ...job, attempt: 3 })).toEqual({ status: 'succeeded' });
    expect(await bus.messageCount()).toBe(1);
  });

  it('ensureStream naming a new stream whose subjects another stream captures already names that stream and what to change, not only "subjects overlap"', async () => {
    const bus = await stream(); // captures `<prefix>.>`
    const wanted = runName('ensure');
    const subject = `${bus.subjectPrefix}.{shop}.{event}`;
    const handler = createNatsHandler({
      name: 'bus',
      servers: [`nats://127.0.0.1:${NATS_PORT}`],
      subject,
      ensureStream: { name: wanted },
      timeoutMs: 2000,
    });
    scope.defer(() => handler.close());
    const { jsm } = await bus.connection();
    scope.defer(() => jsm.streams.delete(wanted).catch(() => false));
    const outcome = await handler.run(
      claimedOrderJob(sampleOrder(3), { eventId: `evt_${bus.name}`, shop: SHOP }),
    );
    expect(outcome).toMatchObject({ status: 'retry', errorCode: 'broker_rejected' });
    expect(outcome.status === 'retry' && outcome.error).toBe(
      `cannot ensure stream "${wanted}": JetStream refused to create it (subjects overlap with an existing stream): the stream "${bus.name}" captures "${subjectFilter(subject)}" already, and no two streams may capture the same subjects; name "${bus.name}" in "ensureStream" (an existing stream is used as it is), or remove "ensureStream"`,
    );
  });

  it('NATS unreachable (never reached, or lost after publishing) says so and what to check, not "no stream"', async () => {
    const bus = await stream();
    const proxy = await scope.proxy(NATS_PORT, 'up');
    const handler = createNatsHandler({
      name: 'bus',
      servers: [`nats://127.0.0.1:${proxy.port}`],
      subject: `${bus.subjectPrefix}.{shop}.{event}`,
      timeoutMs: 1000,
    });
    scope.defer(() => handler.close());
    const job = claimedOrderJob(sampleOrder(3), { eventId: `evt_${bus.name}`, shop: SHOP });
    expect(await handler.run(job)).toEqual({ status: 'succeeded' });

    await proxy.stop(); // the open connection is cut and the port refuses: NATS went away
    await waitFor(async () => !handler.connected, 'the handler to see the disconnect');
    const lost = await handler.run({ ...job, eventId: `evt_${bus.name}_2`, attempt: 1 });
    expect(lost.status).toBe('retry');
    const lostReason = lost.status === 'retry' ? lost.error : '';
    expect(lostReason).toMatch(
      new RegExp(
        `^cannot reach NATS at nats://127\\.0\\.0\\.1:${proxy.port} \\(connection lost; reconnecting in the background\\): check that the NATS server is running and that the URL is right`,
      ),
    );
    expect(lostReason).not.toMatch(/stream/i);
    expect(lost).toMatchObject({ errorCode: 'broker_unreachable' });

    // a port nothing listens on, from the first job on
    const never = createNatsHandler({
      name: 'never',
      servers: [`nats://127.0.0.1:${proxy.port}`],
      subject: `${bus.subjectPrefix}.{shop}.{event}`,
      timeoutMs: 1000,
    });
    scope.defer(() => never.close());
    const refused = await never.run(job);
    expect(refused.status).toBe('retry');
    const refusedReason = refused.status === 'retry' ? refused.error : '';
    expect(refusedReason).toMatch(
      new RegExp(
        `^cannot reach NATS at nats://127\\.0\\.0\\.1:${proxy.port} \\(.+\\): check that the NATS server is running and that the URL is right$`,
      ),
    );
    expect(refusedReason).not.toMatch(/stream/i);
    expect(refused).toMatchObject({ errorCode: 'broker_unreachable' });
    expect(await bus.messageCount()).toBe(1);
  });

  it('servers written without a scheme (127.0.0.1:4222, [::1]:4222, as documented) are named in errors, not "(invalid URL)"', async () => {
    const proxy = await scope.proxy(NATS_PORT, 'down');
    const handler = createNatsHandler({
      name: 'bare',
      servers: [`127.0.0.1:${proxy.port}`, `[::1]:${proxy.port}`],
      subject: 'srhooks.{shop}.{event}',
      timeoutMs: 1000,
    });
    scope.defer(() => handler.close());
    const outcome = await handler.run(claimedOrderJob(sampleOrder(4), { shop: SHOP }));
    expect(outcome).toMatchObject({ status: 'retry', errorCode: 'broker_unreachable' });
    const reason = outcome.status === 'retry' ? outcome.error : '';
    expect(reason).not.toContain('invalid URL');
    expect(reason).toMatch(
      new RegExp(
        `^cannot reach NATS at nats://127\\.0\\.0\\.1:${proxy.port}, nats://\\[::1\\]:${proxy.port} \\(.+\\): check that the NATS server is running`,
      ),
    );
  });

  it('broker down for a while, then back: one connection; every event is published once after it returns; /readyz stays green', async () => {
    const bus = await stream();
    const proxy = await scope.proxy(NATS_PORT, 'up');
    const app = await scope.receiver(
      {
        bus: {
          type: 'nats',
          servers: `nats://127.0.0.1:${proxy.port}`,
          subject: `${bus.subjectPrefix}.{shop}.{event}`,
          user: 'srhooks',
          password: '${NATS_TEST_PASSWORD}',
          timeoutMs: 1000,
          retry: FAST_RETRY,
        },
      },
      { NATS_TEST_PASSWORD: 'nats-pass-not-to-be-logged' },
    );
    const before = await postOrders(app, ['7101', '7102']);
    await waitForSucceeded(app, before);
    // one connection for the handler (the proxy counts both of its sides)
    expect(proxy.openSockets).toBe(2);

    await proxy.stop();
    const during = await postOrders(app, ['7103', '7104', '7105']);
    const failure = await firstFailure(app, during[0] ?? '');
    expect((await fetch(`${app.baseUrl}/readyz`)).status).toBe(200);
    expect(failure).toMatch(/^cannot reach NATS at nats:\/\/127\.0\.0\.1:\d+ /);
    expect(await waitForLog(app, 'broker connection lost', 'bus')).toMatchObject({
      level: 40,
      handlerType: 'nats',
      broker: `127.0.0.1:${proxy.port}`,
      errorCode: 'broker_unreachable',
    });
    expect(logEntries(app, 'job failed; retry scheduled', 'bus')[0]).toMatchObject({
      errorCode: 'broker_unreachable',
    });

    await proxy.start();
    await waitForSucceeded(app, during);
    expect(await waitForLog(app, 'broker connection restored', 'bus')).toMatchObject({
      level: 30,
      handlerType: 'nats',
      broker: `127.0.0.1:${proxy.port}`,
    });
    // publishes held through the reconnect are not taken for a hung connection
    expect(logEntries(app, 'broker connection lost', 'bus')).toHaveLength(1);
    expect(logEntries(app, 'broker connection restored', 'bus')).toHaveLength(1);
    const messages = await bus.read(5);
    expect(messages.map((message) => message.headers?.get('Nats-Msg-Id')).sort()).toEqual(
      [...before, ...during].sort(),
    );
    expect(await bus.messageCount()).toBe(5);
    expect(app.logLines.join('\n')).not.toContain('nats-pass-not-to-be-logged');
  });

  it('a publish meeting a reconnect (the connection reset, NATS still there) is sent again once the client is back: the attempt succeeds within timeoutMs, the stream holds it once', async () => {
    const bus = await stream();
    const proxy = await scope.proxy(NATS_PORT, 'up');
    const handler = createNatsHandler({
      name: 'bus',
      servers: [`nats://127.0.0.1:${proxy.port}`],
      subject: `${bus.subjectPrefix}.{shop}.{event}`,
      timeoutMs: 8000,
    });
    scope.defer(() => handler.close());
    const job = (eventId: string) => claimedOrderJob(sampleOrder(9), { eventId, shop: SHOP });
    expect(await handler.run(job(`evt_${bus.name}_before`))).toEqual({ status: 'succeeded' });

    for (const round of [1, 2]) {
      proxy.cut(); // the client reconnects (about a second later); what it had queued meanwhile it drops
      const started = Date.now();
      expect(await handler.run(job(`evt_${bus.name}_cut_${round}`))).toEqual({ status: 'succeeded' });
      // before: every attempt in the reconnect window waited all of timeoutMs, then failed as unreachable
      expect(Date.now() - started).toBeLessThan(5000);
    }
    const ids = (await bus.read(3)).map((message) => message.headers?.get('Nats-Msg-Id'));
    expect(ids).toEqual([`evt_${bus.name}_before`, `evt_${bus.name}_cut_1`, `evt_${bus.name}_cut_2`]);
    expect(await bus.messageCount()).toBe(3);
  });

  it('a hung connection (frozen, never closed): the attempt fails on the timeout, the next one uses a new connection', async () => {
    const bus = await stream();
    const proxy = await scope.proxy(NATS_PORT, 'up');
    const handler = createNatsHandler({
      name: 'hung',
      servers: [`nats://127.0.0.1:${proxy.port}`],
      subject: `${bus.subjectPrefix}.{shop}.{event}`,
      timeoutMs: 500,
    });
    scope.defer(() => handler.close());
    const job = (step: string) =>
      claimedOrderJob(sampleOrder(4), { eventId: `evt_${bus.name}_${step}`, shop: SHOP });
    await expectHungConnectionReplaced({
      handler,
      proxy,
      jobs: { before: job('before'), hung: job('hung'), after: job('after') },
      timeoutError: /did not acknowledge .* the connection is replaced$/,
      publishedIds: async () => (await bus.read(2)).map((message) => message.headers?.get('Nats-Msg-Id')),
    });
  });

  it('a hung connection in a receiver: warn line with broker_timeout, info line once a new connection is up; gauge back to 1', async () => {
    const bus = await stream();
    const proxy = await scope.proxy(NATS_PORT, 'up');
    const app = await scope.receiver({
      bus: {
        type: 'nats',
        servers: `nats://127.0.0.1:${proxy.port}`,
        subject: `${bus.subjectPrefix}.{shop}.{event}`,
        timeoutMs: 500,
        retry: FAST_RETRY,
      },
    });
    await expectHungConnectionInReceiver({
      app,
      proxy,
      handler: 'bus',
      type: 'nats',
      orders: ['7501', '7502'],
      timeoutError: /did not acknowledge/,
    });
  });

  it('replay from the admin API re-publishes under a new message id, so consumers see it again', async () => {
    const bus = await stream();
    const app = await scope.receiver({
      bus: {
        type: 'nats',
        servers: `nats://127.0.0.1:${NATS_PORT}`,
        subject: `${bus.subjectPrefix}.{shop}.{event}`,
      },
    });
    const [eventId] = await postOrders(app, ['7201']);
    await waitForSucceeded(app, [eventId ?? '']);
    await replayViaAdminApi(app, eventId ?? '');
    await waitFor(async () => (await bus.messageCount()) === 2, 'the replayed message');
    await waitForSucceeded(app, [eventId ?? '']);
    const ids = (await bus.read(2)).map((message) => message.headers?.get('Nats-Msg-Id'));
    expect(ids[0]).toBe(eventId);
    expect(ids[1]).toMatch(new RegExp(`^${eventId}:replay-\\d+$`));
  });

  it('broker unreachable at start, then stalled (black-hole): attempts fail with the reason, never hang; published once it answers', async () => {
    const bus = await stream();
    const proxy = await scope.proxy(NATS_PORT, 'down'); // the port refuses: NATS is "down" when the receiver starts
    const app = await scope.receiver({
      bus: {
        type: 'nats',
        servers: `nats://127.0.0.1:${proxy.port}`,
        subject: `${bus.subjectPrefix}.{shop}.{event}`,
        timeoutMs: 500,
        retry: FAST_RETRY,
      },
    });
    const { down, stalled } = await expectUnreachableThenStalled({
      app,
      proxy,
      orders: ['7301', '7302'],
      downError:
        /^cannot reach NATS at nats:\/\/127\.0\.0\.1:\d+ \(.+\): check that the NATS server is running and that the URL is right$/,
      // our bound on the attempt, or the client's own connect timeout when a retry of the first event
      // opened the (stalled) connection just before this attempt joined it
      stalledError: /took longer than 500 ms|\(timeout\)/,
    });
    expect((await bus.read(2)).map((message) => message.headers?.get('Nats-Msg-Id')).sort()).toEqual(
      [down, stalled].sort(),
    );
  });

  it('idle (no deliveries) while the broker goes silent: the liveness probe notices — gauge 0, one lost line — and reconnects when it answers — gauge 1, one restored line', async () => {
    const bus = await stream();
    const proxy = await scope.proxy(NATS_PORT, 'up');
    const app = await scope.receiver({
      bus: {
        type: 'nats',
        servers: `nats://127.0.0.1:${proxy.port}`,
        subject: `${bus.subjectPrefix}.{shop}.{event}`,
        // 1 s, not 0.5 s (as amqp's): under a 0.7-CPU quota a 0.5 s probe timed out after the restore (a second lost line)
        timeoutMs: 1000,
        probeIntervalMs: 200,
        retry: FAST_RETRY,
      },
    });
    await expectIdleOutagesNoticed({ app, proxy, handler: 'bus', type: 'nats', orders: ['7601', '7602'] });
  });

  it('close() stops the liveness probe: a dropped connection is not reopened afterwards', async () => {
    const bus = await stream();
    const proxy = await scope.proxy(NATS_PORT, 'up');
    const handler = createNatsHandler({
      name: 'probed',
      servers: [`nats://127.0.0.1:${proxy.port}`],
      subject: `${bus.subjectPrefix}.{shop}.{event}`,
      timeoutMs: 300,
      probeIntervalMs: 100,
    });
    scope.defer(() => handler.close());
    expect(await handler.run(claimedOrderJob(sampleOrder(1), { eventId: `evt_${bus.name}_probed` }))).toEqual(
      {
        status: 'succeeded',
      },
    );
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
