/**
 * The `amqp` handler: publishes each event to a RabbitMQ exchange with a routing key from a template
 * (default `{shop}.{event}`): persistent message, `message_id` = the message id (see broker-message.ts),
 * `mandatory`, on a confirm channel. The job is done only on the broker's confirm (ack); a nack, or a
 * message returned as unroutable (no queue bound for the key), is a failed attempt with that reason.
 * RabbitMQ does not deduplicate: a re-publish after a crash reaches consumers twice (dedupe on
 * `message_id`).
 *
 * One connection per handler (amqplib's built-in recovery reconnects it by itself, with backoff) and one
 * confirm channel on it, re-opened when it closes (a channel error, or the connection dropped). A
 * connection that hangs (no answer, never closed) amqplib notices only after missed heartbeats
 * (minutes), so a channel open or confirm that times out while the connection was up drops it (its
 * socket is destroyed); recovery then opens a new one, which the next attempt waits for. A connection
 * RabbitMQ refuses (the login, the vhost) is not retried in the background, as one to a server that is
 * down is: it is closed, and the next attempt logs in afresh. While idle, a
 * liveness probe (see broker-liveness.ts) makes one round trip on the confirm channel every
 * `probeIntervalMs` (`basic.qos`, which a publishing channel ignores; the channel is opened first if it
 * was closed): one that times out drops the connection the same way. RabbitMQ's own heartbeat (the
 * server's proposal, 60 s by default, or `?heartbeat=` in the URL) stays on beside it.
 *
 * While RabbitMQ blocks publishing (connection.blocked: a memory or disk alarm, see amqp-blocked.ts)
 * the connection is not taken for hung: an attempt waits at most `timeoutMs` for the block to end, then
 * fails saying why (`broker_out_of_resources`); the probe leaves the connection alone. A message over the
 * broker's `max_message_size` (RabbitMQ closes the channel with 406 PRECONDITION_FAILED) is dead-lettered
 * at once: no retry makes it fit.
 */
import type { ChannelModel, ConfirmChannel, RecoveringChannelModel } from 'amqplib';
import type { Logger } from 'pino';
import { lazyDependency } from '../../../lazy-dependency.js';
import type { ClaimedJob } from '../../../store/store.js';
import { describeError, type HandlerOutcome } from '../../handler-outcome.js';
import {
  amqpChannelAdvice,
  blockedText,
  CHECK_LOGIN,
  CHECK_SERVER,
  connectErrorText,
  nackCause,
  overMaxMessageSize,
  tooLargeText,
} from './amqp-advice.js';
import { PublishingBlock } from './amqp-blocked.js';
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
import { tlsAdvice } from './tls-advice.js';
import { BrokerTimeoutError, withTimeout } from './with-timeout.js';

export { amqpChannelAdvice } from './amqp-advice.js';

/** The AMQP client, loaded when a handler first connects (a receiver without an amqp handler never loads it). */
const amqplib = lazyDependency<typeof import('amqplib')>('amqplib');

/** A connection error that says RabbitMQ refused the login or the vhost (it will not pass by retrying). */
const REFUSED_CONNECT = /ACCESS_REFUSED|NOT_ALLOWED|\b403\b|\b530\b|refused to open vhost/;

/** RabbitMQ refused the connection's login or vhost: an attempt waiting for a channel stops waiting. */
class ConnectRefusedError extends Error {
  constructor() {
    super('RabbitMQ refused the connection');
  }
}

export const DEFAULT_AMQP_ROUTING_KEY = '{shop}.{event}';

export interface AmqpHandlerOptions {
  name: string;
  /** `${VAR}` already resolved. */
  url: string;
  exchange: string;
  routingKey?: string;
  timeoutMs?: number;
  /** How often an idle connection is checked (a channel round trip); default 15 s. */
  probeIntervalMs?: number;
  secrets?: readonly string[];
  /** Where "connection lost / restored" lines go; none in unit tests. */
  logger?: Logger;
}

interface Returned {
  replyCode: number;
  replyText: string;
}

