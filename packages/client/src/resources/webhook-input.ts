import { validateFields } from '@srhooks/contracts/catalogue';
import { FieldNotAvailableError } from '@srhooks/contracts/errors';
import {
  DELAY_UNITS,
  DELIVERY_FORMATS,
  type DelayUnit,
  type DeliveryFormat,
  isWebhookEvent,
  WEBHOOK_EVENTS,
  type WebhookEvent,
} from '@srhooks/contracts/events';
import { meantName } from '@srhooks/contracts/meant-name';
import {
  WebhookDelayInputSchema,
  type WebhookInput,
  WebhookInputSchema,
  WebhookParameterInputSchema,
  webhookDelayProblem,
} from '@srhooks/contracts/schemas/webhook';
import { assertSecureUrl } from '../endpoint-urls.js';
import { InputError } from '../errors.js';
import { WebhookSpecEntrySchema } from '../sync/webhook-spec-entry.js';

/**
 * The friendly way to describe one subscription (also what `planSync` takes as `desired`).
 * Omitted properties mean their defaults: `type: 'json'`, no `fields` (the shop's default set),
 * no delay, `enabled: true`, `label: "srhooks <event>"`.
 */
export interface WebhookSpec {
  event: WebhookEvent;
  url: string;
  type?: DeliveryFormat;
  fields?: string[];
  /** Send later instead of at once; `null`/absent = at once. */
  delay?: { value: number; unit: DelayUnit } | null;
  label?: string;
  enabled?: boolean;
}

/** A spec with every default filled in and `fields` de-duplicated. */
export interface ResolvedWebhookSpec {
  event: WebhookEvent;
  url: string;
  type: DeliveryFormat;
  fields: string[];
  delay: { value: number; unit: DelayUnit } | null;
  label: string;
  enabled: boolean;
}

/** What `create` and `update` accept: a friendly spec or the API's own body shape. */
export type WebhookInputLike = WebhookSpec | WebhookInput;

export function defaultLabel(event: WebhookEvent): string {
  return `srhooks ${event}`;
}

function isApiShape(input: WebhookInputLike): input is WebhookInput {
  return typeof input === 'object' && input !== null && 'webHookParameters' in input;
}

/** Validates a friendly spec and fills in defaults. `where` prefixes field names in errors (`desired[3]`). */
export function resolveWebhookSpec(spec: unknown, where = 'input'): ResolvedWebhookSpec {
  if (!spec || typeof spec !== 'object' || Array.isArray(spec)) {
    throw new InputError(`${where} must be an object like {event, url}`, { field: where, value: spec });
  }
  const s = spec as Record<string, unknown>;
  checkKeys(s, SPEC_KEYS, where, 'a webhook spec {event, url, …}', SPEC_MEANT);
  if (s.delay !== null && typeof s.delay === 'object' && !Array.isArray(s.delay)) {
    checkKeys(
      s.delay as Record<string, unknown>,
      SPEC_DELAY_KEYS,
      `${where}.delay`,
      'a delay {value, unit}',
      {
        delay: 'value',
        delayUnit: 'unit',
      },
    );
  }
  const event = checkEvent(s.event, `${where}.event`);
  const url = checkDeliveryUrl(s.url, `${where}.url`);
  const type = checkEnum(s.type ?? 'json', DELIVERY_FORMATS, `${where}.type`);
  const fields = checkFields(event, s.fields, `${where}.fields`);
  let delay: ResolvedWebhookSpec['delay'] = null;
  if (s.delay !== undefined && s.delay !== null) {
    if (typeof s.delay !== 'object') {
      throw new InputError(`${where}.delay must be {value, unit} such as {value: 2, unit: 'hour'}`, {
        field: `${where}.delay`,
        value: s.delay,
      });
    }
    const d = s.delay as Record<string, unknown>;
    delay = {
      value: checkDelayValue(d.value, `${where}.delay.value`),
      unit: checkEnum(d.unit, DELAY_UNITS, `${where}.delay.unit`),
    };
    checkDelayTotal([{ delay: delay.value, delayUnit: delay.unit }], `${where}.delay`, s.delay);
  }
  let label = defaultLabel(event);
  if (s.label !== undefined) {
    if (typeof s.label !== 'string' || s.label.trim() === '') {
      throw new InputError(`${where}.label must be a non-empty string`, {
        field: `${where}.label`,
        value: s.label,
      });
    }
    label = s.label;
  }
  let enabled = true;
  if (s.enabled !== undefined) {
    if (typeof s.enabled !== 'boolean') {
      throw new InputError(`${where}.enabled must be true or false, got ${JSON.stringify(s.enabled)}`, {
        field: `${where}.enabled`,
        value: s.enabled,
      });
    }
    enabled = s.enabled;
  }
  return { event, url, type, fields, delay, label, enabled };
}

