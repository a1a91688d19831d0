/**
 * A handler that publishes to a message broker over one long-lived connection of its own (opened on
 * the first job, reconnecting by itself, closed when the worker stops; a later job opens it again).
 */
import type { ClaimedJob } from '../../../store/store.js';
import type { HandlerOutcome } from '../../handler-outcome.js';
import { scrubSecrets } from './env-reference.js';

export const DEFAULT_BROKER_TIMEOUT_MS = 10_000;
/** Closing a connection waits at most this long (a stalled broker never answers a close). */
export const CLOSE_TIMEOUT_MS = 2_000;

export interface BrokerHandler {
  /** One publish; resolves to `succeeded` only once the broker acknowledged it. Never throws. */
  run(job: ClaimedJob): Promise<HandlerOutcome>;
  /** Closes the connection (pending publishes are abandoned: their jobs run again). */
  close(): Promise<void>;
  /** True while the connection to the broker is up. */
  readonly connected: boolean;
  /**
   * Handlers whose broker says when it stops taking messages over a live connection (amqp: RabbitMQ's
   * connection.blocked): true while it does. Undefined for the others.
   */
  readonly blocked?: boolean;
}

/**
 * The outcome of an attempt that the handler's `close()` cut off (the worker stopped waiting for it:
 * the receiver is shutting down): the broker had not acknowledged the message, and may or may not have
 * kept it. Before, such an attempt was reported as the broker's failure ("cannot reach NATS … check
 * that the NATS server is running", RabbitMQ's "channel closed", `broker_unreachable`) while the broker
 * was fine or merely slow. `where` is the broker's address as the handler names it; `secrets` are
 * scrubbed from the text.
 */
export function shutDownOutcome(
  broker: string,
  where: string,
  secrets: readonly string[],
): Extract<HandlerOutcome, { status: 'retry' }> {
  return {
    status: 'retry',
    error: scrubSecrets(
      `the receiver shut down before ${broker} at ${where} acknowledged the message (it closed the connection): whether ${broker} kept it is not known; the job runs again under the same message id`,
      secrets,
    ),
    summary: 'the receiver shut down before the broker acknowledged the message',
    errorCode: 'handler_shutdown',
  };
}

/**
 * Runs one publish; a failure that ends after `closes()` changed (the handler was closed meanwhile) is
 * reported as {@link shutDownOutcome}, whatever the client library made of its closed connection.
 */
export async function unlessShutDown(
  publish: () => Promise<HandlerOutcome>,
  closes: () => number,
  shutDown: () => HandlerOutcome,
): Promise<HandlerOutcome> {
  const before = closes();
  const outcome = await publish();
  return outcome.status === 'retry' && closes() !== before ? shutDown() : outcome;
}
