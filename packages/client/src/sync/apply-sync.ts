import { type Webhook, WebhookResponseSchema } from '@srhooks/contracts/schemas/webhook';
import { ShopRenterError } from '../errors.js';
import { checkOptionKeys, optionKeys, SYNC_OPTION_WORDS } from '../option-checks.js';
import type { BatchFunction, BatchRequestInput } from '../resources/batch.js';
import { specToWebhookInput } from '../resources/webhook-input.js';
import type { WebhooksResource } from '../resources/webhooks.js';
import { planSync, type SyncChange, type SyncKey, type SyncPlan } from './plan-sync.js';

/** What applying a plan needs from a client. */
export interface SyncClient {
  batch: BatchFunction;
  webhooks: Pick<WebhooksResource, 'all'>;
}

export interface ApplySyncOptions {
  client: SyncClient;
  /** Delete subscriptions that are not desired (and duplicates). Default false: they are kept and reported. */
  prune?: boolean;
  /**
   * Re-list the shop's subscriptions and re-plan from `plan.desired` before applying (default
   * true), so applying the same plan twice changes nothing the second time.
   */
  refresh?: boolean;
  /** Report what would happen without sending any change. */
  dryRun?: boolean;
  /** Called once per step, in order, as results arrive. */
  onStep?: (step: SyncStepResult) => void;
}

const APPLY_SYNC_OPTION_KEYS = optionKeys<ApplySyncOptions>()([
  'client',
  'prune',
  'refresh',
  'dryRun',
  'onStep',
]);

export interface SyncStepResult {
  action: 'create' | 'update' | 'delete' | 'unchanged' | 'keep';
  key: SyncKey;
  /** Id of the subscription (for a create: the new id, when the server sent it). */
  id: string | undefined;
  /** false only for a step that was sent and failed. */
  ok: boolean;
  /** Whether a request was sent for this step. */
  applied: boolean;
  status?: number;
  changes?: SyncChange[];
  /** For `delete`/`keep`: why the subscription is extra. */
  reason?: 'not_desired' | 'duplicate';
  /** The subscription as the server answered after a create/update. */
  webhook?: Webhook;
  error?: ShopRenterError;
}

export interface SyncReport {
  plan: SyncPlan;
  prune: boolean;
  dryRun: boolean;
  steps: SyncStepResult[];
  summary: {
    created: number;
    updated: number;
    deleted: number;
    unchanged: number;
    kept: number;
    failed: number;
  };
  /** true when no step failed. */
  ok: boolean;
}

/**
 * Executes a sync plan through `POST /batch` (chunks of ≤ 200, sequential) and reports every
 * step: creates and updates first, then (only with `prune`) deletes in a later batch; a
 * subscription that is no longer desired is not deleted while a create for its event failed
 * (its step is `delete_skipped`). With `refresh` (default) the plan is recomputed from the
 * shop's current state first, which makes applying idempotent.
 */
export async function applySync(plan: SyncPlan, options: ApplySyncOptions): Promise<SyncReport> {
  if (typeof options === 'object' && options !== null) {
    checkOptionKeys(options, APPLY_SYNC_OPTION_KEYS, 'options', { ...SYNC_OPTION_WORDS, of: 'applySync()' });
  }
  const prune = options.prune === true;
  const dryRun = options.dryRun === true;
  const effective =
    options.refresh === false ? plan : planSync(plan.desired, await options.client.webhooks.all());
  const steps: SyncStepResult[] = [];
  const emit = (step: SyncStepResult) => {
    steps.push(step);
    options.onStep?.(step);
  };

  for (const step of effective.unchanged) {
    emit({ action: 'unchanged', key: step.key, id: step.id, ok: true, applied: false });
  }
  if (!prune) {
    for (const step of effective.delete) {
      emit({ action: 'keep', key: step.key, id: step.id, ok: true, applied: false, reason: step.reason });
    }
  }

  type Pending = { request: BatchRequestInput; result: Omit<SyncStepResult, 'ok' | 'applied'> };
  // Creates and updates first, deletes after, in a second batch: a URL change (a new secret, a new
  // public URL) is a create plus a delete, and in this order the event always has a subscription —
  // at worst two for a moment, whose deliveries the receiver deduplicates — instead of none between
  // the DELETE and the POST, or none at all when the create fails.
  const writes: Pending[] = [];
  for (const step of effective.update) {
    writes.push({
      request: { method: 'PUT', uri: `webHooks/${step.id}`, data: specToWebhookInput(step.desired) },
      result: { action: 'update', key: step.key, id: step.id, changes: step.changes },
    });
  }
  for (const step of effective.create) {
    writes.push({
      request: { method: 'POST', uri: 'webHooks', data: specToWebhookInput(step.desired) },
      result: { action: 'create', key: step.key, id: undefined },
    });
  }
  const deletes: Pending[] = [];
  const deletedEvents = new Map<Pending, string>();
  if (prune) {
    for (const step of effective.delete) {
      const item: Pending = {
        request: { method: 'DELETE', uri: `webHooks/${step.id}` },
        result: { action: 'delete', key: step.key, id: step.id, reason: step.reason },
      };
      deletes.push(item);
      if (step.reason === 'not_desired') deletedEvents.set(item, step.current.event);
    }
  }

  const send = async (items: Pending[]) => {
    const results = await options.client.batch(items.map((item) => item.request));
    return results.map((outcome, index) => {
      const item = items[index] as Pending;
      const parsed =
        outcome.ok && item.result.action !== 'delete'
          ? WebhookResponseSchema.safeParse(outcome.body)
          : undefined;
      const webhook = parsed?.success ? parsed.data : undefined;
      const step: SyncStepResult = {
        ...item.result,
        id: item.result.id ?? webhook?.id,
        ok: outcome.ok,
        applied: true,
        status: outcome.status,
        ...(webhook ? { webhook } : {}),
        ...(outcome.error ? { error: outcome.error } : {}),
      };
      emit(step);
      return step;
    });
  };

  if (dryRun) {
    for (const item of [...writes, ...deletes]) emit({ ...item.result, ok: true, applied: false });
  } else {
    const written = writes.length > 0 ? await send(writes) : [];
    // A subscription that is no longer desired stays while a create for its event failed: until
    // the new one exists it is the only one that still delivers that event.
    const failedCreates = new Set(
      written
        .filter((step) => step.action === 'create' && !step.ok)
        .map((step) => step.key.slice(0, step.key.indexOf(' '))),
    );
    const sendable: Pending[] = [];
    for (const item of deletes) {
      const event = deletedEvents.get(item);
      if (event === undefined || !failedCreates.has(event)) {
        sendable.push(item);
        continue;
      }
      emit({
        ...item.result,
        ok: false,
        applied: false,
        error: new ShopRenterError(
          'delete_skipped',
          `not deleted: creating the new ${event} subscription failed, so this one is kept and ${event} deliveries keep arriving; fix the failed create and run sync again`,
        ),
      });
    }
    if (sendable.length > 0) await send(sendable);
  }

  const count = (action: SyncStepResult['action']) => steps.filter((s) => s.action === action && s.ok).length;
  const failed = steps.filter((s) => !s.ok).length;
  return {
    plan: effective,
    prune,
    dryRun,
    steps,
    summary: {
      created: dryRun ? 0 : count('create'),
      updated: dryRun ? 0 : count('update'),
      deleted: dryRun ? 0 : count('delete'),
      unchanged: count('unchanged'),
      kept: count('keep'),
      failed,
    },
    ok: failed === 0,
  };
}
