import {
  isOuterId,
  normaliseWebhook,
  type Webhook,
  WebhookCollectionSchema,
  type WebhookInput,
  WebhookRawSchema,
  WebhookResponseSchema,
} from '@srhooks/contracts/schemas/webhook';
import { InputError, ValidationError } from '../errors.js';
import { parseBody, unwrap } from '../http/api-call.js';
import { callOptionWords, checkOptionKeys, optionKeys } from '../option-checks.js';
import type { CallOptions, ResourceContext } from './context.js';
import { resourceId } from './resource-id.js';
import { toWebhookInput, type WebhookInputLike } from './webhook-input.js';

/** The API's largest page (FACTS.md §3). */
export const MAX_PAGE_LIMIT = 200;

export interface ListOptions extends CallOptions {
  /** Zero-based page (default 0). */
  page?: number;
  /** Items per page, 1–200 (default 25). */
  limit?: number;
  /** `true`: whole items (`full=1`); `false` (default): links only. */
  full?: boolean;
}

/** An item of a `full=0` page: a link, with the id read from it. */
export interface WebhookLink {
  id: string;
  href: string;
}

export interface WebhookPage<T> {
  page: number;
  limit: number;
  items: T[];
  /** Zero-based number of the last page, when the server said. */
  lastPage: number | undefined;
  hasNext: boolean;
}

export interface CreateWebhookOptions {
  /** An outer id of your choosing (1–200 of A-Z a-z 0-9 - _ . ~). */
  outerId?: string;
}

/** The POST body for `input`, with `id` set to the outer id when one is given. */
export function webhookCreateBody(input: WebhookInputLike, options: CreateWebhookOptions = {}): WebhookInput {
  const body = toWebhookInput(input);
  if (options.outerId === undefined) return body;
  if (!isOuterId(options.outerId)) {
    throw new InputError(
      `outerId ${JSON.stringify(options.outerId)} cannot be an outer id: use 1-200 characters from A-Z a-z 0-9 - _ . ~`,
      { field: 'outerId', value: options.outerId },
    );
  }
  return { ...body, id: options.outerId };
}

const LIST_OPTION_KEYS = optionKeys<ListOptions>()(['page', 'limit', 'full', 'signal']);

export interface WebhooksResource {
  list(options: ListOptions & { full: true }): Promise<WebhookPage<Webhook>>;
  list(options?: ListOptions & { full?: false }): Promise<WebhookPage<WebhookLink>>;
  list(options: ListOptions): Promise<WebhookPage<Webhook> | WebhookPage<WebhookLink>>;
  /** Every subscription, page after page (`full=1`, 200 per page). */
  iterate(options?: { limit?: number } & CallOptions): AsyncGenerator<Webhook, void, undefined>;
  /** `iterate()` collected into an array. */
  all(options?: { limit?: number } & CallOptions): Promise<Webhook[]>;
  get(id: string): Promise<Webhook>;
  /**
   * `POST /webHooks`. With `outerId` the item is created with that outer id (FACTS.md §9): it
   * becomes its `id` and works in get/update/delete; one that already names an item is refused
   * (`ValidationError`, 400/40005 "The id parameter is an already exist OuterID.").
   */
  create(input: WebhookInputLike, options?: CreateWebhookOptions): Promise<Webhook>;
  update(id: string, input: WebhookInputLike): Promise<Webhook>;
  delete(id: string): Promise<void>;
  /** Enables it (`PUT` with status 1); one already enabled is returned as read, nothing sent. */
  enable(id: string): Promise<Webhook>;
  /** Disables it (`PUT` with status 0); one already disabled is returned as read, nothing sent. */
  disable(id: string): Promise<Webhook>;
  /**
   * `enable` or `disable`, saying whether anything changed: `changed: false` when the subscription
   * already had that status (one `GET`, no `PUT`).
   */
  setEnabled(id: string, enabled: boolean): Promise<{ webhook: Webhook; changed: boolean }>;
}

/** The API body that re-creates a normalised webhook (used by enable/disable). */
export function webhookToInput(webhook: Webhook, status: '0' | '1' = webhook.status): WebhookInput {
  return {
    event: webhook.event,
    status,
    label: webhook.label,
    webHookParameters: webhook.webHookParameters.map((p) => ({
      type: p.type,
      url: p.url,
      ...(p.fields && p.fields.length > 0 ? { fields: [...p.fields] } : {}),
    })),
    webHookDelay: webhook.webHookDelay.map((d) => ({ delay: String(d.delay), delayUnit: d.delayUnit })),
  };
}

