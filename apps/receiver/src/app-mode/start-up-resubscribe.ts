/**
 * At start-up in app mode: every installed shop whose subscriptions are not signed with the newest URL
 * secret is re-registered with it — the install step again, in the background, one shop at a time, each in a
 * turn of the receiver's bound on install steps (install-step-turns.ts) (a shop
 * whose step fails stays installed, with the reason, and is retried; on PostgreSQL each shop's step runs on
 * one receiver at a time, and one that finds the shop already on the newest secret skips it). Which secret
 * signed a shop's URLs is known from the fingerprint recorded with it (secret-fingerprint.ts):
 *
 * - signed with the newest: nothing to do (no API call);
 * - with an older one still configured (a rotation, `new,old`): re-registered;
 * - with none of the configured ones (the secret was REPLACED, not rotated): re-registered, and one warning
 *   (`secret_replaced`) says what happened and how to change the secret without losing deliveries;
 * - nothing recorded (installed before fingerprints were kept): re-registered only while several secrets
 *   are configured, as before; with one, nothing is done or said (the receiver cannot tell);
 * - registered under another `publicUrl` (the receiver moved; known for records written since the base is
 *   fingerprinted too): re-registered under the new one, the step deleting the old subscriptions;
 * - registered for other app subscriptions than `app.events` / `app.webhooks` list now (a new version of the
 *   app wants another event or other fields; subscription-plan.ts): re-registered, so the shops installed
 *   before the change get it too.
 */
import type { FastifyBaseLogger } from 'fastify';
import type { ReceiverConfig } from '../config/config-schema.js';
import type { AppShopRecord } from '../store/app-shops/app-shop-store.js';
import { type InstallOutcome, type InstallStepContext, runInstallStep } from './install-step.js';
import { type InstallStepTurns, NOT_STARTED } from './install-step-turns.js';
import { registeredUnderOtherBase, secretStanding } from './secret-fingerprint.js';
import { registeredForOtherPlan } from './subscription-plan.js';

export interface ResubscribePlan {
  /** Installed shops to re-register, by name. */
  reRegister: string[];
  /** Installed shops whose subscriptions are under another `publicUrl` (the receiver moved). */
  moved: number;
  /** Shops (installed or pending) whose URLs were signed with a secret no longer configured. */
  replaced: number;
  /** Installed shops with no fingerprint recorded. */
  unknown: number;
  /**
   * Installed shops whose subscriptions were registered for other app subscriptions than configured now
   * (`app.events` / `app.webhooks` changed since: subscription-plan.ts).
   */
  changed: number;
  /** Installed shops re-registered because their URLs are not signed with the newest secret. */
  secret: number;
}

export function planResubscribe(
  records: readonly AppShopRecord[],
  secrets: readonly string[],
  /** The receiver's `publicUrl` now: a shop registered under another one is re-registered too. */
  publicUrl?: string,
  /**
   * The configuration now: a shop registered for other app subscriptions is re-registered too (not a shop of
   * the config file's `shops`, which its entry serves: its install registers nothing).
   */
  config?: ReceiverConfig,
): ResubscribePlan {
  const plan: ResubscribePlan = { reRegister: [], moved: 0, replaced: 0, unknown: 0, changed: 0, secret: 0 };
  const configShops = new Set(config?.shops.map((shop) => shop.name) ?? []);
  for (const record of records) {
    if (record.status === 'uninstalled') continue;
    const standing = secretStanding(record.secretFingerprint, secrets);
    if (standing === 'replaced') plan.replaced += 1;
    if (record.status !== 'installed') continue; // pending: the install retry runs its step
    if (standing === 'unknown') plan.unknown += 1;
    const moved = registeredUnderOtherBase(record, secrets, publicUrl);
    if (moved) plan.moved += 1;
    const changed =
      config !== undefined && !configShops.has(record.shop) && registeredForOtherPlan(record, config);
    if (changed) plan.changed += 1;
    const notNewest =
      standing === 'old' || standing === 'replaced' || (standing === 'unknown' && secrets.length > 1);
    if (notNewest) plan.secret += 1;
    if (notNewest || moved || changed) plan.reRegister.push(record.shop);
  }
  return plan;
}

export const SECRET_REPLACED_MESSAGE = (shops: number) =>
  `the URL secret that signed the webhook URLs of ${shops} app shop(s) is no longer configured: SRHOOKS_SECRETS was replaced instead of rotated. ` +
  'Their deliveries to those URLs are refused (404, as forged) until their subscriptions are re-registered with the newest secret, which starts now in the background, ' +
  'and ShopRenter does not send a refused delivery again (assumed): orders of that time are read back by order recovery (or `srhooks recover --shop S --since …`); ' +
  'check `srhooks shops --receiver` for shops whose step keeps failing. To change the secret without losing deliveries: put the new one first (SRHOOKS_SECRETS=new,old) and restart, ' +
  'wait until every shop is re-registered, then drop the old one (SRHOOKS_SECRETS=new) and restart';

