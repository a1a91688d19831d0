import { isOuterId, webhookIdFor } from '@srhooks/contracts';
import { API_ID_WORKS_AFTER_OUTER_ID, REFUSE_OUTER_IDS_LIKE_API_IDS } from '../../assumptions.js';
import { apiErrors } from '../../errors.js';
import type { StoredWebhook } from '../../state/shop-data.js';
import type { ApiContext, ApiResult } from '../api-context.js';
import { paginate, parsePageQuery } from '../paging.js';
import { isSomeApiId, parseWebhookId } from '../resource-ids.js';
import { parseWebhookCreate, parseWebhookUpdate, readOuterId } from './webhook-input.js';
import { publicWebhookId, renderWebhook, webhookHref } from './webhook-presenter.js';

/**
 * The `webHooks` resource (FACTS.md §3, §9). An item is addressed by its API id or by its outer
 * id (an id the client chose on POST, or set with `id` in a POST/PUT body):
 * - GET/DELETE of an id that names no item → 404/40401 (assumptions.ts [A6]);
 * - PUT is modification only: an unknown outer id → 400/40007 "The given OuterId is not exist",
 *   an unknown API id → 404/40401;
 * - POST /webHooks[/{id}] creates; `{id}` (or `id` in the body) becomes the outer id, and one
 *   that already names an item → 400/40005 "… is an already exist OuterID."; POST to the id of
 *   an existing item modifies it (the documentation's batch and outer-id examples).
 */

const ID_FORMAT = 'webHook-notification_id=';

/** The item `id` names (outer id first, then API id), or undefined. */
function lookup(ctx: ApiContext, id: string): StoredWebhook | undefined {
  const hooks = ctx.shop.data.webhooks;
  const byOuterId = hooks.find((w) => w.outerId === id);
  if (byOuterId) return byOuterId;
  if (parseWebhookId(id) === undefined) return undefined;
  return hooks.find((w) => w.id === id && (API_ID_WORKS_AFTER_OUTER_ID || w.outerId === undefined));
}

function notFound(id: string): never {
  throw apiErrors.notFound(
    `webHooks resource '${id}' not found; list the existing ones with GET /webHooks.`,
    `webHooks/${id}`,
  );
}

/** For GET/DELETE: the item, 40007 for another resource's API id, else 404. */
function findWebhook(ctx: ApiContext, id: string): StoredWebhook {
  const hook = lookup(ctx, id);
  if (hook) return hook;
  if (parseWebhookId(id) === undefined && isSomeApiId(id)) throw apiErrors.wrongId('webHooks', id, ID_FORMAT);
  return notFound(id);
}

/** Refuses an outer id that another item (or an API id) already answers to. */
function claimOuterId(ctx: ApiContext, outerId: string, owner?: StoredWebhook): void {
  const holder = lookup(ctx, outerId);
  if (holder && holder !== owner) throw apiErrors.outerIdExists(outerId);
  if (REFUSE_OUTER_IDS_LIKE_API_IDS && (parseWebhookId(outerId) !== undefined || isSomeApiId(outerId))) {
    throw apiErrors.wrongData(
      `The outer id '${outerId}' looks like an API id (base64 of '<resource>_id=<n>'); choose another one.`,
    );
  }
}

export function listWebhooks(ctx: ApiContext, query: Record<string, unknown>): ApiResult {
  const pageQuery = parsePageQuery(query);
  const body = paginate(ctx.shop.data.webhooks, pageQuery, `${ctx.apiBase}/webHooks`, (hook) =>
    pageQuery.full
      ? renderWebhook(hook, ctx.apiBase, 'item')
      : { href: webhookHref(ctx.apiBase, publicWebhookId(hook)) },
  );
  return { status: 200, body };
}

export function getWebhook(ctx: ApiContext, id: string): ApiResult {
  return { status: 200, body: renderWebhook(findWebhook(ctx, id), ctx.apiBase, 'item') };
}

function insert(ctx: ApiContext, body: unknown, outerId: string | undefined): ApiResult {
  const draft = parseWebhookCreate(body);
  if (outerId !== undefined) claimOuterId(ctx, outerId);
  const data = ctx.shop.data;
  const hook: StoredWebhook = {
    id: webhookIdFor(data.nextWebhookId++),
    ...(outerId === undefined ? {} : { outerId }),
    ...draft,
  };
  data.webhooks.push(hook);
  data.webhookOwners[hook.id] = ctx.principal.id;
  ctx.state.changed();
  return { status: 201, body: renderWebhook(hook, ctx.apiBase, 'created') };
}

function modify(ctx: ApiContext, hook: StoredWebhook, body: unknown): ApiResult {
  const draft = parseWebhookUpdate(body, hook);
  const outerId = readOuterId(body);
  if (outerId !== undefined && outerId !== publicWebhookId(hook)) claimOuterId(ctx, outerId, hook);
  Object.assign(hook, draft, outerId === undefined ? {} : { outerId });
  ctx.state.changed();
  return { status: 200, body: renderWebhook(hook, ctx.apiBase, 'item') };
}

/** `POST /webHooks`: creates; an `id` in the body becomes the item's outer id. */
export function createWebhook(ctx: ApiContext, body: unknown): ApiResult {
  return insert(ctx, body, readOuterId(body));
}

/** `POST /webHooks/{id}`: modifies the item `id` names, else creates one with outer id `id`. */
export function createWebhookWithId(ctx: ApiContext, id: string, body: unknown): ApiResult {
  const hook = lookup(ctx, id);
  if (hook) return modify(ctx, hook, body);
  if (parseWebhookId(id) !== undefined) return notFound(id);
  if (isSomeApiId(id)) throw apiErrors.wrongId('webHooks', id, ID_FORMAT);
  if (!isOuterId(id)) {
    throw apiErrors.wrongData(`'${id}' cannot be an outer id: use 1-200 characters from A-Z a-z 0-9 - _ . ~`);
  }
  const inBody = readOuterId(body);
  if (inBody !== undefined && inBody !== id) {
    throw apiErrors.wrongData(`The body's id '${inBody}' differs from the URL's '${id}'; send one of them.`);
  }
  return insert(ctx, body, id);
}

/** `PUT /webHooks/{id}`: modification only (FACTS.md §3). */
export function updateWebhook(ctx: ApiContext, id: string, body: unknown): ApiResult {
  const hook = lookup(ctx, id);
  if (hook) return modify(ctx, hook, body);
  if (parseWebhookId(id) !== undefined) return notFound(id);
  if (isSomeApiId(id)) throw apiErrors.wrongId('webHooks', id, ID_FORMAT);
  throw apiErrors.outerIdNotFound('webHooks', id);
}

export function deleteWebhook(ctx: ApiContext, id: string): ApiResult {
  const hook = findWebhook(ctx, id);
  ctx.shop.data.webhooks = ctx.shop.data.webhooks.filter((w) => w !== hook);
  delete ctx.shop.data.webhookOwners[hook.id];
  ctx.state.changed();
  return { status: 204 };
}
