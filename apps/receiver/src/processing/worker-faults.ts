/**
 * The worker's fault hooks (tests): a hook that throws makes the worker drop the job where it is, as a
 * dying process would — its outcome is never written and its lease runs out.
 */
import type { Logger } from 'pino';
import type { ClaimedJob } from '../store/store.js';
import type { HandlerOutcome } from './handler-outcome.js';

/** Hooks that simulate a crash at a precise point (tests). A hook that throws makes the worker drop the job on the floor, as a dying process would. */
export interface JobWorkerFaults {
  /** After the claim (lease) is committed, before verification and the handler. */
  beforeHandle?(job: ClaimedJob): void | Promise<void>;
  /** After the handler returned, before its outcome is written (the job will run again: at-least-once). */
  beforeSettle?(job: ClaimedJob, outcome: HandlerOutcome): void | Promise<void>;
}

/** Runs a fault hook: false (logged) when it fired, and the job is to be dropped. */
export async function survivesFault(
  hook: () => void | Promise<void> | undefined,
  log: Logger,
  name: string,
): Promise<boolean> {
  try {
    await hook();
    return true;
  } catch (error) {
    log.warn({ err: error, fault: name }, 'fault hook fired: dropping the job as a crashed process would');
    return false;
  }
}
