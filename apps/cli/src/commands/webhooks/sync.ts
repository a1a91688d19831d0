import { resolveWebhookSpec, type SyncReport, type SyncStepResult } from '@srhooks/client/api';
import { dedupeFieldsWarning } from '@srhooks/contracts/dedupe-key';
import { EXIT_CODES, type ExitCode, usageError } from '../../cli-error.js';
import { productName } from '../../cli-invocation.js';
import { defineCommand } from '../../command.js';
import { type SignedWith, signedWith } from '../../config/receiver-secrets.js';
import { envClientCredentialsSet, resolveShopTarget, type ShopTarget } from '../../config/resolve-shop.js';
import { desiredState, readSyncConfig } from '../../config/sync-config.js';
import { maskDeliveryUrls } from '../../delivery/mask-delivery-url.js';
import { toCliError } from '../../error-report.js';
import { openShopClient, requestLimits } from '../../shop-client.js';
import { shopTimeoutError } from './shop-timeout.js';
import { shopProgressLine } from './sync-progress.js';
import { renderSyncShop } from './sync-view.js';

export interface SyncOptions {
  file: string;
  /** Only this shop of the file. */
  shop?: string;
  prune?: boolean;
  dryRun?: boolean;
  /**
   * `--timeout`: the time limit in ms of each request to a shop (API and token; a retried request's
   * every attempt). Default: the client's (30 s per API request, 15 s for the token).
   */
  timeoutMs?: number;
}

export interface PlannedSubscription {
  type: string;
  fields: string[];
  delay: { value: number; unit: string } | null;
  label: string;
  enabled: boolean;
}

export interface SyncLine {
  action: 'create' | 'update' | 'delete' | 'keep';
  id: string | null;
  event: string;
  url: string;
  /** create: the whole subscription; update: the changed attributes. */
  desired?: PlannedSubscription;
  changes?: { property: string; from: unknown; to: unknown }[];
  /** delete/keep: why the subscription is extra. */
  reason?: 'not_desired' | 'duplicate';
  /** delete/keep: the URL is under this receiver's `{publicUrl}/hooks/{shop}/`. */
  receiverUrl?: true;
  /** delete/keep of a receiver URL: which of the receiver's secrets its token verifies against. */
  signedWith?: SignedWith;
  /** delete/keep: the extra subscription is enabled (the shop delivers to it). */
  enabled?: boolean;
  applied: boolean;
  ok: boolean;
  status?: number;
  error?: { code: string; message: string };
}

export interface ShopSyncResult {
  shop: string;
  /**
   * Nothing to create or update (and, with --prune, nothing to delete) before this run, and no
   * extra subscription to this receiver kept.
   */
  inSync: boolean;
  unchanged: number;
  /** Kept subscriptions (without --prune) to this receiver's URLs that the file does not list. */
  receiverExtras: number;
  /**
   * Kept enabled subscriptions (without --prune) that repeat a listed one's event and URL (not this
   * receiver's: those are `receiverExtras`): the shop delivers each such event twice.
   */
  duplicates: number;
  lines: SyncLine[];
  summary: SyncReport['summary'];
  ok: boolean;
  /**
   * The shop could not be synced (its token was refused, its subscriptions could not be read, the
   * plan failed); the other shops of the run were synced all the same. (A run over one shop ends
   * with this error instead.)
   */
  error?: { code: string; message: string; hint?: string; exitCode: ExitCode };
}

export interface SyncResult {
  file: string;
  dryRun: boolean;
  prune: boolean;
  shops: ShopSyncResult[];
  ok: boolean;
  /** Shops that could not be synced (each one's `error` says why), only when there are any. */
  failedShops?: string[];
}

/** Shops synced side by side: each has its own rate limit, so they do not slow each other down. */
const SHOPS_AT_A_TIME = 5;