/**
 * Reads the app shops, logs the plan (and the `secret_replaced` warning) and re-registers the shops one at a
 * time until done or `stopped()`, each step in a turn of `turns` (the receiver's bound on install steps
 * running at once, which the install calls' and the background retry's steps share: each holds its shop's
 * install lock, with PostgreSQL a connection of its own), as background work. Never throws.
 */
export async function resubscribeAtStartUp(
  ctx: InstallStepContext,
  turns: InstallStepTurns,
  log: FastifyBaseLogger,
  stopped: () => boolean,
): Promise<void> {
  try {
    const records = await ctx.appShops.list();
    const plan = planResubscribe(records, ctx.config.secrets, ctx.config.publicUrl, ctx.config);
    if (plan.replaced > 0)
      log.warn({ code: 'secret_replaced', shops: plan.replaced }, SECRET_REPLACED_MESSAGE(plan.replaced));
    log.info(
      {
        code: 'app_secret_check',
        reRegister: plan.reRegister.length,
        moved: plan.moved,
        changed: plan.changed,
        unknown: plan.unknown,
        secrets: ctx.config.secrets.length,
      },
      plan.reRegister.length > 0
        ? `installed shops to re-register (${plan.reRegister.length}), in the background: ${[
            ...(plan.secret > 0
              ? [
                  `URLs not signed with the newest URL secret (${plan.secret}; the old subscriptions are deleted)`,
                ]
              : []),
            ...(plan.moved > 0 ? [`under another publicUrl (${plan.moved})`] : []),
            ...(plan.changed > 0
              ? [
                  `registered for other app subscriptions than app.events / app.webhooks list now (${plan.changed})`,
                ]
              : []),
          ].join('; ')}`
        : "installed shops' subscriptions: none to re-register with the newest URL secret or the app's subscriptions",
    );
    const counts = { reRegistered: 0, superseded: 0, uninstalled: 0, retried: 0 };
    const reRegister = new Set(plan.reRegister);
    // In the plan's order (the records'), each with the install time it was read with.
    for (const { shop, installedAt } of records.filter((record) => reRegister.has(record.shop))) {
      if (stopped()) return;
      // A turn of the receiver's bound on install steps, as the background retry's (install-step-turns.ts).
      const outcome = await turns.run(
        shop,
        () => runInstallStep(ctx, shop, { installedAt, onlyIfNotCurrent: true }),
        'background',
      );
      if (outcome === NOT_STARTED) return; // the receiver is closing
      counts[resubscribeCount(outcome)] += 1;
    }
    if (plan.reRegister.length > 0)
      log.info({ shops: plan.reRegister.length, ...counts }, resubscribedMessage(counts));
  } catch (error) {
    log.warn({ err: error }, 'cannot re-subscribe installed shops with the newest URL secret');
  }
}

/**
 * How the summary line counts a shop's step: `installed` / `current` — re-registered (or found so: another
 * receiver on the store did it); `superseded` — an install call came for the shop while the step ran (the
 * app installed on it again): the step recorded nothing and that call's step registers the shop;
 * `gone` — the shop uninstalled the app meanwhile (nothing to register); `pending` — failed, recorded with
 * its reason and retried in the background (the shop stays installed on its old URLs meanwhile).
 */
function resubscribeCount(
  outcome: InstallOutcome,
): 'reRegistered' | 'superseded' | 'uninstalled' | 'retried' {
  switch (outcome) {
    case 'installed':
    case 'current':
      return 'reRegistered';
    case 'superseded':
    case 'not_due': // not answered without onlyIfDueAt; it would mean another holder ran the step
      return 'superseded';
    case 'gone':
      return 'uninstalled';
    case 'pending':
      return 'retried';
  }
}

/** The summary line once every planned shop's step ran: only failed steps are retried in the background. */
export function resubscribedMessage(counts: {
  reRegistered: number;
  superseded: number;
  uninstalled: number;
  retried: number;
}): string {
  const others = [
    ...(counts.superseded > 0
      ? [`${counts.superseded} installed again meanwhile, re-registered by that install call's step instead`]
      : []),
    ...(counts.uninstalled > 0 ? [`${counts.uninstalled} uninstalled the app meanwhile`] : []),
  ];
  const done =
    'installed shops re-subscribed with the newest URL secret and the app subscriptions configured';
  if (counts.retried > 0)
    return `${done}, but for some: ${counts.retried} failed and retried in the background${others.length > 0 ? `; ${others.join('; ')}` : ''}`;
  return others.length > 0 ? `${done} (${others.join('; ')})` : done;
}
