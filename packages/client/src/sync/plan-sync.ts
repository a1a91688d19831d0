import type { Webhook } from '@srhooks/contracts/schemas/webhook';
import { InputError } from '../errors.js';
import {
  type ResolvedWebhookSpec,
  resolveWebhookSpec,
  type WebhookSpec,
} from '../resources/webhook-input.js';

/** What a subscription is matched on: (event, url). */
export type SyncKey = `${string} ${string}`;

export type SyncProperty = 'enabled' | 'label' | 'type' | 'fields' | 'delay' | 'parameters';

export interface SyncChange {
  property: SyncProperty;
  from: unknown;
  to: unknown;
}

export interface SyncCreate {
  action: 'create';
  key: SyncKey;
  desired: ResolvedWebhookSpec;
}
export interface SyncUpdate {
  action: 'update';
  key: SyncKey;
  id: string;
  desired: ResolvedWebhookSpec;
  current: Webhook;
  changes: SyncChange[];
}
export interface SyncUnchanged {
  action: 'unchanged';
  key: SyncKey;
  id: string;
  desired: ResolvedWebhookSpec;
  current: Webhook;
}
export interface SyncDelete {
  action: 'delete';
  key: SyncKey;
  id: string;
  current: Webhook;
  /** `not_desired`: no desired entry has this (event, url); `duplicate`: another subscription already matches it. */
  reason: 'not_desired' | 'duplicate';
}

export type SyncStep = SyncCreate | SyncUpdate | SyncUnchanged | SyncDelete;

/** The difference between what should exist and what does. Deletes run only with `prune`. */
export interface SyncPlan {
  desired: ResolvedWebhookSpec[];
  create: SyncCreate[];
  update: SyncUpdate[];
  unchanged: SyncUnchanged[];
  delete: SyncDelete[];
}

export function syncKey(event: string, url: string): SyncKey {
  return `${event} ${url}`;
}

/** A subscription's match key: its event and the url of its (first) delivery target. */
export function webhookKey(webhook: Webhook): SyncKey {
  return syncKey(webhook.event, webhook.webHookParameters[0]?.url ?? '');
}

/**
 * Pure: compares the desired subscriptions with the current ones. Matched by (event, url);
 * compared on enabled, label, type, fields (order-insensitive) and delay. When several current
 * subscriptions share a key, the one with the fewest differences from the desired one (the first of
 * those; for an undesired key the first) is kept and the others are `duplicate` deletes.
 */
export function planSync(desired: readonly WebhookSpec[], current: readonly Webhook[]): SyncPlan {
  if (!Array.isArray(desired)) {
    throw new InputError('desired must be a list of {event, url, …} subscriptions', {
      field: 'desired',
      value: desired,
    });
  }
  if (!Array.isArray(current)) {
    throw new InputError('current must be the shop’s subscriptions as a list (await shop.webhooks.all())', {
      field: 'current',
    });
  }
  const resolved = desired.map((spec, index) => resolveWebhookSpec(spec, `desired[${index}]`));
  const seen = new Map<SyncKey, number>();
  resolved.forEach((spec, index) => {
    const key = syncKey(spec.event, spec.url);
    const earlier = seen.get(key);
    if (earlier !== undefined) {
      throw new InputError(
        `desired[${index}] repeats desired[${earlier}] (event ${spec.event}, url ${spec.url}): a shop keeps one subscription per event and url, remove one of them`,
        { field: `desired[${index}]`, code: 'duplicate_subscription' },
      );
    }
    seen.set(key, index);
  });

  const byKey = new Map<SyncKey, Webhook[]>();
  const plan: SyncPlan = { desired: resolved, create: [], update: [], unchanged: [], delete: [] };
  for (const webhook of current) {
    const key = webhookKey(webhook);
    const same = byKey.get(key);
    if (same) same.push(webhook);
    else byKey.set(key, [webhook]);
  }
  for (const spec of resolved) {
    const key = syncKey(spec.event, spec.url);
    const candidates = byKey.get(key);
    if (!candidates) {
      plan.create.push({ action: 'create', key, desired: spec });
      continue;
    }
    byKey.delete(key);
    // of several with this key, keep the one closest to the desired one (an exact match if there
    // is one): updating a disabled duplicate while an enabled exact one exists would leave the
    // shop with two enabled subscriptions delivering every event twice
    const compared = candidates.map((webhook) => ({ webhook, changes: diffWebhook(spec, webhook) }));
    const best = compared.reduce((a, b) => (b.changes.length < a.changes.length ? b : a));
    const { webhook: match, changes } = best;
    if (changes.length === 0)
      plan.unchanged.push({ action: 'unchanged', key, id: match.id, desired: spec, current: match });
    else plan.update.push({ action: 'update', key, id: match.id, desired: spec, current: match, changes });
    for (const other of candidates) {
      if (other !== match) {
        plan.delete.push({ action: 'delete', key, id: other.id, current: other, reason: 'duplicate' });
      }
    }
  }
  for (const [key, [first, ...rest]] of byKey) {
    if (first)
      plan.delete.push({ action: 'delete', key, id: first.id, current: first, reason: 'not_desired' });
    for (const webhook of rest) {
      plan.delete.push({ action: 'delete', key, id: webhook.id, current: webhook, reason: 'duplicate' });
    }
  }
  return plan;
}

/** Which properties of `current` differ from `desired` (empty when nothing does). */
export function diffWebhook(desired: ResolvedWebhookSpec, current: Webhook): SyncChange[] {
  const changes: SyncChange[] = [];
  const parameter = current.webHookParameters[0];
  if (current.enabled !== desired.enabled)
    changes.push({ property: 'enabled', from: current.enabled, to: desired.enabled });
  if (current.label !== desired.label)
    changes.push({ property: 'label', from: current.label, to: desired.label });
  if (parameter && parameter.type !== desired.type)
    changes.push({ property: 'type', from: parameter.type, to: desired.type });
  const currentFields = normaliseFields(parameter?.fields);
  const desiredFields = normaliseFields(desired.fields);
  if (currentFields.join('\n') !== desiredFields.join('\n')) {
    changes.push({ property: 'fields', from: currentFields, to: desiredFields });
  }
  const currentDelay = current.webHookDelay
    .filter((d) => d.delay > 0)
    .map((d) => ({ value: d.delay, unit: d.delayUnit }));
  const desiredDelay = desired.delay ? [desired.delay] : [];
  if (JSON.stringify(currentDelay) !== JSON.stringify(desiredDelay)) {
    changes.push({ property: 'delay', from: currentDelay[0] ?? null, to: desired.delay });
  }
  if (current.webHookParameters.length !== 1) {
    changes.push({ property: 'parameters', from: current.webHookParameters.length, to: 1 });
  }
  return changes;
}

function normaliseFields(fields: readonly string[] | undefined): string[] {
  return [...new Set(fields ?? [])].sort();
}

/** A one-line human summary such as "3 to create, 1 to update, 10 unchanged, 2 extra (kept)". */
export function summarisePlan(plan: SyncPlan, prune = false): string {
  const extra = plan.delete.length;
  return [
    `${plan.create.length} to create`,
    `${plan.update.length} to update`,
    `${plan.unchanged.length} unchanged`,
    prune ? `${extra} to delete` : `${extra} extra (kept; use prune to delete)`,
  ].join(', ');
}
