/**
 * zod schemas of the admin API's query strings, path parameters and bodies (the inspector's filter
 * form uses the same ones). Empty values (`?shop=` from a form) count as absent.
 */

import { APP_EVENTS, isValidShopName, parseTime, TIME_EXPECTED, WEBHOOK_EVENTS } from '@srhooks/contracts';
import { z } from 'zod';
import { isDeadLetterCursor } from '../store/list-query.js';
import { isId } from '../store/sortable-id.js';
import { DELIVERY_STATUSES, EVENT_SOURCES, EVENT_STATUSES } from './admin-values.js';

const MAX_PAGE = 500;

/** An ISO 8601 date or date-time, no zone = UTC (contracts' parseTime: the CLI's `--since` checks with it too). */
export const TimeSchema = z.string().transform((value, ctx): Date => {
  const time = parseTime(value);
  if (time === null) {
    ctx.addIssue({ code: 'custom', message: TIME_EXPECTED });
    return z.NEVER;
  }
  return time;
});

const ID_PATTERN = /^[a-z]{2,8}_[0-9a-z]{1,64}$/;

/** An id of the admin API's lists, its message naming the kind the route takes (`dlv_…` or `evt_…`). */
function idSchemaOf(prefix: 'dlv' | 'evt') {
  return z.string().regex(ID_PATTERN, `must be an id as the admin API lists it, such as ${prefix}_01k…`);
}

export const ShopSchema = z.string().refine((name) => isValidShopName(name), {
  error: 'must be a ShopRenter shop name: lowercase letters, digits and hyphens',
});
/** Every event the store holds: the six webhook events and app mode's (contracts' APP_EVENTS). */
export const STORED_EVENTS = [...WEBHOOK_EVENTS, ...APP_EVENTS] as const;
export const EventNameSchema = z.enum(STORED_EVENTS, {
  error: `must be one of ${STORED_EVENTS.join(', ')}`,
});
export const SearchSchema = z.string().max(200, 'must be at most 200 characters');
/** A page size as a query string writes it: digits only (`Number()` would also take `0x2`, `2e0`, ` +2`). */
const LimitSchema = z
  .string()
  .regex(/^\d{1,6}$/, `must be a whole number written in digits, 1 to ${MAX_PAGE}`)
  .transform(Number)
  .pipe(z.number().min(1, 'must be at least 1').max(MAX_PAGE, `must be at most ${MAX_PAGE}`));
export const HandlerNameSchema = z
  .string()
  .regex(/^[A-Za-z0-9][A-Za-z0-9_.-]{0,62}$/, 'must be a handler name from srhooks.config.json');

/** A flag's text in a query string: `true`/`false`/`1`/`0`. */
const FLAG_TEXTS = ['true', 'false', '1', '0'] as const;

/**
 * A flag in a query string: `true`/`false`/`1`/`0` (or a JSON boolean). A JSON body's flags are JSON
 * booleans only ({@link jsonFlag}).
 */
export const FlagSchema = z.union(
  [z.boolean(), z.enum(FLAG_TEXTS).transform((value) => value === 'true' || value === '1')],
  { error: 'must be true or false' },
);

/** A handler an action names: blank (`?handler=`, `"handler": ""`) is refused, not read as "every handler". */
const ActionHandlerSchema = z
  .string({ error: 'must be text: a handler name from srhooks.config.json' })
  .superRefine((name, ctx) => {
    if (name.trim() === '') {
      ctx.addIssue({
        code: 'custom',
        message:
          'must not be blank: send the name of a configured handler (GET /admin/api/handlers), or leave handler out for every handler',
      });
    } else if (!HandlerNameSchema.safeParse(name).success) {
      ctx.addIssue({ code: 'custom', message: 'must be a handler name from srhooks.config.json' });
    }
  });

/** Drops keys whose value is an empty string, so blank form fields mean "no filter". */
function withoutBlanks(value: unknown): unknown {
  if (value === null || typeof value !== 'object' || Array.isArray(value)) return value;
  return Object.fromEntries(Object.entries(value).filter(([, inner]) => inner !== ''));
}

