import { formatDuration } from '@srhooks/contracts/duration';
import type { AdminTargetOptions } from '../admin-api/admin-api-client.js';
import { CliError, EXIT_CODES, usageError } from '../cli-error.js';
import { defineCommand } from '../command.js';
import { assertShopName, shopSource } from '../config/shop-name.js';
import { parseHttpUrl } from '../url-option.js';
import { askInstallStatus, INSTALLING, type InstallStatus } from './app-install-outcome.js';
import { askSandbox, notASandbox, unknownShopHint } from './sandbox-answer.js';
import { resolveSandboxBase } from './sandbox-url.js';

export interface AppFlowOptions extends AdminTargetOptions {
  action: 'install' | 'uninstall';
  shop?: string;
  appId?: string;
  sandboxUrl?: string;
  /** install: how long to wait for the receiver's install step to end (`--install-wait`; default 30 s). */
  installWait?: number;
}

export type { InstallStatus } from './app-install-outcome.js';

interface CallReport {
  url: string;
  status: number | null;
  location?: string;
  contentSecurityPolicy?: string;
  error?: string;
  /** The start of the app's answer (the sandbox's excerpt). */
  bodyExcerpt?: string;
}

export interface AppFlowResult {
  action: 'install' | 'uninstall';
  shop: string;
  appId: string;
  /** The signed call to the app (RedirectUri or UninstallUri). */
  call: CallReport;
  /** install: whether the app sent the owner back to app_url on the shop's admin. */
  redirectedToAppUrl?: boolean;
  /** install: the EntryPoint as the admin's iframe loaded it. */
  entryPoint?: CallReport;
  /** install, when the app took the call: the shop's install status as the receiver recorded it. */
  installStatus?: InstallStatus;
  /** uninstall: the app's subscriptions the shop dropped. */
  removedSubscriptions?: string[];
}

type Json = Record<string, unknown>;

function callFailed(call: CallReport | undefined): boolean {
  return call !== undefined && (call.status === null || call.status >= 400);
}

/** `code: message` of a JSON error answer (`{error: {code, message}}`, as srhooks' receiver gives). */
function errorOf(call: CallReport): string | undefined {
  try {
    const error = (JSON.parse(call.bodyExcerpt ?? '') as { error?: { code?: unknown; message?: unknown } })
      .error;
    if (typeof error?.message !== 'string') return undefined;
    const text = typeof error.code === 'string' ? `${error.code}: ${error.message}` : error.message;
    return text.slice(0, 300);
  } catch {
    return undefined;
  }
}

/**
 * When the app's backend can be told what its failed call did not tell it: once it runs (no answer), once
 * it has the ClientSecret the calls are signed with (it refused the signature), else once it takes calls.
 */
function backendReady(call: CallReport): string {
  if (call.status === null) return 'once the backend runs';
  if (call.status === 401 && errorOf(call)?.startsWith('bad_signature'))
    return "once the backend has the app's current ClientSecret (the one ShopRenter signs with: app.clientSecret or SRHOOKS_APP_CLIENT_SECRET; restart it)";
  return 'once the backend takes the call';
}

/** What went wrong on the app's side (unreachable or an error status), or undefined when nothing did. */
function appFailure(result: AppFlowResult): string | undefined {
  const answer = (call: CallReport) => {
    if (call.status === null) return `unreachable (${call.error ?? 'no answer'})`;
    const said = errorOf(call);
    return said ? `answered ${call.status}: ${said}` : `answered ${call.status}`;
  };
  const which = result.action === 'install' ? 'install call (RedirectUri)' : 'uninstall call (UninstallUri)';
  if (callFailed(result.call)) return `its ${which} ${answer(result.call)}`;
  if (result.entryPoint && callFailed(result.entryPoint))
    return `its EntryPoint ${answer(result.entryPoint)}`;
  return undefined;
}

/**
 * Every `code=`, `hmac=` or `session=` query value in a text (a URL, the app's answer) cut to four
 * characters (`hmac=617b…`), as commands.md's Conventions cut a receiver URL's token: the signed
 * call's code and signature, an app's session, are credentials; the rest of the URL stays.
 */