/** The `POST/PUT /webHooks` body for a resolved spec. */
export function specToWebhookInput(spec: ResolvedWebhookSpec): WebhookInput {
  return {
    event: spec.event,
    status: spec.enabled ? '1' : '0',
    label: spec.label,
    webHookParameters: [
      { type: spec.type, url: spec.url, ...(spec.fields.length > 0 ? { fields: [...spec.fields] } : {}) },
    ],
    webHookDelay: spec.delay ? [{ delay: String(spec.delay.value), delayUnit: spec.delay.unit }] : [],
  };
}

/**
 * Validates `create`/`update` input (friendly spec or API body) before anything is sent, with
 * errors naming the bad value and the allowed ones, and returns the API body.
 */
export function toWebhookInput(input: unknown, where = 'input'): WebhookInput {
  if (!input || typeof input !== 'object' || Array.isArray(input)) {
    throw new InputError(
      `${where} must be an object like {event, url} or the API body {event, status, label, webHookParameters}`,
      {
        field: where,
        value: input,
      },
    );
  }
  if (!isApiShape(input as WebhookInputLike)) {
    return checkWithSchema(specToWebhookInput(resolveWebhookSpec(input, where)), where);
  }
  const raw = input as Record<string, unknown>;
  checkKeys(raw, API_KEYS, where, 'a webHooks body', API_MEANT);
  const event = checkEvent(raw.event, `${where}.event`);
  if (!['0', '1', 0, 1].includes(raw.status as string | number)) {
    throw new InputError(
      `${where}.status must be "1" (enabled) or "0" (disabled), got ${JSON.stringify(raw.status)}`,
      {
        field: `${where}.status`,
        value: raw.status,
        allowed: ['0', '1'],
      },
    );
  }
  if (typeof raw.label !== 'string' || raw.label.trim() === '') {
    throw new InputError(`${where}.label must be a non-empty string`, {
      field: `${where}.label`,
      value: raw.label,
    });
  }
  const parameters = raw.webHookParameters;
  if (!Array.isArray(parameters) || parameters.length === 0) {
    throw new InputError(`${where}.webHookParameters must be a non-empty list of {type, url, fields?}`, {
      field: `${where}.webHookParameters`,
      value: parameters,
    });
  }
  parameters.forEach((parameter: unknown, index) => {
    const path = `${where}.webHookParameters[${index}]`;
    const p = (parameter ?? {}) as Record<string, unknown>;
    checkKeys(p, PARAMETER_KEYS, path, 'a webHookParameters entry {type, url, fields?}');
    checkEnum(p.type, DELIVERY_FORMATS, `${path}.type`);
    checkDeliveryUrl(p.url, `${path}.url`);
    checkFields(event, p.fields, `${path}.fields`);
  });
  const delays = raw.webHookDelay ?? [];
  if (!Array.isArray(delays)) {
    throw new InputError(`${where}.webHookDelay must be a list of {delay, delayUnit}`, {
      field: `${where}.webHookDelay`,
      value: delays,
    });
  }
  delays.forEach((delay: unknown, index) => {
    const path = `${where}.webHookDelay[${index}]`;
    const d = (delay ?? {}) as Record<string, unknown>;
    checkKeys(d, DELAY_KEYS, path, 'a webHookDelay entry {delay, delayUnit}', {
      unit: 'delayUnit',
      value: 'delay',
    });
    checkDelayValue(d.delay, `${path}.delay`);
    checkEnum(d.delayUnit, DELAY_UNITS, `${path}.delayUnit`);
  });
  checkDelayTotal(
    delays as { delay: string | number; delayUnit: DelayUnit }[],
    `${where}.webHookDelay`,
    delays,
  );
  return checkWithSchema(input as WebhookInput, where);
}

