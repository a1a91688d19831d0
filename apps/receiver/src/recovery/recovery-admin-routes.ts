/**
 * Recovery in the admin API (registered by admin-api-routes.ts, behind its guard):
 * - `POST /admin/api/recover` `{shop, since?, dryRun?}`: one pass now; answers what it recovered (or,
 *   dry, would recover).
 * - `GET /admin/api/recovery`: each shop's watermark and last pass, and whether passes are scheduled.
 */
import { ShopRenterError } from '@srhooks/client';
import type { FastifyInstance } from 'fastify';
import { parseBodyOrQuery, parseRequestPart } from '../admin/admin-errors.js';
import { NoQuerySchema } from '../admin/admin-request-schemas.js';
import { errorBody } from '../http/error-body.js';
import type { RecoveryState } from '../store/store.js';
import { RecoverRequestSchemas } from './recover-request.js';
import { RecoveryError } from './recovery-errors.js';
import type { RecoveryReport } from './recovery-pass.js';

const STATUS: Record<RecoveryError['code'], number> = {
  unknown_shop: 404,
  shop_uninstalled: 404,
  no_credentials: 409,
  recovery_off: 409,
  busy: 409,
  bad_since: 400,
  interrupted: 503,
};

export function reportJson(report: RecoveryReport) {
  return { ...report, since: report.since.toISOString(), until: report.until.toISOString() };
}

export function stateJson(state: RecoveryState) {
  return {
    shop: state.shop,
    watermark: state.watermark?.toISOString() ?? null,
    consecutiveFailures: state.consecutiveFailures,
    lastPass: state.lastPass
      ? {
          ...state.lastPass,
          startedAt: state.lastPass.startedAt.toISOString(),
          finishedAt: state.lastPass.finishedAt.toISOString(),
          since: state.lastPass.since.toISOString(),
        }
      : null,
  };
}

export function registerRecoveryRoutes(app: FastifyInstance): void {
  app.post('/recover', async (request, reply) => {
    const body = parseBodyOrQuery(RecoverRequestSchemas, request);
    try {
      const report = await app.recovery.recover(body.shop, {
        ...(body.since ? { since: body.since } : {}),
        dryRun: body.dryRun ?? false,
      });
      return { ok: true, report: reportJson(report) };
    } catch (error) {
      // Refusals and the shop's API failing are outcomes of this request, answered to the caller:
      // a 5xx among them logs at warn with its codes (receiver-log-controller.ts); anything else
      // thrown is a bug and logs at error.
      if (error instanceof RecoveryError) {
        request.expectedFailure = { errorCode: error.code, recovery: { shop: body.shop } };
        return reply.code(STATUS[error.code]).send(errorBody(error.code, error.message));
      }
      if (error instanceof ShopRenterError) {
        request.expectedFailure = {
          errorCode: 'shop_api_failed',
          shopApiError: error.code,
          recovery: { shop: body.shop },
        };
        return reply
          .code(502)
          .send(
            errorBody(
              'shop_api_failed',
              `Reading the shop's API failed: ${app.recovery.failureReason(body.shop, error)}`,
            ),
          );
      }
      throw error;
    }
  });

  app.get('/recovery', async (request) => {
    parseRequestPart(NoQuerySchema, 'query', request.query);
    const states = await app.store.listRecoveryStates();
    // scheduled: whether this receiver runs passes by itself; false for one that recovers only on demand
    // (`srhooks listen`), so `shops` are those a `POST /recover` may ask for, not ones a pass is coming for.
    return {
      ok: true,
      shops: app.recovery.shops(),
      scheduled: app.recovery.scheduled,
      // nextTurnAt: this receiver's next scheduled turn for the shop (null: none scheduled, or one runs now)
      items: states.map((state) => ({
        ...stateJson(state),
        nextTurnAt: app.recovery.nextTurnAt(state.shop)?.toISOString() ?? null,
      })),
    };
  });
}