export function cutCredentialParams(text: string): string {
  return text.replace(
    /([?&;](?:code|hmac|session)=)([^&#\s"'<>\\]{1,4})[^&#\s"'<>\\]*/gi,
    (_match, name: string, start: string) => `${name}${start}…`,
  );
}

/** The app's answers as printed (both --json and the table): their credential-like parameters cut. */
function cutCall(call: CallReport): CallReport {
  const cut = { ...call, url: cutCredentialParams(call.url) };
  if (call.location !== undefined) cut.location = cutCredentialParams(call.location);
  if (call.error !== undefined) cut.error = cutCredentialParams(call.error);
  if (call.bodyExcerpt !== undefined) cut.bodyExcerpt = cutCredentialParams(call.bodyExcerpt);
  return cut;
}

/** Strips the signed query (shopname, code, timestamp, hmac) from a URL before printing it. */
function bare(url: string): string {
  return url.split('?')[0] ?? url;
}

/**
 * `srhooks app install|uninstall --shop X`: drives the sandbox's app flow (its
 * `/_sandbox/apps/{appId}/installs/{shop}` route): the sandbox sends the signed call to the app as
 * ShopRenter would, follows the redirect and loads the entry point, and reports what the app answered.
 */
export const appFlowCommand = defineCommand<AppFlowOptions, AppFlowResult>({
  async run(options, context) {
    const shop = options.shop ?? context.env.SRHOOKS_SANDBOX_SHOP ?? 'demo';
    assertShopName(shop, shopSource(options.shop, 'SRHOOKS_SANDBOX_SHOP'));
    const { url: base } = await resolveSandboxBase(options.sandboxUrl, shop, context.env, context.output);
    if (options.action === 'install') {
      // Checked before the flow: the receiver asked afterwards how the install ended.
      const receiver = options.receiver ?? (context.env.SRHOOKS_RECEIVER_URL?.trim() || undefined);
      if (receiver !== undefined)
        parseHttpUrl(
          options.receiver === undefined ? 'SRHOOKS_RECEIVER_URL' : '--receiver',
          receiver,
          `e.g. ${options.receiver === undefined ? 'SRHOOKS_RECEIVER_URL=' : '--receiver '}http://127.0.0.1:3000 (the receiver the app's redirectUri points at)`,
        );
    }
    let appId = options.appId ?? context.env.SRHOOKS_APP_ID;
    const request = async (
      method: 'GET' | 'POST' | 'DELETE',
      path: string,
      expected: string,
    ): Promise<Json> => {
      const answer = await askSandbox(base, { method, path, timeoutMs: options.timeout });
      if (!answer.ok) {
        throw new CliError(`the sandbox answered ${answer.status}: ${answer.message}`, {
          code: 'sandbox_error',
          // 409: not installed (nothing to uninstall), the caller's; 404 (a shop or app it does not have) is
          // the sandbox saying no, exit 3 as every not-found
          exitCode: answer.status === 409 ? EXIT_CODES.usage : EXIT_CODES.remote,
          ...(answer.errorCode === 'unknown_shop' ? { hint: unknownShopHint(shop) } : {}),
        });
      }
      // a JSON object, but not the sandbox's report of this route
      if (!(expected in answer.body)) throw notASandbox(base, `${method} ${path}`, answer.status);
      return answer.body;
    };
    if (!appId) {
      const apps = ((await request('GET', '/_sandbox/apps', 'apps')).apps ?? []) as Array<{ appId: string }>;
      if (apps.length !== 1) {
        throw usageError(
          apps.length === 0 ? 'the sandbox has no registered app' : 'the sandbox has several apps',
          apps.length === 0
            ? 'start it with one: srhooks sandbox --apps apps.json (a JSON list of apps, see the root README\'s "Build a ShopRenter app"), or register one with POST /_sandbox/apps'
            : `pass --app-id (${apps.map((a) => a.appId).join(', ')})`,
        );
      }
      appId = (apps[0] as { appId: string }).appId;
    }
    const path = `/_sandbox/apps/${encodeURIComponent(appId)}/installs/${shop}`;
    if (options.action === 'install') {
      const report = await request('POST', path, 'install');
      const result: AppFlowResult = {
        action: 'install',
        shop,
        appId,
        call: cutCall(report.install as CallReport),
        redirectedToAppUrl: report.redirectedToAppUrl === true,
        ...(report.entryPoint ? { entryPoint: cutCall(report.entryPoint as CallReport) } : {}),
      };
      if (appFailure(result)) return result;
      return {
        ...result,
        installStatus: await askInstallStatus(
          options,
          context.env,
          shop,
          result.call.url,
          options.installWait,
        ),
      };
    }
    const report = await request('DELETE', path, 'uninstall');
    return {
      action: 'uninstall',
      shop,
      appId,
      call: cutCall(report.uninstall as CallReport),
      removedSubscriptions: (report.removedSubscriptions ?? []) as string[],
    };
  },

  render(result, style) {
    const status = (call: CallReport | undefined) =>
      call === undefined
        ? style.dim('not loaded')
        : call.status === null
          ? style.red(`unreachable (${call.error ?? 'no answer'})`)
          : call.status < 400
            ? style.green(String(call.status))
            : style.red(String(call.status));
    const failure = appFailure(result);
    // Only a call that got no answer at all raises the question whether the app runs.
    const unreachable = [result.call, result.entryPoint].some((call) => call && call.status === null);
    // The sandbox, as ShopRenter, keeps the install or uninstall whatever the app answered: say where that
    // leaves the shop and what makes the app's backend agree again.
    const next =
      result.action === 'install'
        ? `  the shop lists app ${result.appId} as installed all the same (the sandbox keeps the install) while the app's backend did not take this install call: once the backend takes the call, run srhooks app install --shop ${result.shop} --app-id ${result.appId} again to send a new install call`
        : `  the shop no longer has app ${result.appId} (its subscriptions and tokens are gone) but the app's backend was not told, and the uninstall call is not sent again: ${backendReady(result.call)}, run srhooks app mark-uninstalled ${result.shop} against it (an srhooks receiver; --receiver URL)`;
    const failed = failure
      ? [
          `${style.red('✖')} the app did not take the ${result.action}: ${failure}${unreachable ? `; is the app's backend running at ${new URL(result.call.url).origin}?` : ''}`,
          // Only when the signed call itself failed: with the entry point alone failing the backend has the install.
          ...(callFailed(result.call) ? [next] : []),
        ]
      : [];
    if (result.action === 'install') {
      const known = result.installStatus;
      const headline = failure
        ? callFailed(result.call)
          ? `app ${result.appId} installed on ${result.shop} at the sandbox, not taken by the app`
          : `app ${result.appId}: install call on ${result.shop} answered, entry point failed`
        : known === undefined || !known.known
          ? `app ${result.appId}: install call on ${result.shop} answered, not confirmed`
          : known.stillInstalling
            ? `app ${result.appId}: install call on ${result.shop} answered, install step still running (the receiver at ${known.receiver})`
            : known.status === 'installed'
              ? `app ${result.appId} installed on ${result.shop} (confirmed by the receiver at ${known.receiver})`
              : `app ${result.appId} ${known.status} on ${result.shop} (the receiver at ${known.receiver})`;
      const outcome =
        known === undefined || failure
          ? []
          : !known.known
            ? [
                `${style.yellow('!')} the shop's install call was answered; whether the install completed is not known here: ${known.why}`,
                `  run srhooks shops --receiver ${known.receiver ?? new URL(result.call.url).origin} to see whether it completed (or pass --receiver and its admin token to this command)`,
              ]
            : known.stillInstalling
              ? [
                  `${style.yellow('!')} the receiver's install step (the app's token and webhook subscriptions) had not ended after ${formatDuration(known.stillInstalling.waitedMs)}: it goes on in the background (a slow shop API?), the shop listed ${known.status} (installing) until it ends`,
                  `  check with srhooks shops --receiver ${known.receiver} (or wait longer: --install-wait 2m)`,
                ]
              : known.status === 'pending'
                ? [
                    `${style.red('✖')} the receiver keeps the install pending: ${known.pendingReason ?? 'no reason recorded'}`,
                    `  it retries in the background${known.nextAttemptAt ? ` (next attempt ${known.nextAttemptAt})` : ''}; fix the cause above, then check with srhooks shops --receiver ${known.receiver}`,
                  ]
                : known.status === 'installed'
                  ? known.pendingReason !== null && known.pendingReason !== INSTALLING
                    ? [
                        `${style.yellow('!')} the shop stays installed with the subscriptions registered before, but this install step failed: ${known.pendingReason}`,
                        `  it retries in the background${known.nextAttemptAt ? ` (next attempt ${known.nextAttemptAt})` : ''}; fix the cause above, then check with srhooks shops --receiver ${known.receiver}`,
                      ]
                    : []
                  : [
                      `${style.red('✖')} the receiver lists the shop ${known.status}; check with srhooks shops --receiver ${known.receiver}`,
                    ];
      return [
        headline,
        `  install call   ${bare(result.call.url)} → ${status(result.call)}`,
        `  redirect       ${result.redirectedToAppUrl ? style.green('to app_url on the shop admin') : style.red(`not to app_url (${result.call.location ?? 'no Location'})`)}`,
        `  entry point    ${result.entryPoint ? `${bare(result.entryPoint.url)} → ` : ''}${status(result.entryPoint)}`,
        ...failed,
        ...outcome,
      ].join('\n');
    }
    return [
      `app ${result.appId} uninstalled from ${result.shop}`,
      `  uninstall call ${bare(result.call.url)} → ${status(result.call)}`,
      `  subscriptions  ${result.removedSubscriptions?.length ?? 0} dropped by the shop`,
      ...failed,
    ].join('\n');
  },

  /**
   * The app unreachable or answering an error, or the receiver keeping the install pending (or listing
   * it other than installed), is the remote side saying no (exit 3). Not knowing is said, not failed —
   * also an install step still running after `--install-wait` (it goes on in the receiver's background).
   */
  exitCode(result) {
    if (appFailure(result)) return EXIT_CODES.remote;
    const known = result.installStatus;
    // the install step still running after the wait: not known yet how it ends (said, as not knowing)
    if (known?.known && known.stillInstalling) return EXIT_CODES.ok;
    if (known?.known && known.status !== 'installed') return EXIT_CODES.remote;
    // installed before, but this install call's step failed (retried by the receiver): not done either
    if (known?.known && known.pendingReason !== null) return EXIT_CODES.remote;
    return EXIT_CODES.ok;
  },
});
