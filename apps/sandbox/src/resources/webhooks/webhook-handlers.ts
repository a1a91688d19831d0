import { webhookIdFor } from '@srhooks/contracts';
import { apiErrors } from '../../errors.js';
import type { StoredWebhook } from '../../state/shop-data.js';
import type { ApiContext, ApiResult } from '../api-context.js';
import { paginate, parsePageQuery } from '../paging.js';
import { parseWebhookId } from '../resource-ids.js';
import { parseWebhookCreate, parseWebhookUpdate } from './webhook-input.js';
import { renderWebhook, webhookHref } from './webhook-presenter.js';

const ID_FORMAT = 'webHook-notification_id=';

function findWebhook(ctx: ApiContext, id: string): StoredWebhook {
  if (parseWebhookId(id) === undefined) throw apiErrors.wrongId('webHooks', id, ID_FORMAT);
  const hook = ctx.shop.data.webhooks.find((w) => w.id === id);
  if (!hook) {
    throw apiErrors.notFound(
      `webHooks resource '${id}' not found; list the existing ones with GET /webHooks.`,
    );
  }
  return hook;
}

export function listWebhooks(ctx: ApiContext, query: Record<string, unknown>): ApiResult {
  const pageQuery = parsePageQuery(query);
  const body = paginate(ctx.shop.data.webhooks, pageQuery, `${ctx.apiBase}/webHooks`, (hook) =>
    pageQuery.full ? renderWebhook(hook, ctx.apiBase, 'item') : { href: webhookHref(ctx.apiBase, hook.id) },
  );
  return { status: 200, body };
}

export function getWebhook(ctx: ApiContext, id: string): ApiResult {
  return { status: 200, body: renderWebhook(findWebhook(ctx, id), ctx.apiBase, 'item') };
}

export function createWebhook(ctx: ApiContext, body: unknown): ApiResult {
  const draft = parseWebhookCreate(body);
  const data = ctx.shop.data;
  const hook: StoredWebhook = { id: webhookIdFor(data.nextWebhookId++), ...draft };
  data.webhooks.push(hook);
  ctx.state.changed();
  return { status: 201, body: renderWebhook(hook, ctx.apiBase, 'created') };
}

export function updateWebhook(ctx: ApiContext, id: string, body: unknown): ApiResult {
  const hook = findWebhook(ctx, id);
  Object.assign(hook, parseWebhookUpdate(body, hook));
  ctx.state.changed();
  return { status: 200, body: renderWebhook(hook, ctx.apiBase, 'item') };
}

export function deleteWebhook(ctx: ApiContext, id: string): ApiResult {
  const hook = findWebhook(ctx, id);
  ctx.shop.data.webhooks = ctx.shop.data.webhooks.filter((w) => w !== hook);
  ctx.state.changed();
  return { status: 204 };
}
