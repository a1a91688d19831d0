/**
 * What the inspector's forms and page queries accept: the zod schemas of each POST form and of the
 * reveal / notice query values, and the form body reader (URL-encoded, at most 16 KiB whatever the
 * Content-Type, a field given twice refused rather than read as its last value).
 */
import type { FastifyInstance } from 'fastify';
import { z } from 'zod';
import { AdminApiError } from '../admin/admin-errors.js';
import { HandlerNameSchema, requestObject } from '../admin/admin-request-schemas.js';
import { limitRouteBodies } from '../http/error-handler.js';
import { EraseScopeSchema } from './erase-scope.js';

const FORM_BODY_LIMIT = 16 * 1024;

export const RevealFlagSchema = z
  .literal('1', { error: 'must be 1 (show personal data) or absent' })
  .optional();
export const RevealSchema = requestObject({ reveal: RevealFlagSchema });
/**
 * `?notice=`: the token of an action's notice (action-notices.ts). Any value is taken, never refused: one
 * this process did not issue for the page and session shows the page without a notice.
 */
export const NoticeTokenSchema = z.string().optional().catch(undefined);
/**
 * A notice parameter of a receiver before action-notices.ts (`?done=`, `?replayed=`, …): accepted and
 * ignored, so such a link (an old one, or one made up) shows the page, without a notice and without an error.
 */
export const FormerNoticeSchema = z
  .unknown()
  .transform((): undefined => undefined)
  .optional();

export const ReplayFormSchema = z.strictObject({
  _csrf: z.string().optional(),
  handler: z.union([HandlerNameSchema, z.literal('')]).optional(),
  reveal: z.literal('1').optional(),
});
export const PlainFormSchema = z.strictObject({
  _csrf: z.string().optional(),
  reveal: z.literal('1').optional(),
});
export const HandlerActionFormSchema = z.strictObject({ _csrf: z.string().optional() });
/** "Mark uninstalled"'s confirmation form: the shop's name typed again (compared by the route). */
export const ShopUninstallFormSchema = z.strictObject({
  _csrf: z.string().optional(),
  confirm: z.string().max(200, { error: 'must be the shop name' }).optional(),
});
/**
 * "Erase personal data…"'s form (erase-routes.ts): the reason is checked by the admin API's
 * EraseRequestSchema, not here; the e-mail address is no field of it (read from the stored event).
 */
export const EraseFormSchema = z.strictObject({
  _csrf: z.string().optional(),
  scope: EraseScopeSchema.optional(),
  reason: z.string().optional(),
  includeUnfinished: z.literal('1', { error: 'must be 1 (checked) or absent' }).optional(),
  reveal: z.literal('1').optional(),
});
export const DeadLetterReplayFormSchema = z.strictObject({
  _csrf: z.string().optional(),
  handler: HandlerNameSchema.optional(),
  from: z.iso.datetime({ offset: true }).optional(),
  to: z.iso.datetime({ offset: true }).optional(),
  reveal: z.literal('1').optional(),
});

/** Every route of `app` takes bodies up to 16 KiB (a 413 page names it); URL-encoded forms are read into a record. */
export function addFormBodies(app: FastifyInstance): void {
  limitRouteBodies(app, FORM_BODY_LIMIT);
  app.addContentTypeParser(
    'application/x-www-form-urlencoded',
    { parseAs: 'string', bodyLimit: FORM_BODY_LIMIT },
    (_request, body, done) => {
      // A field given twice is refused, not read as its last value (a replay form's `handler=a&handler=b`).
      const form: Record<string, string> = {};
      for (const [key, value] of new URLSearchParams(String(body))) {
        if (Object.hasOwn(form, key)) {
          done(
            new AdminApiError(
              400,
              'invalid_request',
              `body.${key}: must be given once; send the form with one value for ${key}`,
              { in: 'body', field: key },
            ),
          );
          return;
        }
        form[key] = value;
      }
      done(null, form);
    },
  );
}
