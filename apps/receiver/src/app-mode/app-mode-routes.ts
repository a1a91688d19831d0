/**
 * App mode's routes (FACTS.md §7, §8), at the paths of `config.app`:
 *
 * 1. Install (`GET installPath`, ShopRenter's RedirectUri): verify the request (app-request.ts), record
 *    the shop as installed-pending (durable), run the API step (install-step.ts: token + subscriptions;
 *    on failure the shop stays pending with the reason and the background retry takes over) — waited for
 *    at most `installWaitSeconds`, a slower one goes on in the background (install-call-step.ts) —, then
 *    redirect the owner to `app_url` — only when it lies under the shop's own admin
 *    (`{adminUrl}/app/…`); otherwise to the app's page there. Never an open redirect.
 * 2. Uninstall (`GET uninstallPath`, uninstall-route.ts): verify; mark the shop uninstalled (its URLs
 *    answer 404 from now on, its pending jobs are cancelled); the app's handlers get an `app_uninstalled`
 *    event (shop-uninstall.ts, shared with the admin API's mark for a lost uninstall call). The shop's
 *    API is not called: ShopRenter dropped the subscriptions and the token no longer works. A call that
 *    meets an unavailable store is spooled (SRHOOKS_SPOOL_DIR) and applied when drained.
 * 3. Entry point (`GET entryPath`): verify; serve the shop's page inside the admin iframe (entry-page.ts)
 *    with `frame-ancestors` allowing only that shop's admin origin, and links carrying a session bound to
 *    the shop — or redirect to the app's own UI (`entryPoint: <url>`, with the request's own unsigned
 *    parameters and the session). `GET entryPath/session` tells
 *    that UI whether a session still holds: 200 with the shop's status, 403 `shop_uninstalled` once the
 *    shop uninstalled (the signed session itself cannot be revoked), 401 for a bad or expired one.
 * 4. Payment API notifications (`POST paymentPath`, with `webhookSecretKey`):
 *    payment-notification-route.ts.
 *
 * Failures answer 401 (not authentic, stale, replayed) with a short reason; nothing is stored for them.
 */
import { isValidShopName } from '@srhooks/contracts';
import type { FastifyPluginAsync, FastifyReply, FastifyRequest } from 'fastify';
import { errorBody } from '../http/error-body.js';
import { withStoreTimeout } from '../ingest/store-call.js';
import { INSPECTOR_CSS } from '../inspector/inspector-style.js';
import { warnDedupeFields } from '../reconcile/reconcile-shops.js';
import type { ReceiverRoutePlugin } from '../routes/index.js';
import type { AppShopRecord } from '../store/app-shops/app-shop-store.js';
import { StoreUnavailableError } from '../store/store.js';
import { type AppConfig, forShop } from './app-config.js';
import { checkAppRequest } from './app-request.js';
import {
  allowedAppUrl,
  appAdminPage,
  entryHeaders,
  entryRefusalMessage,
  installRefusalMessage,
  notInstalledMessage,
  wantsHtml,
} from './app-route-answers.js';
import { entryDetailPage, entryErrorPage, entryListPage } from './entry-page.js';
import { InstallCallSteps } from './install-call-step.js';
import { type InstallStepContext, startInstallRetry } from './install-step.js';
import { InstallStepTurns } from './install-step-turns.js';
import { registerPaymentNotificationRoute } from './payment-notification-route.js';
import { registerSessionCheckRoute } from './session-check-route.js';
import { checkShopSession, createShopSession, type ShopSession, sessionQuery } from './shop-session.js';
import type { ShopUninstallContext } from './shop-uninstall.js';
import { uninstallDrain } from './spooled-uninstall.js';
import { resubscribeAtStartUp } from './start-up-resubscribe.js';
import { type AppPageKind, adminOrigin, sendStoreUnavailablePage } from './store-unavailable-page.js';
import { registerUninstallRoute } from './uninstall-route.js';

type Query = Record<string, string | string[] | undefined>;

import { PAYMENT_API_SHOP } from './payment-filing.js';
import { refusalReason } from './refusal-reason.js';

export { allowedAppUrl, appAdminPage, notInstalledMessage, PAYMENT_API_SHOP };

