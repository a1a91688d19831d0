import { AdminAnswerError, type AdminTargetOptions, openAdminApi } from '../admin-api/admin-api-client.js';
import type { EraseRequestJson, ErasureReportJson } from '../admin-api/admin-types.js';
import { CliError } from '../cli-error.js';
import { defineCommand } from '../command.js';

export interface EraseOptions extends AdminTargetOptions {
  email?: string;
  shop?: string;
  orderId?: string;
  subscriberId?: string;
  reason: string;
  dryRun?: boolean;
  includeUnfinished?: boolean;
}

/**
 * What the erasure searched by (the `looked for:` line says it): whether an e-mail address (never the
 * address itself: it is personal data), and the shop's order innerId and subscriber id given.
 */
export interface EraseLookedFor {
  email: boolean;
  shop?: string;
  orderId?: string;
  subscriberId?: string;
}

/** What the receiver answered, with the receiver it came from and what was searched by (`--json`). */
export interface EraseResult extends ErasureReportJson {
  receiver: string;
  lookedFor: EraseLookedFor;
}

function count(n: number, one: string, many: string): string {
  return `${n} ${n === 1 ? one : many}`;
}

type SpoolMatchJson = NonNullable<EraseResult['spool']>['matches'][number];

/**
 * What to do about each spooled delivery the erasure named (not changed; the receiver stores it once its
 * store is reachable): one that holds the address or what was asked for is found again by the same
 * erasure; one found through an order or a subscriber holds no address, so only an erasure by that order
 * or subscriber finds it once stored.
 */
export function spoolLines(result: EraseResult): string[] {
  const matches = result.spool?.matches ?? [];
  const waiting = matches.filter((match) => !match.unreadable);
  const aside = matches.filter((match) => match.unreadable);
  const direct = waiting.filter((match) => match.orders === undefined && match.subscribers === undefined);
  const lines: string[] = [];
  if (direct.length > 0) {
    lines.push(
      `  ${count(direct.length, 'spooled delivery holds', 'spooled deliveries hold')} this data (${direct.map((match) => match.id).join(', ')}): ` +
        'not changed; the receiver stores them once its store is reachable again — run srhooks erase again then',
    );
  }
  const by = (match: SpoolMatchJson): string[] => [
    ...(match.orders ?? []).map((id) => `--shop ${match.shop} --order-id ${id}`),
    ...(match.subscribers ?? []).map((id) => `--shop ${match.shop} --subscriber-id ${id}`),
  ];
  for (const match of waiting.filter((found) => !direct.includes(found))) {
    lines.push(
      `  spooled delivery ${match.id} (${match.shop} ${match.event}) holds this person's ${match.orders ? 'order' : 'subscription'} without the address: ` +
        `not changed; once the receiver has stored it, run ${by(match)
          .map((flags) => `srhooks erase ${flags}`)
          .join(' and ')} (the address no longer finds it)`,
    );
  }
  if (aside.length > 0) {
    lines.push(
      `  ${count(aside.length, 'file', 'files')} in the spool's unreadable/ folder ${aside.length === 1 ? 'holds' : 'hold'} this data (${aside.map((match) => match.id).join(', ')}): ` +
        'never drained; delete them by hand',
    );
  }
  return lines;
}

/**
 * What an erasure looked in, said when nothing matched: "nothing stored holds this data" would claim more
 * than was searched (an address written only in a comment is not looked for). Only what was asked for is
 * named: an erasure by order id searches no e-mail field.
 */
export function lookedForLine(lookedFor: EraseLookedFor): string {
  const { email, shop, orderId, subscriberId } = lookedFor;
  const searched = [
    ...(email
      ? [
          "the address in orders' and subscribers' e-mail field (an order's email_hash too, with the other events of its orders and of its subscribers, and their quarantined deliveries) and in quarantined deliveries' raw bodies; " +
            'an address written only in another field (a comment) is not looked for',
        ]
      : []),
    ...(orderId === undefined
      ? []
      : [
          `order ${orderId} of ${shop}: its order events by innerId and the shop's quarantined order deliveries whose raw body holds that innerId`,
        ]),
    ...(subscriberId === undefined
      ? []
      : [
          `newsletter subscriber ${subscriberId} of ${shop}: its newsletter events by subscriber id and the shop's quarantined newsletter deliveries whose raw body holds that id`,
        ]),
  ];
  return `  looked for: ${searched.join('; and ')}`;
}

/**
 * The receiver's 409 `unfinished_jobs` in the CLI's words: its message says what blocked the erasure
 * (kept), and its advice names the admin API's field (`includeUnfinished`), so the fix line names this
 * command's flag instead. Any other refusal is passed on as it is.
 */
