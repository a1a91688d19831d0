/**
 * "Erase personal data…" of an event (GDPR art. 17): `GET /ui/events/:id/erase` runs a dry run of the
 * chosen scope (`?scope=order|email|subscriber`: this order, everything with the customer's e-mail address,
 * or this newsletter subscriber) and shows it with the form (erase-page.ts); `POST /ui/events/:id/erase`, with the session's CSRF token
 * (checked by the admin guard), erases through the admin API's code path (erase-personal-data.ts, the
 * request parsed by its EraseRequestSchema, its log line) and redirects to the event with a notice. The
 * e-mail address is read from the stored event on both, never from the form or the URL, so it reaches
 * no URL and no log line. Registered by inspector-routes.ts, whose page helper it shares.
 */
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { AdminValidationError, parseRequestPart } from '../admin/admin-errors.js';
import type { AdminOperations } from '../admin/admin-operations.js';
import { IdParamsSchema, requestObject } from '../admin/admin-request-schemas.js';
import { ErasureBlockedError } from '../personal-data/erase-errors.js';
import { type ErasureReport, erasePersonalData } from '../personal-data/erase-personal-data.js';
import { logErasure } from '../personal-data/erase-route.js';
import type { EventRecord } from '../store/store.js';
import type { BackToDelivery } from './delivery-routes.js';
import {
  alreadyErasedText,
  type EraseFormError,
  erasePageContent,
  eraseRefusalContent,
  type UnfinishedJob,
} from './erase-page.js';
import {
  type EraseScope,
  EraseScopeSchema,
  type EraseTargets,
  eraseRequestFor,
  eraseScopesOf,
  eraseTargetsOf,
} from './erase-scope.js';
import { EraseFormSchema, RevealFlagSchema } from './inspector-forms.js';
import { sessionOf } from './inspector-login-routes.js';
import type { ShopsRoutesContext } from './shops-routes.js';

export interface EraseRoutesContext {
  page: ShopsRoutesContext['page'];
  operations: AdminOperations;
  /** The event's delivery page with a notice (delivery-routes.ts). */
  backToDelivery: BackToDelivery;
}

const ErasePageQuerySchema = requestObject({ scope: EraseScopeSchema.optional(), reveal: RevealFlagSchema });

/**
 * The reason of the page's dry run, which writes nothing (the form's reason is for the erasure): only in
 * the dry run's log line. Shaped as the request schema wants a reference (it holds a digit).
 */
const DRY_RUN_REASON = 'inspector-preview-0';

const SCOPE_WORDS: Record<EraseScope, string> = {
  order: 'by its order (it is no order event)',
  email: 'by an e-mail address (its payload has none)',
  subscriber: 'by its newsletter subscriber (it is no newsletter event)',
};