const plugin: FastifyPluginAsync = async (app) => {
  const appConfig = app.config.app;
  const appShops = app.appShops;
  if (!appConfig || !appShops) return;
  const directory = app.shopDirectory;
  // The subscriptions every installed shop gets: checked once here, with the rule and message the
  // reconcile of config shops uses (no URL, no data).
  warnDedupeFields(
    appConfig.webhooks,
    { path: 'app.webhooks', owner: 'app mode (every installed shop)' },
    app.log,
  );
  // Without subscriptions (app mode from its variables alone) every install succeeds with no webhook and no
  // order ever arrives. An app may mean that (Payment API and entry point only): said once, not refused.
  if (appConfig.events.length === 0 && appConfig.webhooks.length === 0)
    app.log.warn(
      { code: 'app_no_subscriptions' },
      'app mode has no subscriptions: installed shops get no webhooks, so no order or newsletter event arrives from them; list the events in app.events (or app.webhooks) of the config file if the app should receive them',
    );
  // Without app handlers the installed shops' events and the app's own (app_uninstalled, Payment API
  // notifications) are stored and shown, but nothing processes them: said once, as above.
  if (appConfig.handlers.length === 0)
    app.log.warn(
      { code: 'app_no_handlers' },
      "app mode has no handlers: installed shops' events, app_uninstalled and Payment API notifications are stored but no handler runs for them; list handler names (keys of the top-level handlers) in app.handlers of the config file",
    );
  // The install, entry and session requests' store calls, and the install steps' (background work: a step
  // outlives its call), are bounded once the shutdown has begun (Store.forRequests, forBackgroundWork): one
  // that PostgreSQL leaves unanswered for the store's close grace is cut short — the request is answered 503,
  // the step stays due —, so a link gone silent holds neither the request nor the shutdown. The uninstall and
  // Payment API routes keep the unbounded store and shop records: like a delivery, each such call is taken
  // while the receiver closes and waits the store timeout before it is spooled (never given up unanswered).
  const requestStore = app.store.forRequests?.() ?? app.store;
  const requestShops = app.store.shutdownBoundViewOf?.(appShops, 'request') ?? appShops;
  // The install lock's call is not bounded: it is held while the step calls the shop's API (not PostgreSQL's
  // work). Taking it is (boundLockAcquisition: a pass-through bounded as the shop records are).
  const backgroundShops =
    app.store.shutdownBoundViewOf?.(appShops, 'background work', ['withInstallLock']) ?? appShops;
  const lockAcquisition = app.store.shutdownBoundViewOf?.(
    { taken: (acquiring: Promise<void>) => acquiring },
    'background work',
  );
  const ctx: InstallStepContext = {
    config: app.config,
    appShops: backgroundShops,
    directory,
    logger: app.log,
    ...(lockAcquisition ? { boundLockAcquisition: (acquiring) => lockAcquisition.taken(acquiring) } : {}),
  };
  // Install calls' steps and the background retry's share one bound (each holds a lock connection with
  // PostgreSQL; install-step-turns.ts), and so does the start-up re-registration below.
  const turns = new InstallStepTurns(app.log);
  const stopRetry = startInstallRetry(ctx, turns);
  const installCalls = new InstallCallSteps(ctx, turns, appConfig.installWaitSeconds * 1000);

  // Installed shops whose subscriptions are not signed with the newest URL secret (a rotation `new,old`, or
  // a secret replaced outright) move to URLs signed with it — the install step again, in the background, one
  // shop at a time, each in a turn of `turns` —, as the start-up reconcile does for config shops (start-up-resubscribe.ts). Otherwise
  // their deliveries would answer 404 once the old secret is gone.
  let stopped = false;
  let resubscribing: Promise<void> = Promise.resolve();
  app.addHook('onReady', async () => {
    resubscribing = resubscribeAtStartUp(ctx, turns, app.log, () => stopped);
  });
  // On close (one hook: fastify runs onClose hooks one after the other, the last added first) the
  // re-registration starts no further shop and the retry stops reading due shops; then the steps still
  // waiting their turn are not started and those running (an install call's that outlived the call, a
  // retry's, the re-registration's) finish before the store closes — at most the shutdown timeout, which
  // bounds the wait for the re-registration's end too: its running step is one of those steps, and one still
  // waiting on the shop's API (or on another receiver's install lock, up to the lock's hold limit) is left to
  // the store's close, as the others are (turns.settled). Before, the re-registration was waited for with
  // no limit, ahead of the rest.
  app.addHook('onClose', async () => {
    stopped = true;
    const startedAt = Date.now();
    await stopRetry();
    const [, reRegistration] = await Promise.all([
      turns.settled(app.config.shutdownTimeoutMs),
      endedWithin(resubscribing, app.config.shutdownTimeoutMs - (Date.now() - startedAt)),
    ]);
    if (reRegistration === 'timeout')
      app.log.warn(
        { code: 'app_reregistration_left', waitedMs: app.config.shutdownTimeoutMs },
        "app mode's start-up re-registration still running at shutdown (a step waiting on a shop's API or install lock): left; the shops it had not re-registered are re-registered at the next start",
      );
  });

  /**
   * `shop`: the shop the request names (proven or not). The entry point's refusals are shown inside that
   * shop admin's iframe — a replayed link after a frame reload, a session past its hour —, so its admin
   * origin may frame the error page (static text, nothing to click); with `frame-ancestors 'none'` the
   * browser showed its own "refused to connect" instead of what to do. Any other framer stays refused.
   */
  function refuse(
    reply: FastifyReply,
    status: number,
    code: string,
    message: string,
    asHtml: boolean,
    shop?: unknown,
    title = 'Not allowed',
  ) {
    if (asHtml) {
      const framer = typeof shop === 'string' && isValidShopName(shop) ? frameAncestorOrNull(shop) : null;
      return reply
        .code(status)
        .type('text/html; charset=utf-8')
        .header('content-security-policy', `default-src 'none'; frame-ancestors ${framer ?? "'none'"}`)
        .header('cache-control', 'no-store')
        .send(entryErrorPage(title, message));
    }
    return reply.code(status).send(errorBody(code, message));
  }

  /** The shop admin's origin, which may frame the entry point's refusals; null when it cannot be made. */
  function frameAncestorOrNull(shop: string): string | null {
    return adminOrigin(appConfig as AppConfig, shop);
  }

  /**
   * The install and entry routes need the shop records: while the store is unavailable they answer the
   * shop owner's browser a 503 page asking to try again in a minute (store-unavailable-page.ts).
   */
  function orUnavailablePage<R extends FastifyRequest>(
    kind: AppPageKind,
    handler: (request: R, reply: FastifyReply) => Promise<unknown>,
  ) {
    return async (request: R, reply: FastifyReply) => {
      try {
        return await handler(request, reply);
      } catch (error) {
        if (!(error instanceof StoreUnavailableError) || reply.sent) throw error;
        app.metrics.storeErrors.inc({ operation: `app_${kind}` });
        const claimed = (request.query as Query).shopname ?? (request.query as Query).shop;
        return sendStoreUnavailablePage(reply, appConfig as AppConfig, kind, claimed, request.log);
      }
    };
  }

  async function verified(request: FastifyRequest, reply: FastifyReply, kind: 'install' | 'entry') {
    const result = await withStoreTimeout(
      'app request check',
      checkAppRequest(request.query as Query, appConfig as AppConfig, requestShops),
      app.config.storeTimeoutMs,
    );
    if (!result.ok) {
      app.metrics.forgedAttempts.inc({ reason: refusalReason(result.error.code) });
      request.log.warn(
        // The reason names a parameter or the timestamp's skew, never a value of the request.
        {
          appRequest: {
            kind,
            refused: result.error.code,
            reason: result.error.message,
            remoteAddress: request.ip,
          },
        },
        'app request refused',
      );
      const claimed = (request.query as Query).shopname;
      if (kind === 'install' && wantsHtml(request)) {
        refuse(
          reply,
          401,
          result.error.code,
          installRefusalMessage(claimed, result.error.code, result.error.message),
          true,
          claimed,
          'The app could not be installed',
        );
        return null;
      }
      if (kind === 'entry') {
        refuse(
          reply,
          401,
          result.error.code,
          entryRefusalMessage(result.error.code, result.error.message),
          true,
          claimed,
        );
        return null;
      }
      refuse(reply, 401, result.error.code, result.error.message, false, claimed);
      return null;
    }
    return result;
  }

  // 1. Install.
  app.get(
    appConfig.installPath,
    orUnavailablePage('install', async (request, reply) => {
      const result = await verified(request, reply, 'install');
      if (!result) return reply;
      const { shop } = result;
      // Payment API notifications whose URL names no shop are filed under this name: a shop so named would
      // see them (other shops' charges) in its entry page, and its own charges would mix with them.
      if (shop === PAYMENT_API_SHOP) {
        request.log.warn(
          { shop, code: 'reserved_shop' },
          'app install refused: the shop name is reserved for Payment API notifications that name no shop',
        );
        return refuse(
          reply,
          403,
          'reserved_shop',
          `This app cannot be installed on a shop named ${PAYMENT_API_SHOP}: its backend reserves that name for Payment API notifications that name no shop. Contact the app's developer.`,
          wantsHtml(request),
          shop,
          'The app could not be installed',
        );
      }
      const retryAt = new Date(Date.now() + appConfig.retryIntervalSeconds * 1000);
      const record = await withStoreTimeout(
        'record install',
        requestShops.recordInstall(shop, {
          appVersion: appConfig.appVersion ?? null,
          nextAttemptAt: retryAt,
          // A config file's shop is recovered on its entry's credentials: its failures are not the install's.
          resetRecoveryFailures: !directory.isConfigShop(shop),
        }),
        app.config.storeTimeoutMs,
      );
      directory.remember(record);
      const outcome = await installCalls.start(shop, {
        dueAt: record.nextAttemptAt ?? retryAt,
        installedAt: record.installedAt,
      });
      request.log.info({ shop, outcome }, 'app install received');
      const target = allowedAppUrl(appConfig, shop, result.unsigned.app_url) ?? appAdminPage(appConfig, shop);
      return reply.redirect(target, 302);
    }),
  );

  // 2. Uninstall (uninstall-route.ts; shop-uninstall.ts: the same path as an operator's mark through the
  // admin API). A call spooled while the store was unavailable is applied by the drainer (spooled-uninstall.ts).
  const uninstallCtx: ShopUninstallContext = {
    appShops,
    directory,
    store: app.store,
    handlers: app.handlers,
    storeTimeoutMs: app.config.storeTimeoutMs,
  };
  registerUninstallRoute(app, { appConfig, appShops, uninstall: uninstallCtx });
  app.spoolDrainer?.drainUninstallsWith(uninstallDrain(uninstallCtx, appConfig, app.log));

  // 3. Entry point, and its shop-scoped detail pages.
  const detailPath = `${appConfig.entryPath.replace(/\/+$/, '')}/events/:id`;
  // The pages' stylesheet (the inspector's; public, as the inspector serves it): their policy allows 'self'.
  const stylesheetPath = `${appConfig.entryPath.replace(/\/+$/, '')}/assets/entry.css`;
  app.get(stylesheetPath, async (_request, reply) =>
    reply
      .type('text/css; charset=utf-8')
      .header('cache-control', 'no-cache')
      .header('x-content-type-options', 'nosniff')
      .send(INSPECTOR_CSS),
  );
  app.get(
    appConfig.entryPath,
    orUnavailablePage('entry', async (request, reply) => {
      const query = request.query as Query;
      // The event pages' "← all events" link: the shop-bound session instead of ShopRenter's signed parameters
      // (their code is accepted once, so they cannot open the list a second time).
      if (appConfig.entryPoint === 'inspector' && query.hmac === undefined && query.session !== undefined) {
        const found = await sessionOf(query, reply);
        if (!found) return reply;
        return sendEntryList(reply, found.session, found.record.status);
      }
      const result = await verified(request, reply, 'entry');
      if (!result) return reply;
      const { shop } = result;
      const record = await installedRecord(shop);
      if (!record) {
        return refuse(reply, 403, 'not_installed', notInstalledMessage(shop), true, shop);
      }
      const session = createShopSession(shop, appConfig.clientSecret);
      if (appConfig.entryPoint !== 'inspector') {
        const target = new URL(forShop(appConfig.entryPoint, shop));
        // The app's own parameters (added to app_url, or a link to the admin's app page) reach the EntryPoint
        // beside the signed ones (documented): they go on, unsigned as they came, after the configured URL's
        // own (which they never replace); the session's are set over them.
        const configured = new Set(target.searchParams.keys());
        for (const [key, value] of Object.entries(result.unsigned))
          if (!configured.has(key)) target.searchParams.set(key, value);
        for (const [key, value] of new URLSearchParams(sessionQuery(session)))
          target.searchParams.set(key, value);
        return reply.redirect(target.toString(), 302);
      }
      return sendEntryList(reply, session, record.status);
    }),
  );

  /**
   * The shop's latest events, each linking to its page with `session`: a fresh one after a verified entry
   * call, else the session the request came with, unchanged. A link made from a session never carries a
   * later expiry than that session's own, or a link copied once (history, a screenshot, a message to
   * support) could be renewed for ever by opening it again within each hour.
   */
  async function sendEntryList(reply: FastifyReply, session: ShopSession, status: string) {
    const { shop } = session;
    // Bounded by the store timeout like the shop records' reads: a link gone silent is a quick 503 page.
    const events = await withStoreTimeout(
      'list app shop events',
      requestStore.listEvents({ shop, limit: 50 }),
      app.config.storeTimeoutMs,
    );
    const query = sessionQuery(session);
    return reply.headers(entryHeaders(appConfig as AppConfig, shop)).send(
      entryListPage({
        shop,
        status,
        events: events.items.filter((event) => event.shop === shop),
        detailUrl: (id) => `${detailPath.replace(':id', encodeURIComponent(id))}?${query}`,
        stylesheet: stylesheetPath,
      }),
    );
  }

  /**
   * The shop's record when it has the app (installed or pending), else undefined. The list in memory first;
   * a shop it does not show as having the app is read from the store, since another instance on the same
   * PostgreSQL store may have handled its install (or re-install) since this one last read the list: the
   * owner's browser, redirected right after the install, loads the entry point from any instance.
   */
  async function installedRecord(shop: string) {
    const known = directory.appShop(shop);
    if (known && known.status !== 'uninstalled') return known;
    const read = await withStoreTimeout(
      'read app shop',
      directory.reloadShop(shop, requestShops),
      app.config.storeTimeoutMs,
    );
    return read && read.status !== 'uninstalled' ? read : undefined;
  }

  /**
   * An entry-page link's session (an event page, "← all events") and the shop's record, or null when it is
   * refused (answered): missing, forged or expired, or the shop has uninstalled the app since.
   */
  async function sessionOf(
    query: Query,
    reply: FastifyReply,
  ): Promise<{ session: ShopSession; record: AppShopRecord } | null> {
    const session = checkShopSession(query, (appConfig as AppConfig).clientSecret);
    if (!session.ok) {
      refuse(
        reply,
        401,
        'no_session',
        session.reason === 'expired'
          ? 'This link has expired: open the app again from the shop admin.'
          : 'This link is not valid: open the app from the shop admin.',
        true,
        query.shop,
      );
      return null;
    }
    // The session outlives an uninstall (it is valid for an hour): the shop must still have the app.
    const record = await installedRecord(session.shop);
    if (!record) {
      refuse(reply, 403, 'not_installed', notInstalledMessage(session.shop), true, session.shop);
      return null;
    }
    return { session: session.session, record };
  }

  app.get<{ Params: { id: string }; Querystring: Query }>(
    detailPath,
    orUnavailablePage(
      'entry',
      async (request: FastifyRequest<{ Params: { id: string }; Querystring: Query }>, reply) => {
        const found = await sessionOf(request.query, reply);
        if (!found) return reply;
        const { session } = found;
        const { shop } = session;
        const event = await withStoreTimeout(
          'read app shop event',
          requestStore.getEvent(request.params.id),
          app.config.storeTimeoutMs,
        );
        // Another shop's event is answered exactly like a missing one.
        if (!event || event.shop !== shop)
          return refuse(reply, 404, 'not_found', 'No such event for this shop.', true, shop);
        // The session it came with, not a fresh hour (see sendEntryList).
        const back = `${appConfig.entryPath}?${sessionQuery(session)}`;
        return reply
          .headers(entryHeaders(appConfig, shop))
          .send(entryDetailPage(event, back, stylesheetPath));
      },
    ),
  );

  // The session check for the app's own UI (`entryPoint: "<url>"`): session-check-route.ts.
  registerSessionCheckRoute(app, appConfig, requestShops);

  // 4. Payment API notifications (payment-notification-route.ts).
  await registerPaymentNotificationRoute(app, appConfig, appShops);
};

/** Whether `work` settled within `timeoutMs` (at least 0: then only if it has already settled). */
async function endedWithin(work: Promise<unknown>, timeoutMs: number): Promise<'ended' | 'timeout'> {
  let timer: NodeJS.Timeout | undefined;
  const timedOut = new Promise<'timeout'>((resolve) => {
    timer = setTimeout(() => resolve('timeout'), Math.max(0, timeoutMs));
  });
  const settled = work.then(
    () => 'ended' as const,
    () => 'ended' as const,
  );
  try {
    return await Promise.race([settled, timedOut]);
  } finally {
    clearTimeout(timer);
  }
}

export const appModeRoute: ReceiverRoutePlugin = { name: 'app-mode', plugin };
