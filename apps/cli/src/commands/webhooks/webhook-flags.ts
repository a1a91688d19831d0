import { checkDeliveryUrl, type WebhookSpec } from '@srhooks/client/api';
import { MAX_WEBHOOK_DELAY_HOURS, type Webhook } from '@srhooks/contracts';
import { validateFields } from '@srhooks/contracts/catalogue';
import {
  DELAY_UNITS,
  DELIVERY_FORMATS,
  type DelayUnit,
  type DeliveryFormat,
  isWebhookEvent,
  WEBHOOK_EVENTS,
  type WebhookEvent,
} from '@srhooks/contracts/events';
import { usageError } from '../../cli-error.js';
import { unknownEventError } from '../../event-name.js';

/** The flags `webhooks create` and `webhooks update` share. */
export interface WebhookFlags {
  shop?: string;
  /** `--timeout`: the time limit in ms of each request to the shop (default: the client's). */
  timeoutMs?: number;
  event?: string;
  url?: string;
  type?: string;
  /** `--field` (repeatable) and `--fields a,b`, merged. */
  fields?: string[];
  delay?: number;
  delayUnit?: string;
  label?: string;
  /** `--disabled` */
  disabled?: boolean;
  /** `--enabled` (update only) */
  enabled?: boolean;
  /** `--clear-fields` (update only): back to the shop's default field set. */
  clearFields?: boolean;
  /** `--clear-delay` (update only): deliver at once. */
  clearDelay?: boolean;
}

function checkEvent(value: string): WebhookEvent {
  if (!isWebhookEvent(value)) {
    throw unknownEventError(value);
  }
  return value;
}

function checkType(value: string): DeliveryFormat {
  if (!(DELIVERY_FORMATS as readonly string[]).includes(value)) {
    throw usageError(`--type must be json or xml, got "${value}"`);
  }
  return value as DeliveryFormat;
}

function checkDelay(flags: WebhookFlags): WebhookSpec['delay'] | undefined {
  if (flags.delay === undefined) {
    if (flags.delayUnit !== undefined)
      throw usageError('--delay-unit needs --delay N', 'e.g. --delay 10 --delay-unit day');
    return undefined;
  }
  const unit = flags.delayUnit ?? 'hour';
  if (!(DELAY_UNITS as readonly string[]).includes(unit)) {
    throw usageError(`--delay-unit must be day or hour, got "${unit}"`);
  }
  if (!Number.isInteger(flags.delay) || flags.delay < 1) {
    throw usageError(
      `--delay must be a whole number of ${unit}s, at least 1`,
      'leave --delay out to deliver at once',
    );
  }
  // The contracts' rule (A24), said in the flags' words rather than the client's (input.delay).
  if (flags.delay * (unit === 'day' ? 24 : 1) > MAX_WEBHOOK_DELAY_HOURS) {
    throw usageError(
      `--delay ${flags.delay} --delay-unit ${unit} is too long: a webhook's delay is at most ${MAX_WEBHOOK_DELAY_HOURS / 24} days (${MAX_WEBHOOK_DELAY_HOURS} hours)`,
      'give a shorter --delay, or leave it out to deliver at once',
    );
  }
  return { value: flags.delay, unit: unit as DelayUnit };
}

function checkFields(event: WebhookEvent, fields: string[] | undefined): string[] | undefined {
  if (!fields || fields.length === 0) return undefined;
  const unique = [...new Set(fields)];
  validateFields(event, unique);
  return unique;
}

/** `--label`: the name shown in the shop admin; an empty one is refused here, in the flag's words. */
function checkLabel(label: string): string {
  if (label.trim() === '') {
    throw usageError(
      '--label must not be empty',
      'give the name the shop admin shows for the subscription, or leave --label out (create: "srhooks EVENT"; update: the label stays)',
    );
  }
  return label;
}

