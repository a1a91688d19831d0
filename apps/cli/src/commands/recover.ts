import {
  AdminAnswerError,
  type AdminApi,
  type AdminTargetOptions,
  openAdminApi,
} from '../admin-api/admin-api-client.js';
import type { RecoveryReportJson } from '../admin-api/admin-types.js';
import { isRunningListen } from '../admin-api/running-listen.js';
import { CliError } from '../cli-error.js';
import { productName } from '../cli-invocation.js';
import { defineCommand } from '../command.js';
import { counted } from '../output/counted.js';

export interface RecoverOptions extends AdminTargetOptions {
  shop: string;
  /** A duration back from now (`2d`, `12h`, `90m`) or an ISO 8601 time; the receiver parses it. */
  since?: string;
  dryRun?: boolean;
}

export interface RecoverResult extends RecoveryReportJson {
  receiver: string;
}

/** How many derived events the human output lists one by one. */
const LISTED = 20;

/**
 * What a `srhooks listen` user does about a shop the listen cannot recover: listen serves the shops
 * and credentials it found at start, so the answer is a login (OAuth client credentials or a legacy
 * Basic-auth API user) or the `SRHOOKS_CLIENT_ID`/`SRHOOKS_CLIENT_SECRET` variables (listen takes them
 * only when it serves one shop; see config/listen-shop-credentials.ts), and a restart, not a config file.
 */
function listenAdvice(code: string, shop: string): string | undefined {
  const logins = `srhooks login --shop ${shop} --client-id … --client-secret … (OAuth, scope order.order:read) or srhooks login --shop ${shop} --username … --password … (legacy Basic auth), or set SRHOOKS_CLIENT_ID and SRHOOKS_CLIENT_SECRET for a listen serving only ${shop}`;
  if (code === 'no_credentials')
    return `${productName('listen')} serves the API credentials it found when it started: run ${logins}; then restart srhooks listen`;
  if (code === 'unknown_shop')
    return `restart srhooks listen with --shop ${shop}, with the shop's API credentials: ${logins}`;
  return undefined;
}

/**
 * `: demo, acme`, the shops the receiver serves (`GET /shops`), so a mistyped `--shop` shows the name
 * meant; empty when it cannot say (no such route, a failed read): the refusal is told either way.
 */
async function servedShops(api: AdminApi): Promise<string> {
  const answer = await api.get<{ items: { name: string }[] }>('/shops').catch(() => null);
  const names = answer?.items.map((item) => item.name) ?? [];
  return names.length > 0 ? `: ${names.join(', ')}` : '';
}

/**
 * The receiver's refusal of a `since` (further back than its look-back, before an app shop's install)
 * as the command line says it: the receiver writes for its admin API, `since 2026-…Z reaches further
 * back …; pass a later since`; the user typed `--since`, and a duration (`--since 2d`) is named as typed,
 * with the time the receiver made of it: `--since 2d (2026-…Z) reaches …`.
 */
function sinceRefused(error: AdminAnswerError, throughListen: boolean, typed?: string): CliError {
  const message = error.message
    .replace(/(^|[^-\w])since\b/g, '$1--since')
    .replace(/^--since (\S+Z)\b/, (whole, time: string) =>
      typed && typed !== time ? `--since ${typed} (${time})` : whole,
    );
  const lookBack = /\((\d+) days?, [^)]*\)/.exec(message);
  if (!throughListen || !lookBack)
    return new CliError(message, { code: error.code, exitCode: error.exitCode });
  // srhooks listen has the receiver's default look-back and reads no SRHOOKS_RECOVERY_LOOK_BACK_DAYS:
  // the receiver's "raise the look-back and restart the receiver" cannot be followed there
  const days = lookBack[1];
  return new CliError(
    message
      .replace(lookBack[0], `(${days} day${days === '1' ? '' : 's'})`)
      .replace(/, or raise the look-back and restart the receiver\.$/, '.'),
    {
      code: error.code,
      exitCode: error.exitCode,
      hint: `${productName('listen')} reads at most ${days} day${days === '1' ? '' : 's'} back, always (it does not read SRHOOKS_RECOVERY_LOOK_BACK_DAYS, the receiver's setting); for a longer look-back, run the receiver (apps/receiver) with SRHOOKS_RECOVERY_LOOK_BACK_DAYS or recoveryLookBackDays in its config`,
    },
  );
}

