/**
 * The `nats` handler: publishes each event to NATS JetStream on a subject from a template (default
 * `shoprenter.{shop}.{event}`), with `Nats-Msg-Id` = the message id (the event id; see broker-message.ts),
 * so JetStream's duplicate window drops a re-publish after a crash. The job is done only when the
 * stream acknowledged the message (a PubAck; a `duplicate` ack counts: the message is in the stream —
 * except on the job's first publish, sent once: then another handler's copy of the event is, in the same
 * stream, and this one was dropped, a dead letter saying so).
 *
 * One connection per handler, opened on the first job; the NATS client reconnects by itself forever
 * (an attempt while it is away waits for it, within `timeoutMs`, and a publish whose connection is
 * lost before the PubAck is sent again once it is back: the client drops what it queued meanwhile; the
 * job retries when the time is up). A connection that hangs (no answer, but
 * never closed) the client notices only after minutes of missed pings, so a publish that times out
 * while connected drops the connection and the next attempt opens a new one. While idle, a liveness
 * probe (see broker-liveness.ts) flushes the connection (a PING answered by a PONG) every
 * `probeIntervalMs`: a flush that times out drops it the same way, and the next probe opens a new one.
 * With `ensureStream`, the stream is created
 * when missing (once per connection, and again when a publish finds it gone: deleted, or a memory
 * stream after the server restarted); otherwise a subject no stream captures fails every attempt with
 * that reason. A stream `ensureStream` names that has `no_ack` set (it never acknowledges a publish) is
 * refused before anything is published, every attempt saying so (`broker_rejected`), not left to time out. A failed attempt says which of the causes it was (see {@link publishFailure}): NATS
 * unreachable, no stream for the subject, or no acknowledgement in time.
 *
 * Split by concern: nats-stream.ts (the subjects a stream must capture, `ensureStream`),
 * nats-failures.ts (what a failed attempt says, and its error code), nats-transport-patch.ts (the
 * client's transport fix for connections that never got the server's INFO).
 */
import type { JetStreamClient } from '@nats-io/jetstream';
import type { NatsConnection } from '@nats-io/transport-node';
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
import {
  CHECK_LOGIN,
  noStream,
  noTls,
  overStreamMessageSize,
  publishFailure,
  publishFailureCode,
  refusedLogin,
  tooLarge,
  unreachable,
} from './nats-failures.js';
import {
  ensureStream,
  filterCaptures,
  NatsStreamNoAckError,
  type NatsStreamSpec,
  subjectFilter,
} from './nats-stream.js';
import { closeUnconnectedTransports } from './nats-transport-patch.js';
import { BrokerTimeoutError, withTimeout } from './with-timeout.js';

/** The NATS client, loaded when a handler first connects (a receiver without a nats handler never loads it). */
const natsTransport = lazyDependency<typeof import('@nats-io/transport-node')>('@nats-io/transport-node');
const natsJetStream = lazyDependency<typeof import('@nats-io/jetstream')>('@nats-io/jetstream');

export const DEFAULT_NATS_SUBJECT = 'shoprenter.{shop}.{event}';

export interface NatsHandlerOptions {
  /** Handler name, for messages and the connection name. */
  name: string;
  /** Server URLs, `${VAR}` already resolved. */
  servers: string[];
  subject?: string;
  user?: string;
  password?: string;
  token?: string;
  ensureStream?: NatsStreamSpec;
  timeoutMs?: number;
  /** How often an idle connection is checked (a flush); default 15 s. */
  probeIntervalMs?: number;
  /** Values to scrub from error texts (resolved credentials). */
  secrets?: readonly string[];
  /** Where "connection lost / restored" lines go; none in unit tests. */
  logger?: Logger;
}

/** `existingStream`: the subjects of the stream `ensureStream` named, when it existed already. */
type NatsSession = { nc: NatsConnection; js: JetStreamClient; existingStream?: string[] };

export { filterCaptures, subjectFilter };

