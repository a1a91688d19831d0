import { AdminAnswerError, type AdminTargetOptions, openAdminApi } from '../../admin-api/admin-api-client.js';
import { formatOrder, formatTime } from '../../admin-api/admin-format.js';
import { checkHandlerKnown } from '../../admin-api/admin-input.js';
import type { DeadLetterJson } from '../../admin-api/admin-types.js';
import {
  givenFlags,
  isLaterPage,
  type ListingPage,
  moreLine,
  noneListed,
  withNextPageFlags,
} from '../../admin-api/listing-command.js';
import { maskDeadLetter, maskedNote, shown } from '../../admin-api/personal-data.js';
import { defineCommand } from '../../command.js';
import { renderTable } from '../../output/index.js';

export interface ListDeadLettersOptions extends AdminTargetOptions {
  handler?: string;
  from?: string;
  to?: string;
  limit?: number;
  cursor?: string;
  /** Last errors and customer names unmasked. */
  reveal?: boolean;
}

/**
 * One page (`revealed` false: the jobs' last errors hidden and customer names masked), its `nextCursor`
 * (`--cursor` of the next page, null on the last) and `total`, the dead letters the filter matches.
 */
export interface ListDeadLettersResult extends ListingPage<DeadLetterJson> {
  total: number;
}

/**
 * Wide enough for a masked error whole (`HTTP 400 error hidden (182 characters; pass --reveal to read
 * it)`) and for the receiver's summary of a forward failure (`HTTP 503 erp.example.com answered 503`).
 */
const ERROR_WIDTH = 100;

/** Dead-lettered handler jobs, newest first, a page at a time (`GET /admin/api/dead-letters`). */
export const listDeadLettersCommand = defineCommand<ListDeadLettersOptions, ListDeadLettersResult>({
  async run(options, context) {
    const api = await openAdminApi(options, context.env);
    const answer = await api
      .get<{ items: DeadLetterJson[]; nextCursor: string | null; total: number }>('/dead-letters', {
        handler: options.handler,
        from: options.from,
        to: options.to,
        limit: options.limit,
        cursor: options.cursor,
      })
      .catch(async (error: unknown) => {
        // The receiver refuses a handler neither configured nor with dead letters: said as `retry` says it.
        if (error instanceof AdminAnswerError && error.code === 'unknown_handler' && options.handler) {
          await checkHandlerKnown(api, options.handler);
        }
        throw error;
      });
    if (answer.items.length === 0 && options.handler) await checkHandlerKnown(api, options.handler);
    const { revealed, value: items } = shown(options.reveal, answer.items, (answer) =>
      answer.map(maskDeadLetter),
    );
    return withNextPageFlags(
      {
        receiver: api.receiverUrl,
        revealed,
        items,
        nextCursor: answer.nextCursor,
        total: answer.total,
      },
      [
        ['--handler', options.handler],
        ['--from', options.from],
        ['--to', options.to],
        ['--limit', options.limit],
        ['--cursor', options.cursor],
      ],
    );
  },

  render(result, style) {
    if (result.items.length === 0) return `${style.green('✔')} ${noneListed('dead letters', result)}`;
    const table = renderTable(result.items, [
      { header: 'JOB', value: ({ job }) => job.id },
      { header: 'HANDLER', value: ({ job }) => job.handler },
      { header: 'SHOP', value: ({ event }) => event.shop },
      { header: 'EVENT', value: ({ event }) => `${event.id} ${event.event}` },
      { header: 'ORDER', value: ({ event }) => formatOrder(event) },
      { header: 'ATTEMPTS', value: ({ job }) => String(job.attempts), align: 'right' },
      { header: 'DEAD SINCE', value: ({ job }) => (job.finishedAt ? formatTime(job.finishedAt) : '') },
      {
        header: 'LAST ERROR',
        value: ({ job }) => {
          // masked: the receiver's own summary alone when there is one (the note under the table says
          // --reveal shows the error whole), else the hidden error's length
          const shown = !result.revealed && job.lastErrorSummary ? job.lastErrorSummary : job.lastError;
          const error = [job.lastStatusCode ? `HTTP ${job.lastStatusCode}` : '', shown ?? '']
            .filter(Boolean)
            .join(' ');
          return error.length > ERROR_WIDTH ? `${error.slice(0, ERROR_WIDTH - 1)}…` : error;
        },
      },
    ]);
    const listed = result.items.length;
    const total = result.total.toLocaleString('en-US');
    const count = listed === result.total ? total : `${listed} of ${total}`;
    const lines = [
      table,
      ...moreLine('dead-letters', result).map((line) => style.dim(line)),
      style.dim(
        // retry takes the same filters: without them its command would retry every dead letter
        `${count} dead letter${result.total === 1 ? '' : 's'}${isLaterPage(result) ? ' (a later page)' : ''}; srhooks dead-letters retry${givenFlags(result, ['--handler', '--from', '--to'])} runs them again (every page, not only this one)`,
      ),
    ];
    if (!result.revealed && result.items.some(({ job }) => job.lastError !== null))
      lines.push(style.dim(maskedNote("the last errors whole (they quote the target's answer)")));
    return lines.join('\n');
  },
});