/** `webhooks create`: flags → a complete subscription spec. */
export function specFromCreateFlags(flags: WebhookFlags): WebhookSpec {
  if (!flags.event) throw usageError('missing --event', `use one of: ${WEBHOOK_EVENTS.join(', ')}`);
  const event = checkEvent(flags.event);
  if (!flags.url) {
    throw usageError(
      'missing --url',
      `pass the receiver URL, e.g. --url "$(srhooks url --shop ${flags.shop ?? 'SHOP'} --event ${event} --base https://hooks.example.com)"`,
    );
  }
  const fields = checkFields(event, flags.fields);
  const delay = checkDelay(flags);
  return {
    event,
    url: checkDeliveryUrl(flags.url, '--url'),
    ...(flags.type ? { type: checkType(flags.type) } : {}),
    ...(fields ? { fields } : {}),
    ...(delay ? { delay } : {}),
    ...(flags.label !== undefined ? { label: checkLabel(flags.label) } : {}),
    enabled: flags.disabled !== true,
  };
}

/** The spec a current subscription corresponds to. */
export function specOf(webhook: Webhook): WebhookSpec {
  const parameter = webhook.webHookParameters[0];
  const delay = webhook.webHookDelay.find((entry) => entry.delay > 0);
  return {
    event: webhook.event,
    url: parameter?.url ?? '',
    type: parameter?.type ?? 'json',
    ...(parameter?.fields && parameter.fields.length > 0 ? { fields: [...parameter.fields] } : {}),
    delay: delay ? { value: delay.delay, unit: delay.delayUnit } : null,
    label: webhook.label,
    enabled: webhook.enabled,
  };
}

/**
 * `webhooks update`'s flags checked on their own, before the shop is asked for the subscription:
 * contradictions and every value that does not depend on it (the fields do, on its event).
 */
export function checkUpdateFlags(flags: WebhookFlags): void {
  if (flags.enabled && flags.disabled) throw usageError('--enabled and --disabled contradict each other');
  if (flags.clearFields && flags.fields && flags.fields.length > 0) {
    throw usageError('--clear-fields and --field/--fields contradict each other');
  }
  if (flags.clearDelay && flags.delay !== undefined)
    throw usageError('--clear-delay and --delay contradict each other');
  if (flags.event) checkEvent(flags.event);
  if (flags.url) checkDeliveryUrl(flags.url, '--url');
  if (flags.type) checkType(flags.type);
  checkDelay(flags);
  if (flags.label !== undefined) checkLabel(flags.label);
}

/** `webhooks update`: the current subscription with the given flags applied. */
export function specFromUpdateFlags(current: Webhook, flags: WebhookFlags): WebhookSpec {
  checkUpdateFlags(flags);
  const spec = specOf(current);
  const event = flags.event ? checkEvent(flags.event) : spec.event;
  const next: WebhookSpec = { ...spec, event };
  if (flags.url) next.url = checkDeliveryUrl(flags.url, '--url');
  if (flags.type) next.type = checkType(flags.type);
  if (flags.clearFields) delete next.fields;
  const fields = checkFields(event, flags.fields);
  if (fields) next.fields = fields;
  else if (next.fields) validateFields(event, next.fields);
  if (flags.clearDelay) next.delay = null;
  const delay = checkDelay(flags);
  if (delay) next.delay = delay;
  if (flags.label !== undefined) next.label = checkLabel(flags.label);
  if (flags.disabled) next.enabled = false;
  if (flags.enabled) next.enabled = true;
  return next;
}

export function hasUpdateFlags(flags: WebhookFlags): boolean {
  return (
    flags.event !== undefined ||
    flags.url !== undefined ||
    flags.type !== undefined ||
    (flags.fields !== undefined && flags.fields.length > 0) ||
    flags.delay !== undefined ||
    flags.delayUnit !== undefined ||
    flags.label !== undefined ||
    flags.disabled === true ||
    flags.enabled === true ||
    flags.clearFields === true ||
    flags.clearDelay === true
  );
}
