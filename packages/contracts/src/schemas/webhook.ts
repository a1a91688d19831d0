import { z } from 'zod';
import { delayHours, MAX_WEBHOOK_DELAY_HOURS, OUTER_ID_PATTERN } from '../assumptions.js';
import { fieldsForEvent } from '../catalogue/field-catalogue.js';
import { DELAY_UNITS, DELIVERY_FORMATS, WEBHOOK_EVENTS, type WebhookEvent } from '../events.js';
import { LinkSchema, LooseNumberSchema, LooseStringSchema, looseList } from './loose.js';

/** `status` as responses send it ("0"/"1") and as requests may send it (0/1, "0"/"1"). */
export const WebhookStatusSchema = z
  .union([z.literal('0'), z.literal('1'), z.literal(0), z.literal(1)])
  .transform((value): '0' | '1' => (String(value) === '1' ? '1' : '0'));

// ---------- responses (raw, as the API sends them) ----------

export const WebhookParameterRawSchema = z.looseObject({
  type: z.enum(DELIVERY_FORMATS),
  url: z.string(),
  /** XML readers turn one `<fields>` into a string; absent = the shop's default set. */
  fields: looseList(z.string()).optional(),
  webHook: LinkSchema.optional(),
});

export const WebhookDelayRawSchema = z.looseObject({
  delay: LooseNumberSchema,
  delayUnit: z.enum(DELAY_UNITS),
  webHook: LinkSchema.optional(),
});

/**
 * One webhook as the API returns it. `webHookParameters` and `webHookDelay` arrive as a single
 * object (GET one), an array (create answer) or `[]` (FACTS.md §3).
 */
export const WebhookRawSchema = z.looseObject({
  href: z.string().optional(),
  id: z.string(),
  event: z.enum(WEBHOOK_EVENTS),
  status: WebhookStatusSchema,
  label: LooseStringSchema.transform((value) => value ?? ''),
  webHookParameters: looseList(WebhookParameterRawSchema),
  webHookDelay: looseList(WebhookDelayRawSchema).optional(),
});

// ---------- the normalised model srhooks hands its users ----------

export const WebhookParameterSchema = z.object({
  type: z.enum(DELIVERY_FORMATS),
  url: z.string(),
  fields: z.array(z.string()).optional(),
});

export const WebhookDelaySchema = z.object({
  delay: z.number(),
  delayUnit: z.enum(DELAY_UNITS),
});

export const WebhookSchema = z.object({
  id: z.string(),
  href: z.string().optional(),
  event: z.enum(WEBHOOK_EVENTS),
  label: z.string(),
  status: z.enum(['0', '1']),
  enabled: z.boolean(),
  webHookParameters: z.array(WebhookParameterSchema),
  webHookDelay: z.array(WebhookDelaySchema),
});

export type WebhookRaw = z.infer<typeof WebhookRawSchema>;
export type WebhookRawInput = z.input<typeof WebhookRawSchema>;
export type Webhook = z.infer<typeof WebhookSchema>;
export type WebhookParameter = z.infer<typeof WebhookParameterSchema>;
export type WebhookDelay = z.infer<typeof WebhookDelaySchema>;

/** Turns a parsed raw webhook into the normalised model: arrays always, `enabled` beside `status`, no back-links. */
export function normaliseWebhook(raw: WebhookRaw): Webhook {
  return {
    id: raw.id,
    ...(raw.href === undefined ? {} : { href: raw.href }),
    event: raw.event,
    label: raw.label,
    status: raw.status,
    enabled: raw.status === '1',
    webHookParameters: raw.webHookParameters.map((p) => ({
      type: p.type,
      url: p.url,
      ...(p.fields === undefined ? {} : { fields: p.fields }),
    })),
    webHookDelay: (raw.webHookDelay ?? [])
      .filter((d): d is typeof d & { delay: number } => d.delay !== null)
      .map((d) => ({ delay: d.delay, delayUnit: d.delayUnit })),
  };
}

/** Parses an API answer for one webhook and normalises it. */
export const WebhookResponseSchema = WebhookRawSchema.transform(normaliseWebhook);

/** Decodes `webHooks/{id}` ids: base64 of `webHook-notification_id=<n>`. */
export function webhookNumericId(id: string): number | undefined {
  const match = /^webHook-notification_id=(\d+)$/.exec(Buffer.from(id, 'base64').toString('latin1'));
  return match ? Number(match[1]) : undefined;
}

export function webhookIdFor(numericId: number): string {
  return Buffer.from(`webHook-notification_id=${numericId}`).toString('base64');
}

// ---------- outer ids (FACTS.md §9, sr-api-docs development/api/05_outer_id.md) ----------

/**
 * An **outer id**: an `id` the client chooses (`POST /webHooks` with `id` in the body, or
 * `POST /webHooks/{id}`); it is then the item's `id` and works in GET/PUT/DELETE. The allowed
 * characters are an assumption (`OUTER_ID_PATTERN`, assumptions.ts [A18]).
 */