function erasureRefused(error: unknown): unknown {
  if (!(error instanceof AdminAnswerError) || error.code !== 'unfinished_jobs') return error;
  const jobs = Array.isArray(error.details.unfinishedJobs) ? error.details.unfinishedJobs.length : 0;
  const one = jobs === 1;
  // "… would send this data on: nothing was erased. Wait until they finish, or erase with includeUnfinished …"
  const blocked = error.message.replace(/\s*Wait until\b[\s\S]*$/, '').replace(/\.$/, '');
  return new CliError(blocked, {
    code: error.code,
    exitCode: error.exitCode,
    hint: `wait until ${one ? 'it finishes' : 'they finish'}, or run the same command with --include-unfinished, which cancels ${one ? 'it (its' : 'them (their'} handlers then do not send this data)`,
    cause: error,
  });
}

/** Erases (or finds, with --dry-run) one person's data in a receiver (`POST /admin/api/personal-data/erase`). */
export const eraseCommand = defineCommand<EraseOptions, EraseResult>({
  async run(options, context) {
    const api = await openAdminApi(options, context.env);
    const request: EraseRequestJson = {
      ...(options.email === undefined ? {} : { email: options.email }),
      ...(options.shop === undefined ? {} : { shop: options.shop }),
      ...(options.orderId === undefined ? {} : { orderId: options.orderId }),
      ...(options.subscriberId === undefined ? {} : { subscriberId: options.subscriberId }),
      reason: options.reason,
      ...(options.dryRun ? { dryRun: true } : {}),
      ...(options.includeUnfinished ? { includeUnfinished: true } : {}),
    };
    const answer = await api
      .post<ErasureReportJson>('/personal-data/erase', request)
      .catch((error: unknown) => {
        throw erasureRefused(error);
      });
    return {
      receiver: api.receiverUrl,
      lookedFor: {
        email: options.email !== undefined,
        ...(options.shop === undefined ? {} : { shop: options.shop }),
        ...(options.orderId === undefined ? {} : { orderId: options.orderId }),
        ...(options.subscriberId === undefined ? {} : { subscriberId: options.subscriberId }),
      },
      dryRun: answer.dryRun,
      erased: answer.erased,
      reason: answer.reason,
      events: answer.events,
      deliveries: answer.deliveries,
      groups: answer.groups,
      jobs: answer.jobs,
      unfinishedJobs: answer.unfinishedJobs,
      cancelledJobs: answer.cancelledJobs,
      ...(answer.walCheckpointed === undefined ? {} : { walCheckpointed: answer.walCheckpointed }),
      spool: answer.spool,
    };
  },

  render(result, style) {
    const what = `${count(result.events.length, 'event', 'events')} and ${count(result.deliveries.length, 'delivery', 'deliveries')}`;
    const groups = result.groups.map(
      (group) =>
        `  ${group.shop} ${group.event} ${group.status}: ${count(group.count, group.kind, group.kind === 'event' ? 'events' : 'deliveries')}`,
    );
    const ids = [
      ...(result.events.length > 0 ? [`  events: ${result.events.map((event) => event.id).join(', ')}`] : []),
      ...(result.deliveries.length > 0
        ? [`  deliveries: ${result.deliveries.map((delivery) => delivery.id).join(', ')}`]
        : []),
    ];
    const unfinished =
      result.unfinishedJobs.length > 0 && result.dryRun
        ? [
            `  ${count(result.unfinishedJobs.length, 'unfinished job', 'unfinished jobs')} (pending or running): the erasure needs --include-unfinished, which cancels them`,
          ]
        : [];
    const cancelled =
      result.cancelledJobs > 0
        ? [
            `  ${count(result.cancelledJobs, 'unfinished job', 'unfinished jobs')} cancelled: their handlers will not send this data`,
          ]
        : [];
    const wal =
      result.walCheckpointed === false
        ? [
            '  the SQLite WAL file could not be checkpointed now (another process reads the file): old copies stay in it until the next checkpoint',
          ]
        : [];
    const spool = spoolLines(result);
    const nothingFound = result.events.length === 0 && result.deliveries.length === 0;
    if (result.dryRun) {
      return [
        `${style.yellow('dry run')}: would erase the personal data of ${what}`,
        ...groups,
        ...ids,
        ...unfinished,
        ...(nothingFound ? [lookedForLine(result.lookedFor)] : []),
        ...spool,
      ].join('\n');
    }
    if (!result.erased) {
      return [
        `${style.green('✔')} nothing matched (nothing erased)`,
        lookedForLine(result.lookedFor),
        ...spool,
      ].join('\n');
    }
    return [
      `${style.green('✔')} erased the personal data of ${what} (reason: ${result.reason})`,
      ...groups,
      ...ids,
      ...cancelled,
      ...wal,
      ...spool,
      "  not reached: copies already sent to handler targets and brokers, backups, other systems' logs (see the receiver's docs/operations.md)",
    ].join('\n');
  },
});