/** A time window's `from` must precede its `to`. */
function fromBeforeTo(value: unknown, ctx: z.core.$RefinementCtx): void {
  const { from, to } = value as { from?: unknown; to?: unknown };
  if (from instanceof Date && to instanceof Date && !(from < to)) {
    ctx.addIssue({ code: 'custom', path: ['to'], message: 'must be later than from' });
  }
}

/** A strict object of optional request fields; blank values dropped, `from` must precede `to`. */
export function requestObject<T extends z.core.$ZodLooseShape>(shape: T) {
  return z.preprocess(withoutBlanks, z.strictObject(shape).superRefine(fromBeforeTo));
}

/**
 * The options of an action that changes data (prune, recover): a strict object whose blank values are
 * refused by their fields, not dropped as a list filter's are. `?dryRun` or `?dryRun=` must not
 * quietly mean "not a dry run" and delete or store for real.
 */
export function actionObject<T extends z.core.$ZodLooseShape>(shape: T) {
  return z.strictObject(shape).superRefine(fromBeforeTo);
}

const timeRange = { from: TimeSchema.optional(), to: TimeSchema.optional() };
/**
 * A list's cursor: the `nextCursor` of the same list, so an id of that list's kind (`dlv_…` or `evt_…`)
 * in the full shape the store makes ids (sortable-id.ts); `dlv_zzzz` is refused, not read as "from the
 * start".
 */
export function cursorOf(prefix: 'dlv' | 'evt') {
  return idSchemaOf(prefix).refine((id) => isId(id, prefix), {
    error: `must be this list's nextCursor (an id such as ${prefix}_01k… as the list answered it); leave cursor out for the first page`,
  });
}
const deliveryPaging = { limit: LimitSchema.optional(), cursor: cursorOf('dlv').optional() };
const eventPaging = { limit: LimitSchema.optional(), cursor: cursorOf('evt').optional() };

/** `webhook` (delivered by the shop) or `recovery` (read back from its API). */
const SourceSchema = z.enum(EVENT_SOURCES, { error: `must be one of ${EVENT_SOURCES.join(', ')}` });

export const DeliveryListQuerySchema = requestObject({
  shop: ShopSchema.optional(),
  event: EventNameSchema.optional(),
  status: z.enum(DELIVERY_STATUSES, { error: `must be one of ${DELIVERY_STATUSES.join(', ')}` }).optional(),
  eventStatus: z.enum(EVENT_STATUSES, { error: `must be one of ${EVENT_STATUSES.join(', ')}` }).optional(),
  source: SourceSchema.optional(),
  /** Deliveries with an event that has a job for this handler. */
  handler: HandlerNameSchema.optional(),
  /** `waiting`: deliveries with a job waiting to run (not run yet, waiting for a retry or a disabled handler). */
  jobs: z.literal('waiting', { error: 'must be waiting (a job waiting to run) or absent' }).optional(),
  /** `true`: only deliveries whose personal data was erased; `false`: only the others. */
  erased: FlagSchema.optional(),
  q: SearchSchema.optional(),
  ...timeRange,
  /**
   * Deliveries received, re-processed, or with a job of one of their events written (run, retried,
   * finished, replayed, cancelled) at or after this time: what changed since a list's `asOf`.
   */
  changedSince: TimeSchema.optional(),
  ...deliveryPaging,
});
export type DeliveryListQuery = z.output<typeof DeliveryListQuerySchema>;

export const EventListQuerySchema = requestObject({
  shop: ShopSchema.optional(),
  event: EventNameSchema.optional(),
  status: z.enum(EVENT_STATUSES, { error: `must be one of ${EVENT_STATUSES.join(', ')}` }).optional(),
  deliveryId: idSchemaOf('dlv').optional(),
  source: SourceSchema.optional(),
  /** Events that have a job for this handler. */
  handler: HandlerNameSchema.optional(),
  /** `true`: only events whose personal data was erased; `false`: only the others. */
  erased: FlagSchema.optional(),
  q: SearchSchema.optional(),
  ...timeRange,
  ...eventPaging,
});
export type EventListQuery = z.output<typeof EventListQuerySchema>;

