import type { ClaimedJob } from '../store/store.js';
import type { HandlerOutcome } from './handler-outcome.js';
import type { HandlerProblem } from './handler-problems.js';
import type { RetrySchedule } from './retry-schedule.js';

/** A configured handler as the worker runs it. */
export interface HandlerRunner {
  /** The handler's name in srhooks.config.json (jobs carry it). */
  readonly name: string;
  readonly type: string;
  /** At most this many of its jobs run at the same time in one worker. */
  readonly concurrency: number;
  readonly retry: RetrySchedule;
  /** One attempt. Throwing counts as `retry`. */
  run(job: ClaimedJob): Promise<HandlerOutcome>;
  /**
   * Whether the handler can run, looked at once when the worker starts (a module file imports and
   * exports handlers); the worker logs a failure and starts anyway: the handler's jobs are kept and
   * retried, so fixing the cause is enough.
   */
  check?(): Promise<void>;
  /** Releases what the handler holds open (a broker connection); the worker calls it when it stops. */
  close?(): Promise<void>;
  /** Broker handlers: true while their connection is up (a metrics gauge). */
  readonly connected?: boolean;
  /**
   * Broker handlers that can tell (amqp): true while the broker blocks publishing over their live
   * connection (RabbitMQ's connection.blocked; a metrics gauge).
   */
  readonly blocked?: boolean;
  /**
   * Broker handlers: why their jobs fail now — the connection is down (or the broker refused the
   * publish) since the first of the failed attempts in a row, with the last one's error (names the
   * broker, never order data) — or null once an attempt succeeded or the connection is back.
   */
  problem?(): HandlerProblem | null;
}