export function addEraseRoutes(app: FastifyInstance, context: EraseRoutesContext): void {
  const { page, operations, backToDelivery } = context;
  const base = app.prefix;
  const erasure = () => ({ store: app.store, spoolDir: app.config.spoolDir });

  function refusal(
    request: FastifyRequest,
    reply: FastifyReply,
    status: number,
    input: { event: EventRecord; reveal: boolean; heading: string; message: string },
  ): FastifyReply {
    reply.code(status);
    return page(reply, request, 'delivery', input.heading, eraseRefusalContent({ base, ...input }));
  }

  /**
   * The event's targets and the scope asked for (or its default); the refusal's page (sent) when the
   * event is erased already, has no personal data to erase by, or does not offer that scope.
   */
  function erasable(
    request: FastifyRequest,
    reply: FastifyReply,
    event: EventRecord,
    asked: EraseScope | undefined,
    reveal: boolean,
  ): { targets: EraseTargets; scope: EraseScope } | { refused: FastifyReply } {
    if (event.erasure) {
      const message = alreadyErasedText(event);
      return { refused: refusal(request, reply, 409, { event, reveal, heading: 'Already erased', message }) };
    }
    const targets = eraseTargetsOf(event);
    const scopes = eraseScopesOf(targets);
    const [scope] = asked === undefined ? scopes : scopes.filter((offered) => offered === asked);
    if (scope !== undefined) return { targets, scope };
    const message =
      scopes.length === 0
        ? `Event ${event.id} (${event.event}) holds no personal data the erasure can find: it is no order event and its payload has no e-mail address. Nothing was erased.`
        : `Event ${event.id} cannot be erased ${SCOPE_WORDS[asked ?? 'order']}: choose ${scopes.join(' or ')}. Nothing was erased.`;
    return {
      refused: refusal(request, reply, scopes.length === 0 ? 409 : 400, {
        event,
        reveal,
        heading: 'Not erased',
        message,
      }),
    };
  }

  /** The matched events' unfinished jobs with their handler, for the page to name them. */
  async function unfinishedJobsOf(report: ErasureReport): Promise<UnfinishedJob[]> {
    const wanted = new Set(report.unfinishedJobs);
    const found: UnfinishedJob[] = [];
    for (const ref of report.events) {
      if (found.length === wanted.size) break;
      const event = await app.store.getEvent(ref.id);
      for (const job of event?.jobs ?? []) {
        if (wanted.has(job.id))
          found.push({ id: job.id, handler: job.handler, status: job.status, event: ref });
      }
    }
    return found;
  }

  async function formPage(
    request: FastifyRequest,
    reply: FastifyReply,
    status: number,
    input: {
      event: EventRecord;
      targets: EraseTargets;
      scope: EraseScope;
      reveal: boolean;
      form: { reason: string; includeUnfinished: boolean };
      error: EraseFormError | null;
    },
  ): Promise<FastifyReply> {
    const dry = eraseRequestFor(input.targets, input.scope, { reason: DRY_RUN_REASON, dryRun: true });
    if (!dry.success) throw new AdminValidationError('body', dry.error);
    const report = await erasePersonalData(erasure(), dry.data);
    logErasure(request.log, dry.data, report);
    const unfinished = await unfinishedJobsOf(report);
    reply.code(status);
    return page(
      reply,
      request,
      'delivery',
      'Erase personal data',
      erasePageContent({ base, session: sessionOf(request), ...input, report, unfinished }),
    );
  }

  app.get('/events/:id/erase', async (request, reply) => {
    const { id } = parseRequestPart(IdParamsSchema, 'params', request.params);
    const query = parseRequestPart(ErasePageQuerySchema, 'query', request.query);
    const reveal = query.reveal === '1';
    const event = await operations.getEvent(id);
    const checked = erasable(request, reply, event, query.scope, reveal);
    if ('refused' in checked) return checked.refused;
    return formPage(request, reply, 200, {
      event,
      ...checked,
      reveal,
      form: { reason: '', includeUnfinished: false },
      error: null,
    });
  });

  app.post('/events/:id/erase', async (request, reply) => {
    const { id } = parseRequestPart(IdParamsSchema, 'params', request.params);
    const form = parseRequestPart(EraseFormSchema, 'body', request.body);
    const reveal = form.reveal === '1';
    const event = await operations.getEvent(id);
    const checked = erasable(request, reply, event, form.scope, reveal);
    if ('refused' in checked) return checked.refused;
    const includeUnfinished = form.includeUnfinished === '1';
    const again = (status: number, error: EraseFormError) =>
      formPage(request, reply, status, {
        event,
        ...checked,
        reveal,
        form: { reason: form.reason ?? '', includeUnfinished },
        error,
      });
    const parsed = eraseRequestFor(checked.targets, checked.scope, {
      reason: form.reason,
      includeUnfinished,
    });
    if (!parsed.success) {
      const issue = parsed.error.issues.find((candidate) => candidate.path[0] === 'reason');
      if (!issue) throw new AdminValidationError('body', parsed.error);
      return again(400, { kind: 'reason', text: issue.message });
    }
    let report: ErasureReport;
    try {
      report = await erasePersonalData(erasure(), parsed.data);
    } catch (error) {
      if (!(error instanceof ErasureBlockedError)) throw error;
      request.log.info(
        { eventId: id, unfinishedJobs: error.unfinishedJobs },
        'personal data erasure refused: unfinished jobs',
      );
      return again(409, { kind: 'blocked', jobs: error.unfinishedJobs });
    }
    logErasure(request.log, parsed.data, report);
    if (!report.erased) {
      return refusal(request, reply, 409, {
        event,
        reveal,
        heading: 'Not erased',
        message:
          'Nothing matched: nothing was erased (it may have been erased meanwhile). Looked for: the address in orders’ and subscribers’ e-mail field and in quarantined deliveries’ raw bodies, the order’s events and quarantined deliveries by innerId.',
      });
    }
    return reply.redirect(backToDelivery(request, event.deliveryId, 'erased', reveal, event.id), 303);
  });
}