/** The dead-letter list's cursor: its `nextCursor` (`dead_…`). */
export const DeadLetterCursorSchema = z.string().refine(isDeadLetterCursor, {
  error:
    "must be this list's nextCursor (such as dead_0mj1k2l3m401k… as the list answered it); leave cursor out for the first page",
});

export const DeadLetterQuerySchema = requestObject({
  handler: HandlerNameSchema.optional(),
  ...timeRange,
  cursor: DeadLetterCursorSchema.optional(),
  limit: LimitSchema.optional(),
});

/**
 * Body (or query) of "replay dead letters": the dead-letter time window, optionally one handler. An
 * action: a blank value is refused, not dropped (`?handler=` must not replay every handler's).
 */
export const DeadLetterReplaySchema = actionObject({
  handler: ActionHandlerSchema.optional(),
  ...timeRange,
});
export type DeadLetterReplay = z.output<typeof DeadLetterReplaySchema>;

/**
 * "replay an event" takes `handler` (only that handler's job) as a JSON body (`{"handler":"erp"}`) or a
 * query string (`?handler=erp`), not both, like prune and recover; no handler replays every handler.
 */
export const ReplayRequestSchemas = {
  body: actionObject({ handler: ActionHandlerSchema.optional() }),
  query: actionObject({ handler: ActionHandlerSchema.optional() }),
};

/**
 * An action that takes no options (release, enable): an empty body, `{}` or no query. Anything else is
 * refused naming the field, not ignored.
 */
export const NoOptionsSchemas = { body: actionObject({}), query: actionObject({}) };

/** An id of either kind (the inspector's pages, whose errors are pages of their own). */
export const IdParamsSchema = z.strictObject({
  id: z
    .string()
    .regex(
      ID_PATTERN,
      'must be an id as the admin API lists it, such as dlv_01k… (a delivery) or evt_01k… (an event)',
    ),
});
export const DeliveryIdParamsSchema = z.strictObject({ id: idSchemaOf('dlv') });
export const EventIdParamsSchema = z.strictObject({ id: idSchemaOf('evt') });

/** The query of a route that takes none: any field is refused as unknown. */
export const NoQuerySchema = requestObject({});

export const HandlerParamsSchema = z.strictObject({ name: HandlerNameSchema });

export const ShopParamsSchema = z.strictObject({ shop: ShopSchema });

/**
 * A flag of a JSON body: a JSON boolean only. The text a query string would carry (`"true"`, `"0"`) is
 * refused with what to send instead, not read as the flag (see {@link FlagSchema} for the query).
 */
export function jsonFlag(field: string) {
  return z.boolean({
    error: (issue) =>
      typeof issue.input === 'string' && (FLAG_TEXTS as readonly string[]).includes(issue.input)
        ? `must be a JSON boolean, not the text "${issue.input}"; send "${field}": ${issue.input === 'true' || issue.input === '1'} without quotes`
        : 'must be true or false',
  });
}

/** JSON body of "re-process": the operator's override for a payment notification quarantined `shop_mismatch`. */
const ReprocessBodySchema = actionObject({
  acceptShopMismatch: jsonFlag('acceptShopMismatch').optional(),
});

/** "re-process" takes its option as a JSON body (a JSON boolean) or a query string (text). */
export const ReprocessRequestSchemas = {
  body: ReprocessBodySchema,
  query: actionObject({ acceptShopMismatch: FlagSchema.optional() }),
};

const WHOLE_DAYS_TEXT = /^\s*\d+\s*$/;

