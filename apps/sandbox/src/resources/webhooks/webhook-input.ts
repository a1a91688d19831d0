import {
  DELAY_UNITS,
  DELIVERY_FORMATS,
  isOuterId,
  WEBHOOK_EVENTS,
  type WebhookDelay,
  type WebhookEvent,
  WebhookInputSchema,
  type WebhookParameter,
} from '@srhooks/contracts';
import { WEBHOOK_URL_PROTOCOLS } from '../../assumptions.js';
import { apiErrors } from '../../errors.js';
import type { StoredWebhook } from '../../state/shop-data.js';

/** A webhook body after validation: everything a stored webhook has except its ids. */
export type WebhookDraft = Omit<StoredWebhook, 'id' | 'outerId'>;

type Json = Record<string, unknown>;

function isObject(value: unknown): value is Json {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** `webHookParameters`/`webHookDelay` may come as one object or a list (FACTS.md §3); `null`/`""` = none. */
function asList(value: unknown): unknown[] | undefined {
  if (value === undefined) return undefined;
  if (value === null || value === '') return [];
  return Array.isArray(value) ? value : [value];
}

/** Absent counts as missing (40003); an empty value is wrong data (40005, "field cannot be empty"). */
function isBlank(value: unknown): boolean {
  return value === undefined || value === null;
}

function checkRequired(body: Json): void {
  const missing: string[] = [];
  for (const key of ['label', 'event', 'status', 'webHookParameters'] as const) {
    const value = body[key];
    if (isBlank(value)) missing.push(key);
  }
  (asList(body.webHookParameters) ?? []).forEach((parameter, i) => {
    if (!isObject(parameter)) return;
    for (const key of ['type', 'url'] as const) {
      if (isBlank(parameter[key])) missing.push(`webHookParameters[${i}].${key}`);
    }
  });
  (asList(body.webHookDelay) ?? []).forEach((delay, i) => {
    if (!isObject(delay)) return;
    for (const key of ['delay', 'delayUnit'] as const) {
      if (isBlank(delay[key])) missing.push(`webHookDelay[${i}].${key}`);
    }
  });
  if (missing.length > 0) throw apiErrors.requiredMissing(missing);
}

function checkEnums(body: Json): void {
  if (!(WEBHOOK_EVENTS as readonly unknown[]).includes(body.event)) {
    throw apiErrors.enumValue('event', body.event, WEBHOOK_EVENTS);
  }
  if (!['0', '1', 0, 1].includes(body.status as string | number)) {
    throw apiErrors.enumValue('status', body.status, ['0', '1']);
  }
  (asList(body.webHookParameters) ?? []).forEach((parameter, i) => {
    if (!isObject(parameter)) {
      throw apiErrors.wrongData(
        `Wrong data in 'webHookParameters[${i}]': expected an object {type, url, fields}.`,
      );
    }
    if (!(DELIVERY_FORMATS as readonly unknown[]).includes(parameter.type)) {
      throw apiErrors.enumValue(`webHookParameters[${i}].type`, parameter.type, DELIVERY_FORMATS);
    }
    if (parameter.fields !== undefined && parameter.fields !== null && !Array.isArray(parameter.fields)) {
      // A single field may arrive as a string (XML-style); anything else is wrong.
      if (typeof parameter.fields !== 'string') {
        throw apiErrors.wrongData(
          `Wrong data in 'webHookParameters[${i}].fields': expected a list of field names.`,
        );
      }
    }
  });
  (asList(body.webHookDelay) ?? []).forEach((delay, i) => {
    if (!isObject(delay)) {
      throw apiErrors.wrongData(`Wrong data in 'webHookDelay[${i}]': expected an object {delay, delayUnit}.`);
    }
    if (!(DELAY_UNITS as readonly unknown[]).includes(delay.delayUnit)) {
      throw apiErrors.enumValue(`webHookDelay[${i}].delayUnit`, delay.delayUnit, DELAY_UNITS);
    }
  });
}

function normaliseShapes(body: Json): Json {
  const parameters = (asList(body.webHookParameters) ?? []).map((p) => {
    const parameter = p as Json;
    const fields = parameter.fields;
    const { webHook: _backLink, ...rest } = parameter;
    return {
      ...rest,
      ...(fields === undefined || fields === null ? { fields: undefined } : {}),
      ...(typeof fields === 'string' ? { fields: [fields] } : {}),
    };
  });
  const delays = (asList(body.webHookDelay) ?? []).map((d) => {
    const { webHook: _backLink, ...rest } = d as Json;
    return rest;
  });
  return {
    event: body.event,
    status: body.status,
    label: typeof body.label === 'number' ? String(body.label) : body.label,
    webHookParameters: parameters,
    webHookDelay: delays,
  };
}

function pathOf(path: readonly PropertyKey[]): string {
  return path.reduce<string>(
    (text, key) =>
      typeof key === 'number' ? `${text}[${key}]` : text ? `${text}.${String(key)}` : String(key),
    '',
  );
}

/**
 * Validates a full webhook body (POST, or PUT merged onto the stored webhook) and returns the
 * stored form. Documented inner codes: missing → 40003, bad enum / wrong value / field not
 * available for the event → 40005.
 */
function validate(body: Json): WebhookDraft {
  checkRequired(body);
  checkEnums(body);
  const parsed = WebhookInputSchema.safeParse(normaliseShapes(body));
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    const where = issue ? pathOf(issue.path) : 'body';
    if (issue?.code === 'too_small' && where === 'label') throw apiErrors.fieldEmpty('label');
    throw apiErrors.wrongData(`Wrong data in '${where}': ${issue?.message ?? 'not accepted'}.`);
  }
  const value = parsed.data;
  value.webHookParameters.forEach((p, i) => {
    checkUrlProtocol(p.url, i);
  });
  const webHookParameters: WebhookParameter[] = value.webHookParameters.map((p) => ({
    type: p.type,
    url: p.url,
    ...(p.fields === undefined ? {} : { fields: p.fields }),
  }));
  const webHookDelay: WebhookDelay[] = (value.webHookDelay ?? []).map((d) => ({
    delay: Number(d.delay),
    delayUnit: d.delayUnit,
  }));
  return {
    event: value.event as WebhookEvent,
    label: value.label,
    status: value.status,
    enabled: value.status === '1',
    webHookParameters,
    webHookDelay,
  };
}