/** The contracts' schema, the one rule the sandbox applies too: its first problem as an `InputError`. */
function checkWithSchema(body: WebhookInput, where: string): WebhookInput {
  const parsed = WebhookInputSchema.safeParse(body);
  if (parsed.success) return body;
  const issue = parsed.error.issues[0];
  const path = (issue?.path ?? []).reduce<string>(
    (text, key) => (typeof key === 'number' ? `${text}[${key}]` : `${text}.${String(key)}`),
    where,
  );
  throw new InputError(`${path}: ${issue?.message ?? 'invalid webhook input'}`, { field: path });
}

/**
 * [A24] (contracts) The delays of one webHook add up to at most 36,500 days: a longer one is refused
 * here, before sending, with the rule and wording the sandbox answers 40005 with.
 */
function checkDelayTotal(
  delays: readonly { delay: string | number; delayUnit: DelayUnit }[],
  field: string,
  value: unknown,
): void {
  const problem = webhookDelayProblem(delays);
  if (problem !== null) throw new InputError(`${field}: ${problem}`, { field, value });
}

function checkEvent(value: unknown, field: string): WebhookEvent {
  if (!isWebhookEvent(value)) {
    throw new InputError(
      `${field} ${JSON.stringify(value)} is not a ShopRenter webhook event; allowed: ${WEBHOOK_EVENTS.join(', ')}`,
      {
        field,
        value,
        allowed: WEBHOOK_EVENTS,
        code: 'invalid_event',
      },
    );
  }
  return value;
}

function checkEnum<T extends string>(value: unknown, allowed: readonly T[], field: string): T {
  if (typeof value !== 'string' || !(allowed as readonly string[]).includes(value)) {
    throw new InputError(
      `${field} ${JSON.stringify(value)} is not accepted; allowed: ${allowed.join(', ')}`,
      {
        field,
        value,
        allowed,
      },
    );
  }
  return value as T;
}

/** What a delivery URL must be, as refusals say it. */
export const DELIVERY_URL_RULE =
  'an https:// URL (http:// only to a loopback address such as 127.0.0.1, for local testing)';

/** At most this much of a refused URL is quoted back (a pasted document is not a URL). */
const QUOTED_LENGTH = 100;

/**
 * A delivery URL (`webHookParameters[].url`): absolute, https, or plain http to loopback only. Plain
 * http elsewhere is refused because the URL carries its secret token in clear; whether ShopRenter
 * delivers to http at all is not documented (assumed not). `field` names it in errors (`--url`,
 * `desired[2].url`).
 */
