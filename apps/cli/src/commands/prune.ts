import { type AdminTargetOptions, openAdminApi } from '../admin-api/admin-api-client.js';
import { defineCommand } from '../command.js';

export interface PruneOptions extends AdminTargetOptions {
  olderThan: number;
  dryRun?: boolean;
  includeDeadLetters?: boolean;
}

export interface PruneResult {
  receiver: string;
  dryRun: boolean;
  before: string;
  deliveries: number;
  events: number;
  jobs: number;
  kept: number;
  /** App mode's charge bindings deleted with them (the receiver's docs/operations.md, Retention); absent in a dry run. */
  paymentBindings?: number;
}

function count(n: number, one: string, many: string): string {
  return `${n} ${n === 1 ? one : many}`;
}

/** Deletes (or counts, with --dry-run) a receiver's old deliveries now (`POST /admin/api/prune`). */
export const pruneCommand = defineCommand<PruneOptions, PruneResult>({
  async run(options, context) {
    const api = await openAdminApi(options, context.env);
    const answer = await api.post<Omit<PruneResult, 'receiver'>>('/prune', {
      olderThanDays: options.olderThan,
      ...(options.dryRun ? { dryRun: true } : {}),
      ...(options.includeDeadLetters ? { includeDeadLetters: true } : {}),
    });
    return {
      receiver: api.receiverUrl,
      dryRun: answer.dryRun,
      before: answer.before,
      deliveries: answer.deliveries,
      events: answer.events,
      jobs: answer.jobs,
      kept: answer.kept,
      ...(answer.paymentBindings === undefined ? {} : { paymentBindings: answer.paymentBindings }),
    };
  },

  render(result, style) {
    const what =
      `${count(result.deliveries, 'delivery', 'deliveries')} received before ${result.before} ` +
      `(${count(result.events, 'event', 'events')}, ${count(result.jobs, 'job', 'jobs')})`;
    const kept =
      result.kept > 0
        ? `\n  ${count(result.kept, 'older delivery', 'older deliveries')} kept: unfinished jobs, dead-lettered jobs or quarantined deliveries (kept unless --include-dead-letters), or originals of newer duplicates`
        : '';
    const bindings =
      (result.paymentBindings ?? 0) > 0
        ? `\n  ${count(result.paymentBindings ?? 0, 'charge binding', 'charge bindings')} of app mode deleted: no notification since then, no delivery kept refers to them`
        : '';
    if (result.dryRun) return `${style.yellow('dry run')}: would delete ${what}${kept}`;
    if (result.deliveries === 0 && bindings === '')
      return `${style.green('✔')} nothing to delete before ${result.before}${kept}`;
    return `${style.green('✔')} deleted ${what}${kept}${bindings}`;
  },
});