export function createWebhooksResource(context: ResourceContext): WebhooksResource {
  const { api, apiBase } = context;

  async function list(options: ListOptions = {}): Promise<WebhookPage<Webhook> | WebhookPage<WebhookLink>> {
    checkOptionKeys(options, LIST_OPTION_KEYS, 'options', callOptionWords('webhooks.list()'));
    const page = options.page ?? 0;
    const limit = options.limit ?? 25;
    if (!Number.isInteger(page) || page < 0) {
      throw new InputError(`page must be a whole number from 0, got ${JSON.stringify(options.page)}`, {
        field: 'page',
        value: options.page,
      });
    }
    if (!Number.isInteger(limit) || limit < 1 || limit > MAX_PAGE_LIMIT) {
      throw new InputError(
        `limit must be a whole number from 1 to ${MAX_PAGE_LIMIT}, got ${JSON.stringify(options.limit)}`,
        {
          field: 'limit',
          value: options.limit,
        },
      );
    }
    const full = options.full === true;
    const url = `${apiBase}/webHooks?page=${page}&limit=${limit}&full=${full ? 1 : 0}`;
    const result = await api.GET('/webHooks', {
      params: { query: { page, limit, full: full ? 1 : 0 } },
      ...(options.signal ? { signal: options.signal } : {}),
    });
    const body = unwrap(result, { method: 'GET', url });
    const collection = parseBody(WebhookCollectionSchema, body, {
      method: 'GET',
      url,
      status: result.response.status,
    });
    const lastPage = pageOf(collection.last?.href);
    const common = {
      page: collection.page ?? page,
      limit: collection.limit ?? limit,
      lastPage,
      hasNext: collection.next !== null && collection.next !== undefined,
    };
    if (full) {
      const rawItems = (body as { items?: unknown }).items;
      const list = Array.isArray(rawItems) ? rawItems : rawItems ? [rawItems] : [];
      const items = list.map((item) =>
        normaliseWebhook(
          parseBody(WebhookRawSchema, item, { method: 'GET', url, status: result.response.status }),
        ),
      );
      return { ...common, items };
    }
    const items = collection.items.map((item) => {
      const href = 'href' in item && typeof item.href === 'string' ? item.href : '';
      const id =
        'id' in item && typeof item.id === 'string'
          ? item.id
          : (href.split('/').filter(Boolean).at(-1) ?? '');
      return { id, href };
    });
    return { ...common, items };
  }

  /**
   * Every page is read before the first webhook is yielded. Pages are offsets (`page` × `limit`), so
   * a loop that deletes (or creates) webhooks as it goes would shift the pages not yet read: the
   * everyday clean-up loop (`for await (…) await delete(w.id)`) skipped a page's worth after each
   * page and left them subscribed. A webhook that a concurrent change moved onto a later page is
   * yielded once.
   */
  async function* iterate(
    options: { limit?: number } & CallOptions = {},
  ): AsyncGenerator<Webhook, void, undefined> {
    yield* await readAll(options);
  }

  async function readAll(options: { limit?: number } & CallOptions): Promise<Webhook[]> {
    checkOptionKeys(options, ['limit', 'signal'], 'options', callOptionWords('webhooks.iterate() / all()'));
    const limit = options.limit ?? MAX_PAGE_LIMIT;
    const byId = new Map<string, Webhook>();
    for (let page = 0; ; page++) {
      let result: WebhookPage<Webhook>;
      try {
        result = (await list({
          page,
          limit,
          full: true,
          ...(options.signal ? { signal: options.signal } : {}),
        })) as WebhookPage<Webhook>;
      } catch (error) {
        // 40008: "minimum page is 0 and maximum page is N" — the collection shrank meanwhile.
        if (page > 0 && error instanceof ValidationError && error.innerCode === 40008) break;
        throw error;
      }
      for (const webhook of result.items) if (!byId.has(webhook.id)) byId.set(webhook.id, webhook);
      if (!result.hasNext || result.items.length === 0) break;
    }
    return [...byId.values()];
  }

  async function all(options: { limit?: number } & CallOptions = {}): Promise<Webhook[]> {
    return readAll(options);
  }

  async function get(idOrHref: string): Promise<Webhook> {
    const id = resourceId(idOrHref, 'webHooks', 'id', context.shop);
    const url = `${apiBase}/webHooks/${id}`;
    const result = await api.GET('/webHooks/{id}', { params: { path: { id } } });
    const body = unwrap(result, { method: 'GET', url });
    return parseBody(WebhookResponseSchema, body, { method: 'GET', url, status: result.response.status });
  }

  async function create(input: WebhookInputLike, options: CreateWebhookOptions = {}): Promise<Webhook> {
    const body = webhookCreateBody(input, options);
    const url = `${apiBase}/webHooks`;
    const result = await api.POST('/webHooks', { body: body as never });
    const data = unwrap(result, { method: 'POST', url, requestBody: body });
    return parseBody(WebhookResponseSchema, data, { method: 'POST', url, status: result.response.status });
  }

  async function update(idOrHref: string, input: WebhookInputLike): Promise<Webhook> {
    const id = resourceId(idOrHref, 'webHooks', 'id', context.shop);
    const body = toWebhookInput(input);
    return put(id, body);
  }

  async function put(id: string, body: WebhookInput): Promise<Webhook> {
    const url = `${apiBase}/webHooks/${id}`;
    const result = await api.PUT('/webHooks/{id}', { params: { path: { id } }, body: body as never });
    const data = unwrap(result, { method: 'PUT', url, requestBody: body });
    return parseBody(WebhookResponseSchema, data, { method: 'PUT', url, status: result.response.status });
  }

  async function remove(idOrHref: string): Promise<void> {
    const id = resourceId(idOrHref, 'webHooks', 'id', context.shop);
    const url = `${apiBase}/webHooks/${id}`;
    const result = await api.DELETE('/webHooks/{id}', { params: { path: { id } } });
    unwrap(result, { method: 'DELETE', url });
  }

  async function setEnabled(
    idOrHref: string,
    enabled: boolean,
  ): Promise<{ webhook: Webhook; changed: boolean }> {
    const status = enabled ? '1' : '0';
    const current = await get(idOrHref);
    if (current.status === status) return { webhook: current, changed: false };
    return { webhook: await put(current.id, webhookToInput(current, status)), changed: true };
  }

  return {
    list: list as WebhooksResource['list'],
    iterate,
    all,
    get,
    create,
    update,
    delete: remove,
    enable: async (id) => (await setEnabled(id, true)).webhook,
    disable: async (id) => (await setEnabled(id, false)).webhook,
    setEnabled,
  };
}

function pageOf(href: string | undefined): number | undefined {
  if (!href) return undefined;
  const match = /[?&]page=(\d+)/.exec(href);
  return match ? Number(match[1]) : undefined;
}