/** [A35] A delivery URL the shop can POST to: http:// or https://, like every other refused URL 40005. */
function checkUrlProtocol(url: string, index: number): void {
  const protocol = new URL(url).protocol;
  if (!WEBHOOK_URL_PROTOCOLS.includes(protocol)) {
    throw apiErrors.wrongData(
      `Wrong data in 'webHookParameters[${index}].url': the shop delivers only to an http:// or https:// URL, not "${protocol}" (assumptions.ts [A35]).`,
    );
  }
}

function requireObject(body: unknown): Json {
  if (body === undefined || body === null) throw apiErrors.dataMissing();
  if (!isObject(body)) throw apiErrors.dataMissing('The request body is not a JSON object.');
  if (Object.keys(body).length === 0) throw apiErrors.dataMissing('The request body is an empty object.');
  return body;
}

/**
 * The outer id a body carries in `id` (FACTS.md §9: `id` is not read-only), or undefined.
 * One that cannot be an outer id (contracts' `OUTER_ID_PATTERN`) → 40005.
 */
export function readOuterId(body: unknown): string | undefined {
  if (!isObject(body) || body.id === undefined || body.id === null) return undefined;
  const id = typeof body.id === 'number' ? String(body.id) : body.id;
  if (!isOuterId(id)) {
    throw apiErrors.wrongData(
      `'id' ${JSON.stringify(body.id)} cannot be an outer id: use 1-200 characters from A-Z a-z 0-9 - _ . ~`,
    );
  }
  return id;
}

/** Body of `POST /webHooks` (an `id` in it is the outer id, read by `readOuterId`). */
export function parseWebhookCreate(body: unknown): WebhookDraft {
  const object = requireObject(body);
  readOuterId(object);
  return validate(object);
}

/** Body of `PUT /webHooks/{id}`: the given properties replace the stored ones, then the whole is checked. */
export function parseWebhookUpdate(body: unknown, existing: StoredWebhook): WebhookDraft {
  const object = requireObject(body);
  readOuterId(object);
  const merged: Json = {
    event: existing.event,
    label: existing.label,
    status: existing.status,
    webHookParameters: existing.webHookParameters,
    webHookDelay: existing.webHookDelay,
  };
  for (const key of ['event', 'label', 'status', 'webHookParameters', 'webHookDelay'] as const) {
    if (key in object) merged[key] = object[key];
  }
  return validate(merged);
}
