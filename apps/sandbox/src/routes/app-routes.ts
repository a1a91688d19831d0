import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import {
  appAdminUrl,
  entryPointUrl,
  installApp,
  type PaymentFault,
  sendPaymentNotification,
  uninstallApp,
} from '../apps/app-flow.js';
import { parseAppRegistration } from '../apps/app-registry.js';
import { MAX_BODY_BYTES } from '../assumptions.js';
import { apiErrors } from '../errors.js';
import { parseJsonBody } from '../http/request-body.js';
import type { SandboxState } from '../state/sandbox-state.js';

type Json = Record<string, unknown>;
type AppRequest = FastifyRequest<{
  Params: { appId: string; shop: string };
  Querystring: Record<string, string>;
}>;

const FAULTS: readonly PaymentFault[] = ['bad_hmac', 'stale', 'replay', 'undecodable'];

function jsonBody(request: FastifyRequest): Json {
  const parsed = parseJsonBody(request.body, request.headers['content-type'], MAX_BODY_BYTES);
  if (parsed === undefined) return {};
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) {
    throw apiErrors.wrongData('The body must be a JSON object.');
  }
  return parsed as Json;
}

function origin(request: FastifyRequest): string {
  return `${request.protocol}://${request.host}`;
}

function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
}

/**
 * The app side of ShopRenter (FACTS.md §7, §8), sandbox-only routes (no auth, JSON):
 * register apps, install/uninstall them on shops, send Payment API notifications; plus the shop
 * admin's page for an embedded app, `/{shop}/admin/app/{appId}`, which loads the EntryPoint in an
 * iframe with fresh signed parameters (and the app's own parameters from the query).
 */
export function registerAppRoutes(app: FastifyInstance, state: SandboxState): void {
  app.get('/_sandbox/apps', async () => ({
    apps: state.apps.list().map((a) => ({ ...a, installs: state.apps.installsOf(a.appId) })),
  }));

  app.post('/_sandbox/apps', async (request, reply) =>
    reply.code(201).send(state.apps.register(parseAppRegistration(jsonBody(request)))),
  );

  app.post('/_sandbox/apps/:appId/installs/:shop', async (request: AppRequest) =>
    installApp(state, request.params.appId, request.params.shop, origin(request)),
  );

  app.delete('/_sandbox/apps/:appId/installs/:shop', async (request: AppRequest) =>
    uninstallApp(state, request.params.appId, request.params.shop),
  );

  app.get('/_sandbox/apps/:appId/entry-point/:shop', async (request: AppRequest) => ({
    url: entryPointUrl(state.apps.app(request.params.appId), request.params.shop, request.query),
  }));

  app.post('/_sandbox/apps/:appId/payment-notifications', async (request: AppRequest) => {
    const input = jsonBody(request);
    if (input.fault !== undefined && !FAULTS.includes(input.fault as PaymentFault)) {
      throw apiErrors.wrongData(`Unknown fault '${String(input.fault)}'; use one of ${FAULTS.join(', ')}.`);
    }
    if (
      input.notification !== undefined &&
      (typeof input.notification !== 'object' || input.notification === null)
    ) {
      throw apiErrors.wrongData("'notification' must be a JSON object (the body's fields).");
    }
    return sendPaymentNotification(state, request.params.appId, {
      ...(typeof input.url === 'string' ? { url: input.url } : {}),
      ...(input.notification ? { notification: input.notification as Json } : {}),
      ...(input.fault ? { fault: input.fault as PaymentFault } : {}),
    });
  });

  // "Updating application scopes" (FACTS.md §7): the shop owner's consent page for scopes added to
  // an installed app. GET shows what the app asks for and the button; the button's POST approves.
  // Until then the shop's tokens for the app lack the new scopes (apps/app-registry.ts).
  type ScopeRequest = FastifyRequest<{ Params: { shop: string; clientId: string } }>;
  const notInstalledPage = (reply: FastifyReply, shop: string, clientId: string) =>
    reply
      .code(404)
      .header('x-sandbox-error', 'not_found')
      .type('text/html; charset=utf-8')
      .send(
        `<!doctype html><title>Not installed</title><p>No app with ClientId ${escapeHtml(clientId)} is installed on ${escapeHtml(shop)}.</p>`,
      );
  const installedApp = (shop: string, clientId: string) => {
    state.shop(shop);
    const registration = state.apps.appOfClient(clientId);
    const record = registration && state.apps.current(registration.appId, shop);
    return registration && record ? { registration, record } : undefined;
  };
  app.get('/:shop/admin/app/:clientId/approveScopes', async (request: ScopeRequest, reply) => {
    const { shop, clientId } = request.params;
    const found = installedApp(shop, clientId);
    if (!found) return notInstalledPage(reply, shop, clientId);
    const pending = state.apps.pendingScopes(found.registration, found.record);
    const list = pending.map((scope) => `<li>${escapeHtml(scope)}</li>`).join('');
    return reply
      .type('text/html; charset=utf-8')
      .send(
        `<!doctype html><html><head><meta charset="utf-8"><title>${escapeHtml(shop)} admin · approve scopes</title></head>` +
          `<body><h1>ShopRenter admin (sandbox): ${escapeHtml(shop)}</h1>` +
          (pending.length
            ? `<p>App ${escapeHtml(found.registration.appId)} asks for new permissions:</p><ul id="pending-scopes">${list}</ul>` +
              '<form method="post"><button type="submit">Approve</button></form>'
            : `<p>App ${escapeHtml(found.registration.appId)} has every permission it asks for.</p>`) +
          '</body></html>',
      );
  });
  app.post('/:shop/admin/app/:clientId/approveScopes', async (request: ScopeRequest, reply) => {
    const { shop, clientId } = request.params;
    if (!installedApp(shop, clientId)) return notInstalledPage(reply, shop, clientId);
    const record = state.apps.approveScopes(clientId, shop);
    return reply
      .type('text/html; charset=utf-8')
      .send(
        `<!doctype html><title>Approved</title><p>Approved for ${escapeHtml(shop)}: ${escapeHtml((record?.approvedScopes ?? []).join(' '))}</p>`,
      );
  });

  app.get('/:shop/admin/app/:appId', async (request: AppRequest, reply) => {
    const { shop, appId } = request.params;
    state.shop(shop);
    const registration = state.apps.app(appId);
    if (!state.apps.current(appId, shop)) {
      return reply
        .code(404)
        .type('text/html; charset=utf-8')
        .send(
          `<!doctype html><title>Not installed</title><p>App ${escapeHtml(appId)} is not installed on ${escapeHtml(shop)}.</p>`,
        );
    }
    const src = entryPointUrl(registration, shop, request.query);
    const self = appAdminUrl(state, origin(request), shop, appId);
    return reply
      .type('text/html; charset=utf-8')
      .send(
        `<!doctype html><html><head><meta charset="utf-8"><title>${escapeHtml(shop)} admin · app ${escapeHtml(appId)}</title></head>` +
          `<body data-admin-url="${escapeHtml(self)}"><h1>ShopRenter admin (sandbox): ${escapeHtml(shop)}</h1>` +
          `<iframe id="app-frame" title="app ${escapeHtml(appId)}" src="${escapeHtml(src)}" style="width:100%;height:80vh;border:0"></iframe></body></html>`,
      );
  });
}
