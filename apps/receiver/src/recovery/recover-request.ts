/**
 * The body (or query) of `POST /admin/api/recover`: `shop`, optional `since` — a duration back from
 * now (`2d`, `12h`, `90m`; at least 1m: `0m` is no window) or an ISO 8601 time — and `dryRun`. The CLI sends `--since` as typed.
 */
import { parseLookBack } from '@srhooks/contracts';
import { z } from 'zod';
import {
  actionObject,
  FlagSchema,
  jsonFlag,
  ShopSchema,
  TimeSchema,
} from '../admin/admin-request-schemas.js';

/** `2d` → the instant two days before `now`; undefined when the text is not a duration (contracts' parseLookBack). */
export function sinceDuration(text: string, now: Date): Date | undefined {
  const back = parseLookBack(text);
  return back === null ? undefined : new Date(now.getTime() - back);
}

export const SinceSchema = z.string().transform((value, ctx): Date => {
  if (parseLookBack(value) === 0) {
    // `0m`: a window of nothing, from now to now; the CLI refuses it too (at least 1m).
    ctx.addIssue({
      code: 'custom',
      message: `must reach back at least 1m (${value.trim()} is no window: no order would be read); send a duration such as 2d, 12h or 90m, or an ISO 8601 time such as 2025-12-01T08:00:00Z`,
    });
    return z.NEVER;
  }
  const back = sinceDuration(value, new Date());
  if (back) return back;
  const parsed = TimeSchema.safeParse(value);
  if (parsed.success) return parsed.data;
  ctx.addIssue({
    code: 'custom',
    message:
      'must be a duration back from now such as 2d, 12h or 90m, or an ISO 8601 time such as 2025-12-01T08:00:00Z',
  });
  return z.NEVER;
});

const RecoverBodySchema = actionObject({
  shop: ShopSchema,
  since: SinceSchema.optional(),
  dryRun: jsonFlag('dryRun').optional(),
});

/** A JSON body carries `dryRun` as a JSON boolean; a query string as text (`dryRun=1`). */
export const RecoverRequestSchemas = {
  body: RecoverBodySchema,
  query: actionObject({ shop: ShopSchema, since: SinceSchema.optional(), dryRun: FlagSchema.optional() }),
};
export type RecoverRequestBody = z.output<typeof RecoverBodySchema>;