export function createNatsHandler(options: NatsHandlerOptions): BrokerHandler {
  const template = options.subject ?? DEFAULT_NATS_SUBJECT;
  const timeoutMs = options.timeoutMs ?? DEFAULT_BROKER_TIMEOUT_MS;
  const secrets = options.secrets ?? [];
  // a server may be written without a scheme (`127.0.0.1:4222`): the client takes it as nats://
  const where = options.servers
    .map((server) => redactUrl(/^[a-z][a-z0-9+.-]*:\/\//i.test(server) ? server : `nats://${server}`))
    .join(', ');
  // The client drops a server's scheme: `tls://` is honoured only through its `tls` option, which it
  // applies to every server (and to those the cluster announces), so one tls:// server requires TLS of all.
  const tlsRequired = options.servers.some((server) => /^tls:\/\//i.test(server));
  let connection: Promise<NatsSession> | null = null;
  let closing = false;
  /** How often close() was called: an attempt that spans one was cut off by it. */
  let closes = 0;
  const state = new BrokerConnectionState(options.logger, {
    handler: options.name,
    type: 'nats',
    broker: options.servers.map((server) => brokerHostPort(server, 4222)).join(', '),
  });

  /**
   * The stream `ensureStream` names exists with a shorter duplicate window than its `duplicateWindow`:
   * it is left as it is, so said once per connection (a warn line; the attempts succeed).
   */
  const shorterWindow = (windowMs: number) =>
    options.logger?.warn(
      {
        handler: options.name,
        handlerType: 'nats',
        stream: options.ensureStream?.name,
        duplicateWindowMs: windowMs,
        ensureStreamDuplicateWindowMs: options.ensureStream?.duplicateWindowMs,
      },
      'nats stream keeps a shorter duplicate window',
    );

  const open = async (): Promise<NatsSession> => {
    closeUnconnectedTransports();
    const nc = await natsTransport().connect({
      servers: options.servers,
      name: `srhooks-receiver/${options.name}`,
      ...(options.user === undefined ? {} : { user: options.user }),
      ...(options.password === undefined ? {} : { pass: options.password }),
      ...(options.token === undefined ? {} : { token: options.token }),
      // without it a server offering no TLS would get the credentials and the orders in plain text
      ...(tlsRequired ? { tls: {} } : {}),
      timeout: timeoutMs,
      maxReconnectAttempts: -1,
      reconnectTimeWait: 1000,
    });
    const opened = connection;
    const current = () => connection === opened && !closing;
    void (async () => {
      for await (const status of nc.status()) {
        if (!current()) continue;
        if (status.type === 'disconnect') state.down('broker_unreachable');
        else if (status.type === 'reconnect') state.up();
      }
    })().catch(() => {});
    void nc.closed().then(() => {
      // Closed for good (not by close() or drop()): the next job connects afresh.
      if (!current()) return;
      state.down('broker_unreachable');
      connection = null;
    });
    let existingStream: string[] | undefined;
    if (options.ensureStream) {
      try {
        existingStream = await ensureStream(nc, options.ensureStream, template, timeoutMs, shorterWindow);
      } catch (error) {
        await nc.close().catch(() => {});
        throw new EnsureStreamError(ensureStreamFailure(options.ensureStream.name, error), { cause: error });
      }
    }
    if (current()) state.up();
    return {
      nc,
      js: natsJetStream().jetstream(nc),
      ...(existingStream === undefined ? {} : { existingStream }),
    };
  };

  const connection$ = (): Promise<NatsSession> => {
    if (!connection) {
      const opening = open();
      connection = opening;
      opening.catch((error: unknown) => {
        if (connection !== opening) return;
        connection = null;
        state.down(
          error instanceof EnsureStreamError || refusedLogin(error) || noTls(error)
            ? 'broker_rejected'
            : 'broker_unreachable',
        );
      });
    }
    return connection;
  };

  /** Gives up on a connection that hung: the next attempt opens a new one. */
  const drop = (stale: Promise<NatsSession>, nc: NatsConnection): void => {
    if (connection !== stale) return;
    connection = null;
    state.down('broker_timeout');
    // close() destroys the socket after a flush that a hung peer never blocks (it goes to the kernel)
    void withTimeout(nc.close(), CLOSE_TIMEOUT_MS, 'closing the NATS connection', { unref: true }).catch(
      () => {},
    );
  };

  const liveness = new LivenessProbe(options.probeIntervalMs ?? DEFAULT_PROBE_INTERVAL_MS, async () => {
    // dropped or closed for good: nobody else reconnects it
    if (!connection && !liveness.active) return;
    const session = connection$();
    let nc: NatsConnection;
    try {
      ({ nc } = await withTimeout(session, timeoutMs, `connecting to NATS at ${where}`, { unref: true }));
    } catch {
      return; // the state says why
    }
    // not connected: the client is reconnecting by itself
    if (!state.connected) return;
    const mark = state.mark();
    try {
      await withTimeout(nc.flush(), timeoutMs, `flushing the NATS connection`, { unref: true });
    } catch (error) {
      // held the whole time but no PONG: hung (a flush held through a reconnect is not)
      if (error instanceof BrokerTimeoutError && state.heldThroughout(mark)) drop(session, nc);
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
          () => shutDownOutcome('NATS', where, secrets),
        ),
      );
    },
    async close() {
      closes++;
      liveness.stop();
      const current = connection;
      connection = null;
      if (!current) return;
      closing = true;
      state.closed();
      try {
        const { nc } = await current;
        // Bounded: draining over a dead connection waits for the server.
        await withTimeout(nc.drain(), CLOSE_TIMEOUT_MS, 'draining the NATS connection').catch(() =>
          nc.close(),
        );
      } catch {
        // never connected
      } finally {
        closing = false;
      }
    },
  };

  async function publish(job: ClaimedJob): Promise<HandlerOutcome> {
    const subject = renderTemplate(template, job);
    const message = brokerMessage(job);
    const fail = (text: string, errorCode: BrokerErrorCode): HandlerOutcome => ({
      status: 'retry',
      error: scrubSecrets(text, secrets),
      errorCode,
    });
    const session = connection$();
    let nc: NatsConnection;
    let js: JetStreamClient;
    let existingStream: string[] | undefined;
    try {
      ({ nc, js, existingStream } = await withTimeout(session, timeoutMs, `connecting to NATS at ${where}`));
    } catch (error) {
      if (error instanceof EnsureStreamError) return fail(error.message, 'broker_rejected');
      if (noTls(error))
        return fail(
          `NATS at ${where} offers no TLS, and the handler's "servers" ask for it (tls://): nothing was sent; enable TLS on the NATS server, or write nats:// to publish unencrypted (on a network you trust)`,
          'broker_rejected',
        );
      if (refusedLogin(error))
        return fail(
          `NATS at ${where} refused the login (${describeError(error)}): ${CHECK_LOGIN}`,
          'broker_rejected',
        );
      return fail(unreachable(where, describeError(error)), 'broker_unreachable');
    }
    const h = natsTransport().headers();
    h.set('content-type', 'application/json');
    h.set('srhooks-type', message.type);
    h.set('srhooks-shop', message.shop);
    h.set('srhooks-event-id', message.eventId);
    h.set('srhooks-source', message.source);
    let mark = state.mark();
    /**
     * The publish, until `deadline`: sent again when the connection is lost while it waits for the
     * PubAck — nats-core drops what it queued for a connection that is gone, so the request would only
     * time out, though NATS is back a second later — and, while this connection is reconnecting, sent
     * only once it is back. The same Nats-Msg-Id lets JetStream keep one copy of a message sent twice.
     */
    /** How often this attempt sent the message (again after a lost connection; once more after ensureStream). */
    let sends = 0;
    const send = async (deadline: number) => {
      for (;;) {
        while (!state.connected && connection === session && Date.now() < deadline)
          await changeOrTimeout(state, deadline - Date.now());
        mark = state.mark();
        const watch = state.nextChange();
        sends++;
        const publishing = js.publish(subject, message.body, {
          msgID: message.messageId,
          headers: h,
          timeout: Math.max(1, deadline - Date.now()),
        });
        try {
          const first = await Promise.race([publishing, watch.changed.then((): typeof CHANGED => CHANGED)]);
          if (first !== CHANGED) return first;
        } finally {
          watch.cancel();
        }
        // lost while waiting: send again, unless time is up or the connection was dropped or closed
        publishing.catch(() => {});
        if (Date.now() >= deadline || connection !== session) return await publishing;
      }
    };
    try {
      let ack: Awaited<ReturnType<typeof send>>;
      try {
        ack = await send(Date.now() + timeoutMs);
      } catch (error) {
        // The stream ensureStream created went away while connected (deleted; a memory stream after
        // the server restarted): create it again and publish once more, instead of failing every attempt.
        if (!options.ensureStream || !noStream(error) || !state.heldThroughout(mark)) throw error;
        let recreated: string[] | undefined;
        try {
          recreated = await ensureStream(nc, options.ensureStream, template, timeoutMs, shorterWindow);
        } catch (ensureError) {
          return fail(ensureStreamFailure(options.ensureStream.name, ensureError), 'broker_rejected');
        }
        existingStream = recreated;
        (await session).existingStream = recreated;
        // it exists (another process made it): its subjects say why the publish failed
        if (recreated !== undefined) throw error;
        ack = await send(Date.now() + timeoutMs);
      }
      if (!ack.stream)
        return fail(`JetStream did not acknowledge "${subject}": empty ack`, 'broker_rejected');
      if (ack.duplicate && sends === 1 && job.attempt === (job.firstAttempt ?? 1)) {
        // The job's first publish, sent once, yet the stream holds the id already: not a re-run of this
        // job (that is a later attempt) but another handler's copy of the event in the same stream.
        // JetStream dropped this one, and a retry after the window would count it published either way.
        return {
          status: 'dead',
          error: scrubSecrets(
            `JetStream dropped the message published to "${subject}" as a duplicate: the stream "${ack.stream}" on NATS at ${where} holds a message with the id "${message.messageId}" already, and this was the job's first publish, so another handler published the same event into that stream (two nats handlers whose subjects one stream captures share its duplicate window); consumers of "${subject}" do not get it. Give each nats handler a stream of its own, then retry the dead letter`,
            secrets,
          ),
          errorCode: 'broker_rejected',
        };
      }
      return { status: 'succeeded' };
    } catch (error) {
      // Too large for the server's max_payload (refused by the client before sending) or for the stream's
      // own max_msg_size: no retry makes it fit, only a larger limit does, so a dead letter at once.
      const tooLargeFor = tooLarge(error)
        ? `NATS at ${where} accepts (max_payload ${nc.info?.max_payload ?? 'unknown'} bytes): raise "max_payload" in the NATS server's configuration (at most 64 MB)`
        : overStreamMessageSize(error)
          ? `the JetStream stream that captures it on NATS at ${where} accepts (${describeError(error)}): raise the stream's "max_msg_size" (or remove it)`
          : null;
      if (tooLargeFor !== null) {
        return {
          status: 'dead',
          error: scrubSecrets(
            `the message for "${subject}" (${message.body.length} bytes of event JSON, plus headers) is larger than ${tooLargeFor}, then retry the dead letter`,
            secrets,
          ),
          errorCode: 'broker_rejected',
        };
      }
      // connected the whole time: a timeout means the connection hung (held through a reconnect: lost)
      const context = { subject, where, connected: state.heldThroughout(mark), timeoutMs };
      const errorCode = publishFailureCode(error, context);
      if (errorCode === 'broker_timeout') drop(session, nc);
      const wanted = subjectFilter(template);
      if (
        errorCode === 'broker_rejected' &&
        options.ensureStream &&
        existingStream !== undefined &&
        !existingStream.some((filter) => filterCaptures(filter, wanted))
      ) {
        // "set ensureStream" would be wrong advice: it is set, and names a stream that exists elsewhere.
        const has =
          existingStream.length > 0
            ? existingStream.map((filter) => `"${filter}"`).join(', ')
            : 'no subjects';
        return fail(
          `no JetStream stream captures "${subject}" on NATS at ${where}: the stream "${options.ensureStream.name}" that "ensureStream" names exists already and captures only ${has}, not "${wanted}"; add "${wanted}" to that stream's subjects, or name another stream in "ensureStream"`,
          errorCode,
        );
      }
      return fail(publishFailure(error, context), errorCode);
    }
  }
}

/** {@link changeOrTimeout}'s and a publish's marker: the connection changed while it waited. */
const CHANGED = Symbol('connection changed');

/** Waits for the connection's next change, at most `ms`. */
async function changeOrTimeout(state: BrokerConnectionState, ms: number): Promise<void> {
  const watch = state.nextChange();
  let timer: NodeJS.Timeout | undefined;
  try {
    await Promise.race([
      watch.changed,
      new Promise<void>((resolve) => {
        timer = setTimeout(resolve, ms);
      }),
    ]);
  } finally {
    clearTimeout(timer);
    watch.cancel();
  }
}

/**
 * What an attempt says when creating or checking the `ensureStream` stream failed: a stream with
 * `no_ack` set in the words of {@link NatsStreamNoAckError}, anything else as "cannot ensure stream".
 */
function ensureStreamFailure(stream: string, error: unknown): string {
  return error instanceof NatsStreamNoAckError
    ? error.message
    : `cannot ensure stream "${stream}": ${describeError(error)}`;
}

/** Opening the connection worked, creating or checking the `ensureStream` stream did not. */
class EnsureStreamError extends Error {
  override readonly name = 'EnsureStreamError';
}
