/**
 * `POST /admin/api/personal-data/erase` (registered by admin-api-routes.ts, behind its guard): erases, or
 * with `dryRun` finds, one person's data (erase-personal-data.ts). The options come as a JSON body only:
 * an e-mail address in a query string would reach access logs. The log line names ids and counts only.
 */
import type { FastifyBaseLogger, FastifyInstance } from 'fastify';
import { AdminApiError, parseRequestPart } from '../admin/admin-errors.js';
import { type ErasureReport, erasePersonalData } from './erase-personal-data.js';
import { type EraseRequest, EraseRequestSchema } from './erase-request.js';

/**
 * An erasure's log line (this route's and the inspector's, inspector/erase-routes.ts): ids, counts and the
 * request reference, never the e-mail address or the order's data.
 */
export function logErasure(log: FastifyBaseLogger, erase: EraseRequest, report: ErasureReport): void {
  log.info(
    {
      erasure: {
        dryRun: report.dryRun,
        erased: report.erased,
        reason: report.reason,
        by: erase.email === undefined ? 'order' : erase.orderId === undefined ? 'email' : 'email and order',
        events: report.events.map((event) => event.id),
        deliveries: report.deliveries.map((delivery) => delivery.id),
        jobs: report.jobs,
        cancelledJobs: report.cancelledJobs,
        spoolFiles: report.spool?.matches.length ?? null,
      },
    },
    report.dryRun
      ? 'personal data erasure dry run'
      : report.erased
        ? 'personal data erased'
        : 'personal data erasure: nothing matched, nothing erased',
  );
}

export function registerErasureRoute(app: FastifyInstance): void {
  app.post('/personal-data/erase', async (request) => {
    const queryFields = Object.keys((request.query ?? {}) as object);
    if (queryFields.length > 0) {
      throw new AdminApiError(
        400,
        'invalid_request',
        `query: ${queryFields.join(', ')} given; send the erasure's options as a JSON body only (an e-mail address in a URL would reach access logs)`,
        { in: 'query', field: queryFields[0] },
      );
    }
    const erase = parseRequestPart(EraseRequestSchema, 'body', request.body);
    const report = await erasePersonalData({ store: app.store, spoolDir: app.config.spoolDir }, erase);
    logErasure(request.log, erase, report);
    return { ok: true, ...report };
  });
}
