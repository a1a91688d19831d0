/**
 * The inspector's shops page (`GET /ui/shops`) and "Mark uninstalled" for an app shop whose uninstall call
 * never reached the receiver: a confirmation page (`GET /ui/shops/:shop/uninstall`) whose form, with the
 * session's CSRF token (checked by the admin guard) and the shop's name typed again, POSTs to
 * `/ui/shops/:shop/uninstall`, which runs the admin API's operation (shop-uninstall-operation.ts).
 * Refusals (app mode off, a config-file shop, a shop the app never had, one already uninstalled) are shown
 * on the shops page with their status. Registered by inspector-routes.ts, whose page helper it shares.
 */
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { AdminApiError, parseRequestPart } from '../admin/admin-errors.js';
import { NoQuerySchema, ShopParamsSchema } from '../admin/admin-request-schemas.js';
import { appShopToMark, markShopUninstalledFor } from '../admin/shop-uninstall-operation.js';
import { ACTION_NOTICE_PARAM, type ActionNotices } from './action-notices.js';
import type { html } from './html.js';
import { ShopUninstallFormSchema } from './inspector-forms.js';
import { sessionOf } from './inspector-login-routes.js';
import type { InspectorView } from './page-layout.js';
import { type ShopOverview, shopOverview } from './shop-overview.js';
import {
  actionNotice,
  confirmUninstallContent,
  type ShopsNotice,
  ShopsPageQuerySchema,
  shopsContent,
  uninstalledByText,
} from './shops-page.js';

export interface ShopsRoutesContext {
  page(
    reply: FastifyReply,
    request: FastifyRequest,
    view: InspectorView,
    title: string,
    content: ReturnType<typeof html>,
    /** The page's `data-*` attributes on <body> (its live stream, reveal, …). */
    data?: Record<string, string>,
  ): FastifyReply;
}

export function addShopsRoutes(
  app: FastifyInstance,
  context: ShopsRoutesContext & {
    /** The inspector's action notices (action-notices.ts), shared by its pages. */
    notices: ActionNotices;
  },
): void {
  const { page, notices } = context;
  const base = app.prefix;
  const appMode = Boolean(app.config.app && app.appShops);

  const overview = () =>
    shopOverview({
      config: app.config,
      directory: app.shopDirectory,
      store: app.store,
      scheduledRecovery: app.recovery.scheduled,
    });

  async function shopsPage(
    request: FastifyRequest,
    reply: FastifyReply,
    notice: (shops: ShopOverview[]) => ShopsNotice | null,
  ): Promise<FastifyReply> {
    const shops = await overview();
    return page(
      reply,
      request,
      'shops',
      'Shops',
      shopsContent({ base, shops, appMode, notice: notice(shops) }),
    );
  }

  /**
   * The shop an operator may mark uninstalled now, with what the page shows of it; a refusal's page
   * (sent, with the refusal's status) when it may not.
   */
  async function markable(
    request: FastifyRequest,
    reply: FastifyReply,
    shop: string,
  ): Promise<{ shop: ShopOverview } | { refused: FastifyReply }> {
    let refusal: { status: number; text: string } | null = null;
    try {
      await appShopToMark({ config: app.config, appShops: app.appShops }, shop);
    } catch (error) {
      if (!(error instanceof AdminApiError)) throw error;
      refusal = { status: error.statusCode, text: error.message };
    }
    const shops = await overview();
    const found = shops.find((entry) => entry.name === shop);
    if (!refusal && found?.status === 'uninstalled') {
      refusal = {
        status: 409,
        text: `${shop} is already uninstalled (${uninstalledByText(found)}); nothing to mark.`,
      };
    }
    if (refusal || !found) {
      reply.code(refusal?.status ?? 404);
      const text = refusal?.text ?? `The app has no record of ${shop} any more.`;
      const notice: ShopsNotice = { kind: 'error', text: `Not marked uninstalled: ${text}` };
      return {
        refused: page(reply, request, 'shops', 'Shops', shopsContent({ base, shops, appMode, notice })),
      };
    }
    return { shop: found };
  }

  app.get('/shops', async (request, reply) => {
    const query = parseRequestPart(ShopsPageQuerySchema, 'query', request.query);
    // Shown once, to the session that marked the shop uninstalled; anything else shows none.
    const result = notices.take('shops', query.notice, {
      sessionId: sessionOf(request)?.id ?? null,
      subject: '',
    });
    return shopsPage(request, reply, (shops) => actionNotice(result, shops));
  });

  app.get('/shops/:shop/uninstall', async (request, reply) => {
    const { shop } = parseRequestPart(ShopParamsSchema, 'params', request.params);
    parseRequestPart(NoQuerySchema, 'query', request.query);
    const checked = await markable(request, reply, shop);
    if ('refused' in checked) return checked.refused;
    return page(
      reply,
      request,
      'shops',
      `Mark ${shop} uninstalled`,
      confirmUninstallContent({ base, session: sessionOf(request), shop: checked.shop, error: null }),
    );
  });

  app.post('/shops/:shop/uninstall', async (request, reply) => {
    const { shop } = parseRequestPart(ShopParamsSchema, 'params', request.params);
    const form = parseRequestPart(ShopUninstallFormSchema, 'body', request.body);
    const checked = await markable(request, reply, shop);
    if ('refused' in checked) return checked.refused;
    if ((form.confirm ?? '').trim() !== shop) {
      reply.code(400);
      return page(
        reply,
        request,
        'shops',
        `Mark ${shop} uninstalled`,
        confirmUninstallContent({
          base,
          session: sessionOf(request),
          shop: checked.shop,
          error: `Not marked uninstalled: the name typed is not ${shop}. Type ${shop} exactly to confirm; nothing was changed.`,
        }),
      );
    }
    const answer = await markShopUninstalledFor(app, request, shop, 'inspector');
    // The result by a one-time token this process holds (action-notices.ts), never the result itself,
    // which anyone could have put in a link.
    const token = notices.issue(
      'shops',
      {
        shop,
        done: answer.alreadyUninstalled ? 'already-uninstalled' : 'uninstalled',
        cancelled: answer.cancelledJobs,
      },
      { sessionId: sessionOf(request)?.id ?? null, subject: '' },
    );
    return reply.redirect(`${base}/shops?${new URLSearchParams({ [ACTION_NOTICE_PARAM]: token })}`, 303);
  });
}
