/**
 * The inspector's deliveries list (`GET /ui`, newest first, with its filters), the filter form's POST
 * (`POST /ui/search`: the search sealed, never in an address) and one row as a fragment
 * (`GET /ui/fragments/delivery-row/:id`, which the live script swaps in). Registered by
 * inspector-routes.ts, whose page helper it shares.
 */
import type { FastifyInstance } from 'fastify';
import type { AdminAuth } from '../admin/admin-auth.js';
import { parseRequestPart } from '../admin/admin-errors.js';
import type { AdminOperations } from '../admin/admin-operations.js';
import { IdParamsSchema } from '../admin/admin-request-schemas.js';
import { pendingInstallsNotice } from '../app-mode/pending-installs-notice.js';
import { withStoreTimeout } from '../ingest/store-call.js';
import {
  deliveryFilterOf,
  deliveryListContent,
  deliveryRow,
  FilterFormSchema,
  hasFilters,
  InspectorListQuerySchema,
  listQueryOf,
  type RefusedFilters,
  refusedFiltersOf,
} from './delivery-list-page.js';
import { html } from './html.js';
import { RevealSchema } from './inspector-forms.js';
import { sessionOf } from './inspector-login-routes.js';
import type { ShopsRoutesContext } from './shops-routes.js';

export interface ListRoutesContext {
  page: ShopsRoutesContext['page'];
  operations: AdminOperations;
  /** Seals the searched text into the list's address (`search=t1.…`) and opens it again. */
  auth: AdminAuth;
}

const HTML_TYPE = 'text/html; charset=utf-8';

export function addListRoutes(app: FastifyInstance, context: ListRoutesContext): void {
  const { page, operations, auth } = context;
  const base = app.prefix;
  const seal = (text: string) => auth.sealText(text);

  // The filter form (a POST, so what was searched for never stands in an address): the list's address
  // with the filters given, the search sealed (`search=t1.…`, read back by the list below).
  app.post('/search', async (request, reply) => {
    const form = parseRequestPart(FilterFormSchema, 'body', request.body);
    const query = new URLSearchParams();
    for (const [field, value] of Object.entries(form)) {
      if (field === '_csrf' || value === undefined || value === '') continue;
      if (field === 'q') query.set('search', seal(value));
      else query.set(field, value);
    }
    const text = query.toString();
    return reply.redirect(text ? `${base}?${text}` : base, 303);
  });

  app.get('/', async (request, reply) => {
    const raw = listQueryOf(request.query, auth);
    const parsed = InspectorListQuerySchema.safeParse(raw.query);
    if (!parsed.success || raw.problem) {
      // the list again with the filter form as sent, each wrong field marked with its problem (400)
      const refused: RefusedFilters = parsed.success
        ? { typed: {}, problems: {}, reveal: raw.query.reveal === '1' }
        : refusedFiltersOf(raw.query, parsed.error);
      if (raw.problem) refused.problems.q ??= raw.problem;
      reply.code(400);
      return page(
        reply,
        request,
        'list',
        'Deliveries',
        deliveryListContent({
          base,
          query: refused.reveal ? { reveal: '1' } : {},
          page: { items: [], nextCursor: null },
          shops: app.shopDirectory.shops().map((shop) => shop.name),
          refused,
          csrfToken: sessionOf(request)?.csrfToken ?? null,
          seal,
        }),
      );
    }
    const query = parsed.data;
    const result = await operations.listDeliveries(deliveryFilterOf(query));
    const liveInsert = !hasFilters(query);
    return page(
      reply,
      request,
      'list',
      'Deliveries',
      html`${pendingInstallsNotice(app.shopDirectory.appShops())}${deliveryListContent({
        base,
        query,
        page: result,
        shops: app.shopDirectory.shops().map((shop) => shop.name),
        csrfToken: sessionOf(request)?.csrfToken ?? null,
        seal,
        recovery: {
          shops: app.recovery.shops(),
          // Bounded as the list's other reads (AdminOperations): by the store timeout, and once the shutdown
          // has begun by the store's close grace (this scope's `app.store` is Store.forRequests's view).
          states: await withStoreTimeout(
            'list recovery states',
            app.store.listRecoveryStates(),
            app.config.storeTimeoutMs,
          ),
          scheduled: app.recovery.scheduled,
          nextTurnAt: (shop: string) => app.recovery.nextTurnAt(shop),
        },
      })}`,
      {
        stream: `${base}/events/stream`,
        reveal: query.reveal ?? '',
        'live-insert': liveInsert ? '1' : '',
      },
    );
  });

  app.get('/fragments/delivery-row/:id', async (request, reply) => {
    const { id } = parseRequestPart(IdParamsSchema, 'params', request.params);
    const reveal = parseRequestPart(RevealSchema, 'query', request.query).reveal === '1';
    const delivery = await operations.getDelivery(id);
    return reply.type(HTML_TYPE).send(deliveryRow(delivery, { base, reveal }).value);
  });
}
