import { formatDuration } from '@srhooks/contracts/duration';
import type { OrderSimulator } from '@srhooks/sandbox';
import { CliError } from '../../cli-error.js';
import { demoHandlerError } from './arrived-event.js';
import type { ReceiverStore } from './demo-services.js';
import type { ExpectedArrival } from './shop-activity.js';

type EventSummary = Awaited<ReturnType<ReceiverStore['listEvents']>>['items'][number];
export type EventDetail = NonNullable<Awaited<ReturnType<ReceiverStore['getEvent']>>>;

export interface Arrival {
  expected: ExpectedArrival;
  event: EventDetail;
}

export interface WaitForArrivalsOptions {
  store: ReceiverStore;
  simulator: OrderSimulator;
  shop: string;
  expected: readonly ExpectedArrival[];
  timeoutMs: number;
  /** Called whenever the counts change. */
  onProgress?: (progress: { stored: number; handled: number; total: number }) => void;
  /** Stops waiting (Ctrl-C); the wait then rejects with this signal's reason. */
  signal?: AbortSignal;
}

/** Event statuses after which nothing more happens on its own (no handler configured = `stored`). */
const SETTLED = new Set(['succeeded', 'dead', 'stored']);
/** How often the store is read when no change arrives (the change feed wakes the loop at once). */
const POLL_MS = 100;

function matches(summary: EventSummary, expected: ExpectedArrival): boolean {
  return (
    summary.event === expected.event &&
    summary.subjectId === expected.subjectId &&
    summary.duplicateOf === null
  );
}

/**
 * Waits until every expected event is stored by the receiver and its handler jobs are settled
 * (succeeded or dead-lettered), woken by the store's change feed. Fails at once when the sandbox's
 * delivery failed (ShopRenter never retries, so it will not come), and after `timeoutMs` with the
 * list of what did not arrive or is not handled yet.
 */
export async function waitForArrivals(options: WaitForArrivalsOptions): Promise<Arrival[]> {
  const { store, expected } = options;
  const deadline = Date.now() + options.timeoutMs;
  let wake: (() => void) | undefined;
  const unsubscribe = store.onChange(() => wake?.());
  const onAbort = (): void => wake?.();
  options.signal?.addEventListener('abort', onAbort);
  let reported = '';
  try {
    for (;;) {
      options.signal?.throwIfAborted();
      const page = await store.listEvents({ shop: options.shop, limit: 500 });
      const found = expected.map((entry) => page.items.find((summary) => matches(summary, entry)));
      const stored = found.filter(Boolean).length;
      const handled = found.filter((summary) => summary && SETTLED.has(summary.status)).length;
      const progress = `${stored}/${handled}`;
      if (progress !== reported) {
        reported = progress;
        options.onProgress?.({ stored, handled, total: expected.length });
      }
      if (handled === expected.length) {
        return Promise.all(
          expected.map(async (entry, index) => {
            const event = await store.getEvent((found[index] as EventSummary).id);
            if (!event) throw new CliError(`event ${found[index]?.id} vanished from the receiver's store`);
            return { expected: entry, event };
          }),
        );
      }
      failOnFailedDelivery(options, found);
      if (Date.now() >= deadline) throw await timeoutError(options, found);
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, Math.min(POLL_MS, Math.max(0, deadline - Date.now())));
        wake = () => {
          clearTimeout(timer);
          resolve();
        };
      });
      wake = undefined;
    }
  } finally {
    unsubscribe();
    options.signal?.removeEventListener('abort', onAbort);
  }
}

function deliveryStates(options: WaitForArrivalsOptions, entry: ExpectedArrival) {
  const attempts = options.simulator.deliveries(options.shop);
  return entry.deliveryIds.map((id) => attempts.find((attempt) => attempt.id === id));
}

function failOnFailedDelivery(options: WaitForArrivalsOptions, found: (EventSummary | undefined)[]): void {
  options.expected.forEach((entry, index) => {
    if (found[index]) return;
    const attempts = deliveryStates(options, entry);
    if (attempts.length > 0 && attempts.every((attempt) => attempt?.state === 'failed')) {
      const attempt = attempts[0];
      const answer = attempt?.status ? `HTTP ${attempt.status}` : (attempt?.error ?? 'no answer');
      throw new CliError(
        `the sandbox could not deliver ${entry.event} ${entry.subject} to the receiver: ${answer}`,
        {
          code: 'demo_delivery_failed',
          hint: "ShopRenter does not retry a failed delivery; run again with --debug to see the receiver's logs",
        },
      );
    }
  });
}

async function timeoutError(
  options: WaitForArrivalsOptions,
  found: (EventSummary | undefined)[],
): Promise<CliError> {
  const missing: string[] = [];
  for (const [index, entry] of options.expected.entries()) {
    const summary = found[index];
    const name = `${entry.event} ${entry.subject}`;
    if (!summary) {
      const states = [
        ...new Set(deliveryStates(options, entry).map((attempt) => attempt?.state ?? 'unknown')),
      ];
      missing.push(
        `${name} not stored (${states.length > 0 ? `sandbox delivery ${states.join('/')}` : 'no delivery from the sandbox'})`,
      );
      continue;
    }
    if (SETTLED.has(summary.status)) continue;
    const detail = await options.store.getEvent(summary.id);
    const jobs = (detail?.jobs ?? [])
      .filter((job) => job.status !== 'succeeded')
      .map(
        (job) =>
          `${job.handler} ${job.status}${job.lastError ? `: ${demoHandlerError(job.lastError, job.lastErrorSummary)}` : ''}`,
      );
    missing.push(`${name} not handled (${jobs.join(', ') || summary.status})`);
  }
  return new CliError(
    `timed out after ${formatDuration(options.timeoutMs)} waiting for ${missing.length} of ${options.expected.length} events: ${missing.join('; ')}`,
    {
      code: 'demo_timeout',
      hint: "run again with --debug to see the receiver's logs, or give it longer with --timeout (e.g. --timeout 2m)",
    },
  );
}
