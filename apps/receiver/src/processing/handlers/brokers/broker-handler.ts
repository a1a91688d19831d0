/**
 * A handler that publishes to a message broker over one long-lived connection of its own (opened on
 * the first job, reconnecting by itself, closed when the worker stops; a later job opens it again).
 */
import type { ClaimedJob } from '../../../store/store.js';
import type { HandlerOutcome } from '../../handler-outcome.js';

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
}