export { OUTER_ID_PATTERN };

export const OuterIdSchema = z
  .string()
  .regex(OUTER_ID_PATTERN, 'an outer id is 1-200 characters from A-Z a-z 0-9 - _ . ~');

export function isOuterId(value: unknown): value is string {
  return typeof value === 'string' && OUTER_ID_PATTERN.test(value);
}

// ---------- requests (POST/PUT body) ----------

export const WebhookParameterInputSchema = z.object({
  type: z.enum(DELIVERY_FORMATS),
  url: z.string().url('url must be an absolute URL such as https://hooks.example.com/…'),
  fields: z.array(z.string()).optional(),
});

/** One `webHookDelay` entry of a request: a whole number of hours or days, 1 or more (A24). */
const DELAY_VALUE_MESSAGE = 'delay must be a whole number of hours or days, 1 or more';

export const WebhookDelayInputSchema = z.object({
  delay: z.union(
    [
      z
        .string()
        .regex(/^\d+$/, DELAY_VALUE_MESSAGE)
        .refine((value) => Number(value) >= 1, DELAY_VALUE_MESSAGE),
      z.number().int(DELAY_VALUE_MESSAGE).min(1, DELAY_VALUE_MESSAGE),
    ],
    { error: DELAY_VALUE_MESSAGE },
  ),
  delayUnit: z.enum(DELAY_UNITS),
});

/**
 * [A24] The delays of one webHook add up (A10) to at most `MAX_WEBHOOK_DELAY_HOURS`: the one rule
 * the client checks before sending and the sandbox answers 40005 for.
 */
export function webhookDelayProblem(
  delays: readonly { delay: string | number; delayUnit: (typeof DELAY_UNITS)[number] }[],
): string | null {
  const hours = delayHours(delays.map((d) => ({ delay: Number(d.delay), delayUnit: d.delayUnit })));
  if (Number.isFinite(hours) && hours <= MAX_WEBHOOK_DELAY_HOURS) return null;
  return `${delays.map((d) => `${d.delay} ${d.delayUnit}`).join(' + ')} is too long; the delays of a webHook add up to at most ${MAX_WEBHOOK_DELAY_HOURS / 24} days (${MAX_WEBHOOK_DELAY_HOURS} hours)`;
}

const WebhookDelayListInputSchema = z.array(WebhookDelayInputSchema).superRefine((delays, ctx) => {
  const problem = webhookDelayProblem(delays);
  if (problem !== null) ctx.addIssue({ code: 'custom', message: problem, input: delays });
});

const webhookInputShape = {
  /** An outer id (FACTS.md §9): on POST it becomes the item's id; on PUT it sets or replaces it. */
  id: OuterIdSchema.optional(),
  event: z.enum(WEBHOOK_EVENTS),
  status: WebhookStatusSchema,
  label: z.string().min(1, 'label cannot be empty'),
  webHookParameters: z
    .array(WebhookParameterInputSchema)
    .min(1, 'at least one webHookParameters entry is required'),
  webHookDelay: WebhookDelayListInputSchema.optional(),
};

function checkFields(
  value: {
    event?: WebhookEvent | undefined;
    webHookParameters?: { fields?: string[] | undefined }[] | undefined;
  },
  ctx: z.RefinementCtx,
): void {
  if (!value.event || !value.webHookParameters) return;
  const allowed = new Set(fieldsForEvent(value.event).map((f) => f.field));
  value.webHookParameters.forEach((parameter, index) => {
    (parameter.fields ?? []).forEach((field, fieldIndex) => {
      if (!allowed.has(field)) {
        ctx.addIssue({
          code: 'custom',
          path: ['webHookParameters', index, 'fields', fieldIndex],
          message: `field "${field}" is not available for event ${value.event}`,
          input: field,
        });
      }
    });
  });
}

/** Body of `POST /webHooks`: everything required, `fields` checked against the event. */
export const WebhookInputSchema = z.object(webhookInputShape).superRefine(checkFields);

/** Body of `PUT /webHooks/{id}`: any subset; `fields` checked when the event is given. */
export const WebhookUpdateInputSchema = z.object(webhookInputShape).partial().superRefine(checkFields);

export type WebhookInput = z.input<typeof WebhookInputSchema>;
export type WebhookUpdateInput = z.input<typeof WebhookUpdateInputSchema>;

// ---------- collection ----------

export const WebhookCollectionSchema = z.looseObject({
  href: z.string(),
  page: LooseNumberSchema,
  limit: LooseNumberSchema,
  first: LinkSchema.nullable(),
  previous: LinkSchema.nullable(),
  next: LinkSchema.nullable(),
  last: LinkSchema.nullable(),
  /** Links (`full=0`) or whole items (`full=1`). */
  items: looseList(z.union([WebhookRawSchema, LinkSchema])),
});

export type WebhookCollection = z.infer<typeof WebhookCollectionSchema>;
