/**
 * Per-handler metrics for every handler type: attempt duration, recorded around each runner's `run`;
 * attempts by the worker's final decision as the store took it (`countAttemptDecision`, the worker's
 * `onDecision`: a `retry` with no retry left counts as `dead`; an outcome the store ignored because the
 * attempt no longer held its job counts as `stale`); broker handlers also expose whether their
 * connection is up, and amqp handlers whether RabbitMQ blocks publishing over it.
 */
import type { ReceiverMetrics } from '../metrics/receiver-metrics.js';
import type { RecordedDecision } from './attempt-decision.js';
import type { HandlerRunner } from './handler-runner.js';

/** `srhooks_handler_attempts_total{handler,type,outcome}`: one per attempt the store answered, by its recorded decision. */
export function countAttemptDecision(
  metrics: ReceiverMetrics,
): (handler: HandlerRunner, decision: RecordedDecision) => void {
  return (handler, decision) =>
    metrics.handlerAttempts.inc({ handler: handler.name, type: handler.type, outcome: decision });
}

export function instrumentRunners(runners: HandlerRunner[], metrics: ReceiverMetrics): HandlerRunner[] {
  const instrumented = runners.map((runner) => instrumentRunner(runner, metrics));
  metrics.observeHandlerConnections(() => runners);
  return instrumented;
}

function instrumentRunner(runner: HandlerRunner, metrics: ReceiverMetrics): HandlerRunner {
  const labels = { handler: runner.name, type: runner.type };
  return {
    name: runner.name,
    type: runner.type,
    concurrency: runner.concurrency,
    retry: runner.retry,
    ...(runner.close ? { close: () => runner.close?.() ?? Promise.resolve() } : {}),
    ...(runner.check ? { check: () => runner.check?.() ?? Promise.resolve() } : {}),
    ...(runner.problem ? { problem: () => runner.problem?.() ?? null } : {}),
    get connected() {
      return runner.connected;
    },
    get blocked() {
      return runner.blocked;
    },
    async run(job) {
      const stopTimer = metrics.handlerAttemptDuration.startTimer(labels);
      try {
        return await runner.run(job);
      } finally {
        stopTimer();
      }
    },
  };
}