/** `work` over every item, at most `limit` at a time, the results in the items' order. */
async function mapConcurrently<T, R>(
  items: readonly T[],
  limit: number,
  work: (item: T) => Promise<R>,
): Promise<R[]> {
  const results: R[] = new Array(items.length);
  let next = 0;
  const worker = async () => {
    while (next < items.length) {
      const index = next++;
      results[index] = await work(items[index] as T);
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
  return results;
}

function splitKey(key: string): { event: string; url: string } {
  const space = key.indexOf(' ');
  return { event: key.slice(0, space), url: key.slice(space + 1) };
}

function stepError(step: SyncStepResult | undefined): SyncLine['error'] | undefined {
  if (!step?.error) return undefined;
  return { code: step.error.code, message: step.error.message };
}

/** What tells this receiver's subscriptions from others': its URL prefix and its secrets. */
export interface ReceiverIdentity {
  receiverPrefix: string | undefined;
  secrets: readonly string[];
}

export function toShopResult(
  shop: string,
  report: SyncReport,
  receiver: ReceiverIdentity = { receiverPrefix: undefined, secrets: [] },
): ShopSyncResult {
  const stepFor = (action: SyncStepResult['action'], key: string, id?: string) =>
    report.steps.find(
      (step) => step.action === action && step.key === key && (id === undefined || step.id === id),
    );
  const outcome = (step: SyncStepResult | undefined) => ({
    applied: step?.applied ?? false,
    ok: step?.ok ?? true,
    ...(step?.status === undefined ? {} : { status: step.status }),
    ...(stepError(step) ? { error: stepError(step) } : {}),
  });
  const lines: SyncLine[] = [];
  for (const create of report.plan.create) {
    const step = stepFor('create', create.key);
    const d = create.desired;
    lines.push({
      action: 'create',
      id: step?.id ?? null,
      ...splitKey(create.key),
      desired: { type: d.type, fields: d.fields, delay: d.delay, label: d.label, enabled: d.enabled },
      ...outcome(step),
    });
  }
  for (const update of report.plan.update) {
    lines.push({
      action: 'update',
      id: update.id,
      ...splitKey(update.key),
      changes: update.changes.map((change) => ({ ...change })),
      ...outcome(stepFor('update', update.key, update.id)),
    });
  }
  for (const extra of report.plan.delete) {
    const action = report.prune ? 'delete' : 'keep';
    const { event, url } = splitKey(extra.key);
    const ours = receiver.receiverPrefix !== undefined && url.startsWith(receiver.receiverPrefix);
    const signed = ours ? signedWith(url, receiver.secrets) : undefined;
    lines.push({
      action,
      id: extra.id,
      event,
      url,
      reason: extra.reason,
      enabled: extra.current.enabled,
      ...(ours ? { receiverUrl: true as const } : {}),
      ...(signed ? { signedWith: signed } : {}),
      ...outcome(stepFor(action, extra.key, extra.id)),
    });
  }
  const pending =
    report.plan.create.length + report.plan.update.length + (report.prune ? report.plan.delete.length : 0);
  const receiverExtras = lines.filter((line) => line.action === 'keep' && line.receiverUrl).length;
  const duplicates = lines.filter(
    (line) => line.action === 'keep' && line.reason === 'duplicate' && line.enabled && !line.receiverUrl,
  ).length;
  return {
    shop,
    inSync: pending === 0 && receiverExtras === 0 && duplicates === 0,
    unchanged: report.plan.unchanged.length,
    receiverExtras,
    duplicates,
    lines,
    summary: report.summary,
    ok: report.ok,
  };
}

/**
 * The client names a sync's input `desired[2]` and prints URLs whole; on the command line, name the
 * entry of the file (`srhooks.config.json: shops[0].webhooks[2] (order_confirm)`) and cut receiver
 * URL tokens to four characters (only `url`, `listen` and `--json` of webhooks show them whole).
 */
function inFileTerms(error: unknown, file: string, sources: readonly string[]): unknown {
  if (!(error instanceof Error) || error.name !== 'InputError' || !error.message.includes('desired[')) {
    return error;
  }
  let first = true;
  const message = maskDeliveryUrls(
    error.message.replace(/desired\[(\d+)\]/g, (whole, index: string) => {
      const source = sources[Number(index)];
      if (source === undefined) return whole;
      const named = first ? `${file}: ${source}` : source.replace(/ \(.*\)$/, '');
      first = false;
      return named;
    }),
  );
  const code = (error as { code?: unknown }).code;
  // a field the event does not have: the client lists every allowed one (~100); point at `fields`
  const field = /^(.* not available for event (\w+)); allowed: .*$/s.exec(message);
  if (field) {
    return usageError(
      field[1] as string,
      `srhooks fields ${field[2]} lists the fields you can select; fix the file`,
      typeof code === 'string' ? code : 'config_invalid',
    );
  }
  return usageError(message, undefined, typeof code === 'string' ? code : 'config_invalid');
}

export const syncWebhooksCommand = defineCommand<SyncOptions, SyncResult>({
  async run(options, context) {
    const config = await readSyncConfig(options.file);
    let shops = desiredState(config, context.env, options.file);
    if (options.shop) {
      shops = shops.filter((entry) => entry.shop === options.shop);
      if (shops.length === 0) {
        throw usageError(
          `${options.file} has no shop "${options.shop}"`,
          `shops in the file: ${config.shops.map((s) => s.name).join(', ')}`,
        );
      }
    }
    // every shop's entries are checked (events, fields, URLs) before any shop is read or changed, and
    // before the dedupe warnings: a selection refused anyway (a field the event lacks) gets no warning
    for (const entry of shops) {
      entry.webhooks.forEach((webhook, index) => {
        try {
          resolveWebhookSpec(webhook, `desired[${index}]`);
        } catch (error) {
          throw inFileTerms(error, options.file, entry.sources);
        }
      });
    }
    for (const entry of shops) {
      entry.webhooks.forEach((webhook, index) => {
        const where = `${options.file}: ${entry.sources[index] ?? webhook.event}`;
        const warning = dedupeFieldsWarning(where, webhook.event, webhook.fields);
        if (warning) context.output.warn(warning);
      });
    }
    if (shops.length > 1 && envClientCredentialsSet(context.env)) {
      throw usageError(
        `SRHOOKS_CLIENT_ID / SRHOOKS_CLIENT_SECRET are one shop’s API client, but ${options.file} has ${shops.length} shops (${shops.map((entry) => entry.shop).join(', ')})`,
        `pass --shop NAME to sync the shop they belong to, or unset them to use the logins ${productName('login')} stored`,
        'ambiguous_credentials',
      );
    }
    // every shop's credentials first: a shop without any is refused before any shop is changed
    const targets = new Map<string, ShopTarget>();
    for (const entry of shops) targets.set(entry.shop, await resolveShopTarget(entry.shop, context.env));
    const single = shops.length === 1;
    const spinner = context.output.spinner(
      single ? `${shops[0]?.shop}: reading the current subscriptions` : `syncing ${shops.length} shops`,
    );
    let finished = 0;
    const failed: string[] = [];
    const progress = () =>
      spinner.update(
        `syncing ${shops.length} shops: ${finished} done${failed.length > 0 ? ` (${failed.length} not synced: ${failed.join(', ')})` : ''}`,
      );
    // Each shop has its own rate limit (3 requests/second per application and shop), so shops run
    // side by side, a few at a time; one shop failing (token refused, API down or not answering)
    // does not stop the others: it is reported with its error and the run exits with that error's code.
    const syncShop = async (entry: (typeof shops)[number]): Promise<ShopSyncResult> => {
      try {
        const client = await openShopClient(
          targets.get(entry.shop) as ShopTarget,
          requestLimits(options.timeoutMs),
        );
        let done = 0;
        const report = await client.sync(entry.webhooks, {
          prune: options.prune === true,
          dryRun: options.dryRun === true,
          onStep: (step) => {
            if (single && step.applied) spinner.update(`${entry.shop}: applying (${++done} done)`);
          },
        });
        return toShopResult(entry.shop, report, entry);
      } catch (error) {
        const failure =
          shopTimeoutError(error, entry.shop, options.timeoutMs) ??
          inFileTerms(error, options.file, entry.sources);
        // a run over one shop: one error, as any other command
        if (single) throw failure;
        failed.push(entry.shop);
        const { code, message, hint, exitCode } = toCliError(failure, context.env, entry.shop);
        return {
          shop: entry.shop,
          inSync: false,
          unchanged: 0,
          receiverExtras: 0,
          duplicates: 0,
          lines: [],
          summary: { created: 0, updated: 0, deleted: 0, unchanged: 0, kept: 0, failed: 0 },
          ok: false,
          error: { code, message, ...(hint === undefined ? {} : { hint }), exitCode },
        };
      } finally {
        finished += 1;
        if (!single) progress();
      }
    };
    // where no spinner is seen (a CI or cron log, --json), one line per shop as it finishes
    let reported = 0;
    const syncShopReporting = async (entry: (typeof shops)[number]): Promise<ShopSyncResult> => {
      const result = await syncShop(entry);
      reported += 1;
      if (!single) {
        context.output.progress(
          shopProgressLine(result, {
            dryRun: options.dryRun === true,
            prune: options.prune === true,
            done: reported,
            total: shops.length,
          }),
        );
      }
      return result;
    };
    let results: ShopSyncResult[];
    try {
      results = await mapConcurrently(shops, SHOPS_AT_A_TIME, syncShopReporting);
    } finally {
      spinner.stop();
    }
    // warnings in the file's order (shops finish in any order), once every shop is done
    results.forEach((result, index) => {
      const entry = shops[index] as (typeof shops)[number];
      if (result.receiverExtras > 0) {
        const n = result.receiverExtras;
        context.output.warn(
          `${entry.shop} has ${n} subscription${n === 1 ? '' : 's'} to this receiver (${entry.receiverPrefix}…) that ${options.file} does not list (e.g. URLs signed with a secret that was rotated out): the shop still delivers to ${n === 1 ? 'it' : 'them'}. Delete ${n === 1 ? 'it' : 'them'} with srhooks webhooks sync -f ${options.file} --prune (add --dry-run to see the plan first)`,
        );
      }
      if (result.duplicates > 0) {
        const n = result.duplicates;
        context.output.warn(
          `${entry.shop} has ${n} duplicate subscription${n === 1 ? '' : 's'} (the same event and URL as one ${options.file} lists): the shop delivers each such event twice. Delete ${n === 1 ? 'it' : 'them'} with srhooks webhooks sync -f ${options.file} --prune (add --dry-run to see the plan first)`,
        );
      }
    });
    const failedShops = results.filter((shop) => shop.error).map((shop) => shop.shop);
    return {
      file: options.file,
      dryRun: options.dryRun === true,
      prune: options.prune === true,
      shops: results,
      ok: results.every((shop) => shop.ok),
      ...(failedShops.length === 0 ? {} : { failedShops }),
    };
  },

  render(result, style) {
    const shops = result.shops.map((shop) => renderSyncShop(shop, result, style)).join('\n\n');
    if (!result.failedShops?.length) return shops;
    const n = result.failedShops.length;
    return `${shops}\n\n${style.red('✖')} ${n} of ${result.shops.length} shops not synced: ${result.failedShops.join(', ')} (each one's reason and fix is above; the other shops were synced: run the same command again once fixed)`;
  },

  exitCode(result) {
    const failed = result.shops.find((shop) => shop.error);
    if (failed?.error) return failed.error.exitCode;
    return result.ok ? EXIT_CODES.ok : EXIT_CODES.remote;
  },
});