export function checkDeliveryUrl(value: unknown, field: string): string {
  if (typeof value !== 'string' || value === '') {
    throw new InputError(`${field} is required: the https:// URL ShopRenter should POST deliveries to`, {
      field,
      value,
    });
  }
  // A URL parser drops spaces around a URL and tabs and newlines inside it (a copied value, an env
  // file's stray space) without a word; the subscription would carry them as sent, and a delivery URL
  // built from it would not be the one the receiver signs. Refused, naming what to remove.
  const blank = /[\s\u0000-\u001f\u007f]/.exec(value);
  if (blank) {
    throw new InputError(
      `${field} ${JSON.stringify(value.slice(0, 200))} has ${blank[0] === ' ' ? 'a space' : `a control or white-space character (U+${(blank[0].codePointAt(0) ?? 0).toString(16).toUpperCase().padStart(4, '0')})`} at position ${blank.index}: remove it (a URL has no blanks; encode one inside a path as %20)`,
      { field, value, code: 'invalid_url' },
    );
  }
  // no http(s) URL at all (`notaurl`, `ftp://x`): the one wording of a refused URL option
  // (`--url must be …, got "…"`), as the CLI words every other
  if (!(/^https?:\/\//i.test(value) && URL.canParse(value))) {
    const quoted = value.length > QUOTED_LENGTH ? `${value.slice(0, QUOTED_LENGTH)}…` : value;
    throw new InputError(`${field} must be ${DELIVERY_URL_RULE}, got ${JSON.stringify(quoted)}`, {
      field,
      value,
      code: 'invalid_url',
    });
  }
  try {
    assertSecureUrl(value, field);
  } catch (error) {
    if (error instanceof InputError && error.code === 'insecure_url') {
      throw new InputError(
        `${field} ${JSON.stringify(value)} uses plain http://: use https:// (the URL carries its secret token, which plain http sends in clear; whether ShopRenter delivers to plain http at all is not documented, assumed not). Plain http is allowed only to loopback addresses such as 127.0.0.1, for local testing`,
        { field, value, code: error.code },
      );
    }
    throw error;
  }
  return value;
}

function checkFields(event: WebhookEvent, value: unknown, field: string): string[] {
  if (value === undefined || value === null) return [];
  if (!Array.isArray(value) || value.some((f) => typeof f !== 'string')) {
    throw new InputError(`${field} must be a list of field names such as ["order_innerId", "order_email"]`, {
      field,
      value,
    });
  }
  const unique = [...new Set(value as string[])];
  try {
    validateFields(event, unique);
  } catch (error) {
    if (error instanceof FieldNotAvailableError) {
      throw new InputError(`${field}: ${error.message}`, {
        field,
        value: error.fields,
        allowed: error.allowed,
        code: 'field_not_available',
      });
    }
    throw error;
  }
  return unique;
}

function checkDelayValue(value: unknown, field: string): number {
  const number = typeof value === 'string' && /^\d+$/.test(value.trim()) ? Number(value) : value;
  if (!WebhookDelayInputSchema.shape.delay.safeParse(number).success || typeof number !== 'number') {
    throw new InputError(
      `${field} must be a whole number of hours or days (1 or more), got ${JSON.stringify(value)}`,
      {
        field,
        value,
      },
    );
  }
  return number;
}

// ---------- properties a webhook input does not take ----------

/**
 * The properties each input takes, read from the schemas that define them (the contracts' request
 * schemas; the config file's entry schema for the friendly spec, which has the same properties).
 */
const API_KEYS = Object.keys(WebhookInputSchema.shape);
const PARAMETER_KEYS = Object.keys(WebhookParameterInputSchema.shape);
const DELAY_KEYS = Object.keys(WebhookDelayInputSchema.shape);
const SPEC_KEYS = Object.keys(WebhookSpecEntrySchema.shape);
const SPEC_DELAY_KEYS = Object.keys(WebhookSpecEntrySchema.shape.delay.unwrap().unwrap().shape);

/** A property of the other input shape, named the way this one says it. */
const SPEC_MEANT: Record<string, string> = {
  status: 'enabled: true | false',
  webHookDelay: 'delay: {value, unit}',
  webhookDelay: 'delay: {value, unit}',
  format: 'type',
};
const API_MEANT: Record<string, string> = {
  enabled: 'status: "1" | "0"',
  url: 'webHookParameters[].url',
  fields: 'webHookParameters[].fields',
  type: 'webHookParameters[].type',
  delay: 'webHookDelay: [{delay, delayUnit}]',
};

/**
 * Refuses a property the input does not take. Sent, it would not do what it says (ignored, the sandbox's
 * way; ShopRenter's is not documented): a misspelt
 * `webhookDelay` delivers at once instead of later, a `field` list leaves the shop sending its whole
 * default set (names, addresses), an `enable: false` creates the webhook enabled.
 */
function checkKeys(
  value: Record<string, unknown>,
  known: readonly string[],
  where: string,
  what: string,
  meant: Record<string, string> = {},
): void {
  for (const key of Object.keys(value)) {
    if (known.includes(key)) continue;
    const guess = meant[key] ?? meantName(key, known);
    throw new InputError(
      `${where}.${key} is not a property of ${what}${guess ? `; did you mean ${guess.includes(':') || guess.includes('[') ? guess : `"${guess}"`}?` : ''} (it takes: ${known.join(', ')}). Sent, it would not do what it says (what ShopRenter does with a property it does not know is not documented).`,
      { field: `${where}.${key}`, value: key, allowed: known, code: 'unknown_key' },
    );
  }
}
