import { FIELD_CATALOGUE, type FieldInfo } from '@srhooks/contracts/catalogue';
import { isWebhookEvent, WEBHOOK_EVENTS, type WebhookEvent } from '@srhooks/contracts/events';
import { meantName } from '@srhooks/contracts/meant-name';
import { usageError } from '../cli-error.js';
import { defineCommand } from '../command.js';
import { unknownEventError } from '../event-name.js';
import { renderTable } from '../output/index.js';

export interface FieldsOptions {
  /** Only fields available for this event. */
  event?: string;
  /** Only fields of this prefix group (`order`, `orderProduct`, `subscriber`, …). */
  group?: string;
  /** Case-insensitive text to find in the field name or label. */
  search?: string;
}

export interface FieldRow {
  field: string;
  label: string;
  group: string;
  payloadPath: string;
  events: WebhookEvent[];
}

export interface FieldsResult {
  event: WebhookEvent | null;
  fields: FieldRow[];
}

/** Short column headers for the availability matrix. */
const EVENT_COLUMNS: Record<WebhookEvent, string> = {
  order_confirm: 'confirm',
  order_status_change: 'status',
  abandoned_cart: 'cart',
  newsletter_subscribe: 'nl-sub',
  newsletter_unsubscribe: 'nl-unsub',
  newsletter_update_subscriber: 'nl-upd',
};

const LABEL_WIDTH = 60;

/** Labels can be long (some list sub-fields); the table shows the start, `--json` the whole text. */
function shortLabel(label: string): string {
  return label.length > LABEL_WIDTH ? `${label.slice(0, LABEL_WIDTH - 1)}…` : label;
}

function toRow(info: FieldInfo): FieldRow {
  return {
    field: info.field,
    label: info.label,
    group: info.group,
    payloadPath: info.payloadPath,
    events: [...info.events],
  };
}

export const fieldsCommand = defineCommand<FieldsOptions, FieldsResult>({
  async run(options) {
    let event: WebhookEvent | null = null;
    if (options.event !== undefined) {
      if (!isWebhookEvent(options.event)) {
        throw unknownEventError(options.event);
      }
      event = options.event;
    }
    const groups = new Set(FIELD_CATALOGUE.map((info) => info.group));
    if (options.group !== undefined && !groups.has(options.group)) {
      // groups are camelCase (orderProduct): compared in lower case, named as spelt
      const meant = meantName(options.group, [...groups]);
      throw usageError(
        `unknown field group "${options.group}"${meant ? ` (did you mean ${meant}?)` : ''}`,
        `use one of: ${[...groups].join(', ')}`,
      );
    }
    const needle = options.search?.toLowerCase();
    const fields = FIELD_CATALOGUE.filter(
      (info) =>
        (event === null || info.events.includes(event)) &&
        (options.group === undefined || info.group === options.group) &&
        (needle === undefined ||
          info.field.toLowerCase().includes(needle) ||
          info.label.toLowerCase().includes(needle)),
    ).map(toRow);
    return { event, fields };
  },

  render(result, style) {
    if (result.fields.length === 0) return 'no field matches';
    if (result.event !== null) {
      const table = renderTable(result.fields, [
        { header: 'FIELD', value: (row) => row.field },
        { header: 'LABEL', value: (row) => shortLabel(row.label) },
        { header: 'IN PAYLOAD', value: (row) => style.dim(row.payloadPath) },
      ]);
      return `${table}\n${style.dim(`${result.fields.length} field${result.fields.length === 1 ? '' : 's'} available for ${result.event}`)}`;
    }
    const table = renderTable(result.fields, [
      { header: 'FIELD', value: (row) => row.field },
      { header: 'LABEL', value: (row) => shortLabel(row.label) },
      ...WEBHOOK_EVENTS.map((event) => ({
        header: EVENT_COLUMNS[event],
        value: (row: FieldRow) => (row.events.includes(event) ? style.green('✓') : style.dim('·')),
      })),
    ]);
    return `${table}\n${style.dim(`${result.fields.length} field${result.fields.length === 1 ? '' : 's'}; srhooks fields EVENT shows one event with payload paths`)}`;
  },
});
