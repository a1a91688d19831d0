/**
 * Per-handler metrics for every handler type: attempts by outcome and attempt duration, recorded
 * around each runner's `run`; broker handlers also expose whether their connection is up.
 */
import type { ReceiverMetrics } from '../metrics/receiver-metrics.js';
import type { HandlerRunner } from './handler-runner.js';

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
    get connected() {
      return runner.connected;
    },
    async run(job) {
      const stopTimer = metrics.handlerAttemptDuration.startTimer(labels);
      try {
        const outcome = await runner.run(job);
        metrics.handlerAttempts.inc({ ...labels, outcome: outcome.status });
        return outcome;
      } catch (error) {
        metrics.handlerAttempts.inc({ ...labels, outcome: 'retry' });
        throw error;
      } finally {
        stopTimer();
      }
    },
  };
}