/**
 * Runs one recovery pass on a receiver now (`POST /admin/api/recover`): reads the shop's orders
 * changed since `--since` from its API and stores the events the receiver missed (or, with
 * `--dry-run`, only says what it would store).
 */
export const recoverCommand = defineCommand<RecoverOptions, RecoverResult>({
  async run(options, context) {
    const api = await openAdminApi(options, context.env);
    let answer: { report: RecoveryReportJson };
    try {
      answer = await api.post<{ report: RecoveryReportJson }>('/recover', {
        shop: options.shop,
        ...(options.since ? { since: options.since } : {}),
        ...(options.dryRun ? { dryRun: true } : {}),
      });
    } catch (error) {
      if (error instanceof AdminAnswerError && error.code === 'bad_since')
        throw sinceRefused(error, await isRunningListen(api.receiverUrl, context.env), options.since);
      const advice = error instanceof AdminAnswerError ? listenAdvice(error.code, options.shop) : undefined;
      if (!advice || !(await isRunningListen(api.receiverUrl, context.env))) throw error;
      const refused = error as AdminAnswerError;
      // The receiver's own advice for an unknown shop names srhooks.config.json, which listen does not read.
      // For a shop without credentials, its config keys (clientId, clientSecret): listen has no such file.
      const message =
        refused.code === 'unknown_shop'
          ? `Shop "${options.shop}" is not served by this ${productName('listen')} (${api.receiverUrl}): it serves the shops it found when it started${await servedShops(api)}.`
          : refused.code === 'no_credentials'
            ? `Shop "${options.shop}" has no API credentials in this ${productName('listen')} (${api.receiverUrl}), so recovery cannot read its orders.`
            : refused.message;
      throw new CliError(message, {
        code: refused.code,
        exitCode: refused.exitCode,
        hint: advice,
      });
    }
    return { receiver: api.receiverUrl, ...answer.report };
  },

  render(result, style) {
    const counts = Object.entries(result.recovered).filter(([, n]) => n > 0);
    const total = counts.reduce((sum, [, n]) => sum + n, 0);
    const read = `read ${counted(result.ordersRead, 'order')}${result.subscribersRead > 0 ? ` and ${counted(result.subscribersRead, 'subscriber')}` : ''} changed since ${result.since}`;
    const what = counts.map(([event, n]) => `${n} ${event}`).join(', ');
    const head = result.dryRun
      ? `${style.yellow('dry run')}: ${read}; would recover ${total === 0 ? 'nothing' : what}`
      : total === 0
        ? `${style.green('✔')} ${read}; nothing was missed`
        : `${style.green('✔')} ${read}; recovered ${what}`;
    const known =
      result.alreadyStored > 0
        ? `\n  ${counted(result.alreadyStored, 'event')} the receiver already had`
        : '';
    // The shop's clock, behind the receiver's by more than 2 s: the pass read by it (shop-clock.ts).
    const clock =
      result.shopClockBehindMs > 0
        ? `\n  read by the shop's clock, ${Math.round(result.shopClockBehindMs / 1000)} s behind the receiver's`
        : '';
    const fresh = result.events.filter((line) => line.outcome === 'new');
    const lines = fresh
      .slice(0, LISTED)
      .map(
        (line) =>
          `\n  ${result.dryRun ? 'would recover' : 'recovered'} ${line.event} ${line.subjectId} (${line.dedupeKey})`,
      )
      .join('');
    const more =
      fresh.length > LISTED ? `\n  … and ${fresh.length - LISTED} more (--json lists up to 1000)` : '';
    // Events of a delayed subscription (webHookDelay) whose delivery the shop has not sent yet.
    const waiting = result.events.filter((line) => line.outcome === 'not_due');
    const notDue =
      result.notDue > 0
        ? `\n  ${counted(result.notDue, 'event')} not due yet: ${result.notDue === 1 ? "its subscription's delay has not passed, so the shop sends it later (a later pass recovers it if it does not arrive)" : "their subscription's delay has not passed, so the shop sends them later (a later pass recovers any that do not arrive)"}${waiting
            .slice(0, LISTED)
            .map(
              (line) =>
                `\n  not due yet ${line.event} ${line.subjectId} (${line.dedupeKey}), due ${line.dueAt}`,
            )
            .join('')}`
        : '';
    return `${head}${known}${clock}${lines}${more}${notDue}`;
  },
});