export function createAmqpHandler(options: AmqpHandlerOptions): BrokerHandler {
  const template = options.routingKey ?? DEFAULT_AMQP_ROUTING_KEY;
  const timeoutMs = options.timeoutMs ?? DEFAULT_BROKER_TIMEOUT_MS;
  const secrets = options.secrets ?? [];
  const where = redactUrl(options.url);
  /** How often close() was called: an attempt that spans one was cut off by it. */
  let closes = 0;
  const exchangeLabel = options.exchange === '' ? 'the default exchange' : `exchange "${options.exchange}"`;
  let model: Promise<RecoveringChannelModel> | null = null;
  /** The recovering model `model` resolves to, once created (to stop it when RabbitMQ refuses its login). */
  let openModel: RecoveringChannelModel | null = null;
  let channel: Promise<ConfirmChannel> | null = null;
  /** The connection now open under the recovering model (to tear down when it hangs). */
  let openConnection: ChannelModel | null = null;
  /** After dropping a hung connection: settles when recovery has let go of it (its 'disconnect'). */
  let letGo: { done: Promise<void>; resolve: () => void } | null = null;
  const context = { handler: options.name, type: 'amqp', broker: brokerHostPort(options.url, 5672) } as const;
  const state = new BrokerConnectionState(options.logger, context);
  /** Whether RabbitMQ blocks publishing now (a resource alarm), and why. */
  const block = new PublishingBlock(options.logger, context);
  let lastConnectError: string | null = null;
  /** Settles (rejects) when a connection attempt is refused: attempts waiting for a channel stop waiting. */
  let refusal: { promise: Promise<never>; reject: (error: Error) => void } | null = null;
  /**
   * Rejects as soon as RabbitMQ refuses a connection attempt (at once when the last one was refused and
   * none is open): a wrong password or vhost fails the attempt now instead of after `timeoutMs`. The
   * refused connection is stopped (see 'connect-failed'): the next attempt opens a new one.
   */
  const refusedConnect = (): Promise<never> => {
    if (!state.connected && lastConnectError !== null && REFUSED_CONNECT.test(lastConnectError)) {
      return Promise.reject(new ConnectRefusedError());
    }
    if (!refusal) {
      let reject: (error: Error) => void = () => {};
      const promise = new Promise<never>((_resolve, fail) => {
        reject = fail;
      });
      promise.catch(() => {});
      refusal = { promise, reject };
    }
    return refusal.promise;
  };
  /** Why the broker closed a channel (sent just before the close), per channel. */
  const channelErrors = new WeakMap<ConfirmChannel, string>();
  /** Messages the broker returned as unroutable, by message id, until their confirm arrives. */
  const returned = new Map<string, Returned>();

  const model$ = (): Promise<RecoveringChannelModel> => {
    if (!model) {
      const opening = open();
      model = opening;
      opening.catch(() => {
        if (model === opening) model = null;
      });
    }
    return model;
  };

  const open = async (): Promise<RecoveringChannelModel> => {
    // a refusal of an earlier connection (stopped since) says nothing about this one until it is refused too
    lastConnectError = null;
    const created = await amqplib().connect(options.url, {
      timeout: timeoutMs,
      clientProperties: { connection_name: `srhooks-receiver/${options.name}` },
      recovery: {
        initialDelay: 200,
        maxDelay: 5000,
        maxRetries: Number.POSITIVE_INFINITY,
        waitForConnect: false,
      },
    });
    created.on('connect', (connection: ChannelModel) => {
      openConnection = connection;
      lastConnectError = null;
      block.connectionGone();
      state.up();
    });
    created.on('disconnect', (error: Error) => {
      openConnection = null;
      block.connectionGone();
      letGo?.resolve();
      letGo = null;
      lastConnectError = connectErrorText(error, options.url);
      state.down('broker_unreachable');
    });
    created.on('connect-failed', (error: Error) => {
      lastConnectError = connectErrorText(error, options.url);
      const refused = REFUSED_CONNECT.test(lastConnectError);
      // reached, but it refused the login or vhost: the broker said no (as the attempts say)
      state.down(refused ? 'broker_rejected' : 'broker_unreachable');
      if (refused) {
        refusal?.reject(new ConnectRefusedError());
        refusal = null;
        // No retrying in the background: the login or vhost stays refused until someone changes it, and
        // recovery would try it every 5 s for as long as the receiver runs (a refused login logged by
        // RabbitMQ each time; an account locked by an LDAP backend). The next attempt logs in afresh.
        if (openModel === created) {
          openModel = null;
          model = null;
          channel = null;
        }
        void created.close().catch(() => {});
      }
    });
    created.on('blocked', (reason: string | undefined) => block.blocked(reason));
    created.on('unblocked', () => block.unblocked());
    created.on('error', () => {});
    openModel = created;
    return created;
  };

  const channel$ = (): Promise<ConfirmChannel> => {
    if (!channel) {
      const opening = (async () => {
        // a channel asked for before recovery let go of a dropped connection would open on that one
        if (letGo) await letGo.done;
        const ch = await (await model$()).createConfirmChannel();
        ch.on('return', (message) => {
          const id = message.properties.messageId;
          if (typeof id === 'string') {
            // basic.return carries reply-code/reply-text, which amqplib's types leave out.
            const fields = message.fields as typeof message.fields & Partial<Returned>;
            returned.set(id, {
              replyCode: fields.replyCode ?? 312,
              replyText: fields.replyText ?? 'NO_ROUTE',
            });
          }
        });
        ch.on('close', () => {
          if (channel === opening) channel = null;
        });
        ch.on('error', (error: Error) => {
          // e.g. 404 NOT_FOUND for a missing exchange: the reason the pending publishes fail
          channelErrors.set(ch, describeError(error));
        });
        return ch;
      })();
      channel = opening;
      opening.catch(() => {
        if (channel === opening) channel = null;
      });
    }
    return channel;
  };

  /**
   * Gives up on a connection that hung: destroys its socket (a close handshake would never be
   * answered), so recovery reports the disconnect and opens a new connection.
   */
  const dropConnection = (): void => {
    const hung = openConnection;
    openConnection = null;
    channel = null;
    state.down('broker_timeout');
    // only a destroyed socket makes recovery let go (and say so with 'disconnect')
    if (!destroySocket(hung, new BrokerTimeoutError(`no answer from RabbitMQ within ${timeoutMs} ms`)))
      return;
    if (!letGo) {
      let resolve = () => {};
      const done = new Promise<void>((settle) => {
        resolve = settle;
      });
      letGo = { done, resolve };
    }
  };

  const liveness = new LivenessProbe(options.probeIntervalMs ?? DEFAULT_PROBE_INTERVAL_MS, async () => {
    // not connected: recovery is reconnecting by itself (and says so with 'connect'); blocked:
    // RabbitMQ reads nothing from the connection until it unblocks it, which is no hang
    if (!model || !state.connected || letGo || block.reason !== null) return;
    const mark = state.mark();
    const blockMark = block.mark();
    try {
      const ch = await withTimeout(channel$(), timeoutMs, `opening a channel to RabbitMQ at ${where}`, {
        unref: true,
      });
      await withTimeout(ch.prefetch(0), timeoutMs, `a round trip to RabbitMQ at ${where}`, { unref: true });
    } catch (error) {
      // up the whole time but no answer: hung (a channel error or a lost connection is not)
      if (error instanceof BrokerTimeoutError && state.heldThroughout(mark) && !block.blockedSince(blockMark))
        dropConnection();
    }
  });

  return {
    get connected() {
      return state.connected;
    },
    get blocked() {
      return state.connected && block.reason !== null;
    },
    run(job: ClaimedJob): Promise<HandlerOutcome> {
      liveness.start();
      return liveness.attempt(() =>
        unlessShutDown(
          () => publish(job),
          () => closes,
          () => shutDownOutcome('RabbitMQ', where, secrets),
        ),
      );
    },
    async close() {
      closes++;
      liveness.stop();
      const current = model;
      model = null;
      openModel = null;
      channel = null;
      const open = openConnection;
      openConnection = null;
      letGo?.resolve();
      letGo = null;
      state.closed();
      block.closed();
      if (!current) return;
      // Bounded: closing over a stalled connection waits for an answer that never comes.
      await withTimeout(
        current.then((m) => m.close()),
        CLOSE_TIMEOUT_MS,
        'closing the RabbitMQ connection',
      ).catch(() => destroySocket(open, new Error('closed without an answer from RabbitMQ')));
    },
  };

  async function publish(job: ClaimedJob): Promise<HandlerOutcome> {
    const routingKey = renderTemplate(template, job);
    const message = brokerMessage(job);
    const fail = (text: string, errorCode: BrokerErrorCode): HandlerOutcome => ({
      status: 'retry',
      error: scrubSecrets(text, secrets),
      errorCode,
    });
    const blockedOutcome = (reason: string, what: string) =>
      fail(`${blockedText(where, reason)}; ${what}; the attempt is retried`, 'broker_out_of_resources');
    const blockedBy = block.reason;
    if (blockedBy !== null) {
      const before = closes;
      // bounded: a short alarm costs no attempt, a long one fails it saying why
      if (!(await block.ended(timeoutMs)) || closes !== before)
        return blockedOutcome(
          block.reason ?? blockedBy,
          `it still blocked after ${timeoutMs} ms, so nothing was published to ${exchangeLabel} with routing key "${routingKey}"`,
        );
    }
    let ch: ConfirmChannel;
    const opening = state.mark();
    const blockOpening = block.mark();
    try {
      const opened = withTimeout(channel$(), timeoutMs, `opening a channel to RabbitMQ at ${where}`);
      // a refusal may win the race: the channel's time limit then has no one waiting for it
      opened.catch(() => {});
      ch = await Promise.race([opened, refusedConnect()]);
    } catch (error) {
      if (error instanceof BrokerTimeoutError && block.blockedSince(blockOpening)) {
        // blocked meanwhile (another attempt's publish): not hung, RabbitMQ answers once unblocked
        return blockedOutcome(
          block.reason ?? 'no reason given',
          `it did not open a channel within ${timeoutMs} ms, so nothing was published to ${exchangeLabel} with routing key "${routingKey}"`,
        );
      }
      if (error instanceof BrokerTimeoutError && state.heldThroughout(opening)) {
        dropConnection();
        return fail(
          `RabbitMQ at ${where} did not open a channel within ${timeoutMs} ms: the connection hung; it is replaced`,
          'broker_timeout',
        );
      }
      const cause = lastConnectError ? ` (last connection error: ${lastConnectError})` : '';
      // reached, but refused the login (or the vhost): the broker said no
      const refused = lastConnectError !== null && REFUSED_CONNECT.test(lastConnectError);
      return fail(
        `cannot reach RabbitMQ at ${where}: ${describeError(error)}${cause}: ${refused ? CHECK_LOGIN : (tlsAdvice(cause, 'RabbitMQ', 'amqp://') ?? CHECK_SERVER)}`,
        refused ? 'broker_rejected' : 'broker_unreachable',
      );
    }
    returned.delete(message.messageId);
    const publishing = state.mark();
    const blockPublishing = block.mark();
    try {
      await withTimeout(
        new Promise<void>((resolve, reject) => {
          ch.publish(
            options.exchange,
            routingKey,
            message.body,
            {
              persistent: true,
              mandatory: true,
              messageId: message.messageId,
              type: message.type,
              appId: 'srhooks',
              contentType: 'application/json',
              timestamp: Math.floor(job.receivedAt.getTime() / 1000),
              headers: {
                'srhooks-type': message.type,
                'srhooks-shop': message.shop,
                'srhooks-event-id': message.eventId,
                'srhooks-source': message.source,
              },
            },
            (error: unknown) => (error ? reject(error) : resolve()),
          );
        }),
        timeoutMs,
        `the publisher confirm from RabbitMQ at ${where}`,
      );
    } catch (error) {
      returned.delete(message.messageId);
      if (error instanceof BrokerTimeoutError && block.blockedSince(blockPublishing)) {
        // not hung: RabbitMQ stopped reading the connection (the channel stays; its confirm comes late)
        return blockedOutcome(
          block.reason ?? 'no reason given',
          `it had not confirmed the message published to ${exchangeLabel} with routing key "${routingKey}" within ${timeoutMs} ms: RabbitMQ may take it once unblocked, so it may be delivered as well as the retry (consumers deduplicate on message_id)`,
        );
      }
      const channelError = channelErrors.get(ch);
      const over = overMaxMessageSize(channelError);
      if (over && message.body.length > over.max) {
        // the channel is closed already (RabbitMQ's 406): the next attempt opens a new one
        return {
          status: 'dead',
          error: scrubSecrets(
            tooLargeText(
              `the message published to ${exchangeLabel} with routing key "${routingKey}"`,
              where,
              message.body.length,
              over,
            ),
            secrets,
          ),
          errorCode: 'broker_rejected',
        };
      }
      // A confirm that never came leaves the channel in doubt: start the next attempt on a new one.
      if (channel) {
        const stale = channel;
        channel = null;
        void stale.then((c) => c.close()).catch(() => {});
      }
      const reason = channelError ? ` (${channelError})` : '';
      const hung = error instanceof BrokerTimeoutError && state.heldThroughout(publishing);
      if (hung) dropConnection();
      const errorCode: BrokerErrorCode = channelError
        ? 'broker_rejected'
        : hung
          ? 'broker_timeout'
          : !state.heldThroughout(publishing)
            ? 'broker_unreachable'
            : /nack/i.test(describeError(error))
              ? 'broker_rejected'
              : 'broker_error';
      if (errorCode === 'broker_unreachable' && !channelError && describeError(error) === 'channel closed') {
        // amqplib fails the publishes awaiting a confirm so when their connection closes: sent, maybe kept
        return fail(
          `the connection to RabbitMQ at ${where} was lost before it confirmed the message published to ${exchangeLabel} with routing key "${routingKey}": it may have been delivered (RabbitMQ does not deduplicate: consumers deduplicate on message_id); the attempt is retried`,
          errorCode,
        );
      }
      if (errorCode === 'broker_rejected' && !channelError) {
        // a nack: RabbitMQ took the message but would not keep it
        return fail(
          `RabbitMQ refused the message (nack) published to ${exchangeLabel} with routing key "${routingKey}": ${nackCause(message.body.length)}`,
          errorCode,
        );
      }
      return fail(
        `publish to ${exchangeLabel} with routing key "${routingKey}" failed: ${describeError(error)}${reason}${hung ? '; the connection is replaced' : ''}${amqpChannelAdvice(channelError, options.exchange)}${error instanceof BrokerTimeoutError && !channelError ? UNCONFIRMED : ''}`,
        errorCode,
      );
    }
    block.published();
    const bounced = returned.get(message.messageId);
    returned.delete(message.messageId);
    if (bounced) {
      return fail(
        `RabbitMQ returned the message as unroutable (${bounced.replyCode} ${bounced.replyText}): no queue is bound to ` +
          `${exchangeLabel} for routing key "${routingKey}"; bind one: the attempt is retried on the handler's schedule (replay it if it was dead-lettered meanwhile)`,
        'broker_rejected',
      );
    }
    return { status: 'succeeded' };
  }
}

/**
 * After a publish whose confirm did not come in time: RabbitMQ may have taken it (a slow disk, a slow
 * network), and the retry publishes it again.
 */
const UNCONFIRMED =
  ': it may have been delivered all the same (RabbitMQ does not deduplicate: consumers deduplicate on message_id); the attempt is retried';

/** Tears down a connection's socket (amqplib keeps it as `connection.stream`, not in its types); false if it found none. */
function destroySocket(connection: ChannelModel | null, reason: Error): boolean {
  const socket = (connection?.connection as { stream?: { destroy?(error?: Error): void } } | undefined)
    ?.stream;
  if (typeof socket?.destroy !== 'function') return false;
  socket.destroy(reason);
  return true;
}
