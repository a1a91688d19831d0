import { ContractsError, FieldNotAvailableError, InvalidEventError } from '../errors.js';
import { isWebhookEvent, WEBHOOK_EVENTS, type WebhookEvent } from '../events.js';
import { SHOPRENTER_FIELDS } from '../generated/fields.js';
import { resolvePayloadPath } from './payload-path.js';

/** One selectable field of `webHookParameters[].fields`, from the shared ShopRenter catalogue. */
export interface FieldInfo {
  /** Name as sent in `fields`, e.g. `orderProduct_sku`. */
  readonly field: string;
  /** Events the field may be selected for. */
  readonly events: readonly WebhookEvent[];
  /** The documentation's label, as documented. */
  readonly label: string;
  /** The corrected meaning, where the documented label is wrong (`orderProduct_grossPrice`). */
  readonly meaning?: string;
  /** Prefix group, e.g. `orderProduct`. */
  readonly group: string;
  /** Where it lands in a delivered item, e.g. `orderProducts.orderProduct[].sku`. */
  readonly payloadPath: string;
}

function buildCatalogue(): readonly FieldInfo[] {
  return SHOPRENTER_FIELDS.map((row) => {
    const resolved = resolvePayloadPath(row.field);
    if (!resolved)
      throw new Error(`fields.json row "${row.field}" has no payload path rule (catalogue/payload-path.ts)`);
    const events = row.events.filter(isWebhookEvent);
    if (events.length !== row.events.length)
      throw new Error(`fields.json row "${row.field}" names an unknown event`);
    return Object.freeze({
      field: row.field,
      events,
      label: row.label,
      ...('meaning' in row ? { meaning: row.meaning } : {}),
      group: resolved.group,
      payloadPath: resolved.path,
    });
  });
}

export const FIELD_CATALOGUE: readonly FieldInfo[] = Object.freeze(buildCatalogue());

const byName: ReadonlyMap<string, FieldInfo> = new Map(FIELD_CATALOGUE.map((info) => [info.field, info]));

export function fieldInfo(field: string): FieldInfo | undefined {
  return byName.get(field);
}

export function fieldsForEvent(event: WebhookEvent): FieldInfo[] {
  return FIELD_CATALOGUE.filter((info) => info.events.includes(event));
}

/** Payload path of a selectable field; throws for a name that is not in the catalogue. */
export function fieldPayloadPath(field: string): string {
  const info = byName.get(field);
  if (!info) throw new FieldNotAvailableError('any event', [field], []);
  return info.payloadPath;
}

/**
 * Checks a `fields` list for one event. Throws `FieldNotAvailableError` naming every field that
 * is unknown or not available for the event, and the fields that are allowed.
 */
export function validateFields(event: string, fields: readonly string[]): void {
  if (!isWebhookEvent(event)) throw new InvalidEventError(event, WEBHOOK_EVENTS);
  if (!Array.isArray(fields) || !fields.every((field) => typeof field === 'string')) {
    throw new ContractsError(
      'invalid_input',
      `fields must be a list of field names, e.g. ["order_innerId", "order_email"], got ${
        typeof fields === 'string'
          ? `the string ${JSON.stringify((fields as string).slice(0, 60))}`
          : Array.isArray(fields)
            ? 'a list with a value that is not a string'
            : String(fields)
      }`,
    );
  }
  const bad = fields.filter((field) => !byName.get(field)?.events.includes(event));
  if (bad.length > 0) {
    throw new FieldNotAvailableError(
      event,
      bad,
      fieldsForEvent(event).map((info) => info.field),
    );
  }
}