/** Prune's olderThanDays as a number; a JSON body's `"90"` is refused with what to send instead. */
const PruneDaysSchema = z
  .number({
    error: (issue) => {
      if (issue.input === undefined) {
        return 'is required: deliveries older than this many days are deleted (e.g. 90)';
      }
      if (typeof issue.input === 'string' && WHOLE_DAYS_TEXT.test(issue.input)) {
        return `must be a JSON number, not the text "${issue.input.trim()}"; send "olderThanDays": ${Number(issue.input)} without quotes`;
      }
      return 'must be a whole number of days';
    },
  })
  .int('must be a whole number of days')
  .min(1, 'must be at least 1')
  .max(36_500, 'must be at most 36500');

/**
 * JSON body of "prune": deliveries older than this many days go (see the store's prune). A JSON body
 * carries JSON numbers and booleans: `{"olderThanDays": 90, "dryRun": true}`, never `"90"` / `"true"`.
 */
export const PruneBodySchema = actionObject({
  olderThanDays: PruneDaysSchema,
  dryRun: jsonFlag('dryRun').optional(),
  includeDeadLetters: jsonFlag('includeDeadLetters').optional(),
});

/** Query of "prune" (`?olderThanDays=90&dryRun=1`): a query string brings text, read as the number and flags. */
export const PruneQuerySchema = actionObject({
  olderThanDays: z.preprocess(
    // "90" → 90 (anything else stays as it is and is refused by the number).
    (value) => (typeof value === 'string' && WHOLE_DAYS_TEXT.test(value) ? Number(value) : value),
    PruneDaysSchema,
  ),
  dryRun: FlagSchema.optional(),
  includeDeadLetters: FlagSchema.optional(),
});

/** "prune" takes its options as a JSON body or as a query string, each with its own types. */
export const PruneRequestSchemas = { body: PruneBodySchema, query: PruneQuerySchema };
export type PruneRequest = z.output<typeof PruneBodySchema>;

/** The one handler a backfill sends events to: required, blank refused (a backfill never means "every handler"). */
const BackfillHandlerSchema = z
  .string({
    error: (issue) =>
      issue.input === undefined
        ? 'is required: the configured handler the events are replayed to (GET /admin/api/handlers)'
        : 'must be text: a handler name from srhooks.config.json',
  })
  .superRefine((name, ctx) => {
    if (!HandlerNameSchema.safeParse(name).success) {
      ctx.addIssue({
        code: 'custom',
        message:
          name.trim() === ''
            ? 'must not be blank: send the name of one configured handler (GET /admin/api/handlers)'
            : 'must be a handler name from srhooks.config.json',
      });
    }
  });

/** The start of a backfill's window: required, so that a backfill never replays a whole store by accident. */
const BackfillFromSchema = z
  .string({
    error: (issue) =>
      issue.input === undefined
        ? 'is required: events received at or after this time are replayed (ISO 8601, e.g. 2025-12-01)'
        : 'must be an ISO 8601 date or date-time such as 2025-12-01',
  })
  .pipe(TimeSchema);

const backfillWindow = {
  handler: BackfillHandlerSchema,
  from: BackfillFromSchema,
  to: TimeSchema.optional(),
  shop: ShopSchema.optional(),
  event: EventNameSchema.optional(),
};

/**
 * "backfill": replay the events received in [from, to) (to: now when left out), of one shop and event
 * when given, to one handler; `missingOnly`: only events that have no job of that handler yet (a handler
 * added after they arrived). A JSON body's flags are JSON booleans; a query string's are text.
 */
export const BackfillRequestSchemas = {
  body: actionObject({
    ...backfillWindow,
    missingOnly: jsonFlag('missingOnly').optional(),
    dryRun: jsonFlag('dryRun').optional(),
  }),
  query: actionObject({
    ...backfillWindow,
    missingOnly: FlagSchema.optional(),
    dryRun: FlagSchema.optional(),
  }),
};
export type BackfillRequest = z.output<(typeof BackfillRequestSchemas)['body']>;
