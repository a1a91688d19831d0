/**
 * The `log` handler: one JSON line per event on stdout (for `docker logs`, a log shipper, or just
 * watching orders arrive). Personal data is masked (mask-personal-data.ts: only the fields that say
 * nothing about the person are printed as sent); the line carries the job id for correlation.
 */
import type { ClaimedJob } from '../../store/store.js';
import type { HandlerOutcome } from '../handler-outcome.js';
import { maskPersonalData, maskSubjectId } from './mask-personal-data.js';

export interface LogHandlerOptions {
  /** Where lines go; default process.stdout. */
  write?: (line: string) => void;
  /** Default the system clock. */
  now?: () => Date;
}

export type LogHandler = (job: ClaimedJob) => Promise<HandlerOutcome>;

export function createLogHandler(options: LogHandlerOptions = {}): LogHandler {
  const write = options.write ?? ((line: string) => process.stdout.write(line));
  const now = options.now ?? (() => new Date());
  return async (job) => {
    const line = {
      time: now().toISOString(),
      type: `shoprenter.${job.event}`,
      jobId: job.id,
      eventId: job.eventId,
      deliveryId: job.deliveryId,
      shop: job.shop,
      event: job.event,
      subjectId: maskSubjectId(job.subjectId),
      receivedAt: job.receivedAt.toISOString(),
      attempt: job.attempt,
      payload: maskPersonalData(job.payload),
    };
    write(`${JSON.stringify(line)}\n`);
    return { status: 'succeeded' };
  };
}
