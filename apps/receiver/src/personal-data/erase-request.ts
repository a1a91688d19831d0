/**
 * What an erasure request (`POST /admin/api/personal-data/erase`, `srhooks erase`) may carry: whose data
 * (an e-mail address, an order or a newsletter subscriber of a shop, or several), the operator's request
 * reference, and the flags.
 * JSON body only: an e-mail address in a query string would reach access logs and proxies.
 */
import { z } from 'zod';
import { jsonFlag, ShopSchema } from '../admin/admin-request-schemas.js';
import { HUNGARIAN_PHONE, PREFIXED_PHONE } from '../logging/phone-number.js';

/** An e-mail address as an erasure matches it: one `@`, no blanks inside, at most 254 characters. */
const EMAIL = /^[^\s@]+@[^\s@]+$/;

export const EmailSchema = z
  .string({ error: 'must be text: the e-mail address whose data is erased' })
  .trim()
  .max(254, 'must be at most 254 characters (the longest e-mail address)')
  .refine((email) => EMAIL.test(email), {
    error: 'must be an e-mail address such as kovacs.eva@example.hu (matched exactly, ignoring case)',
  });

export const OrderIdSchema = z
  .string({ error: 'must be text: the order\'s innerId as the shop sent it (e.g. "3001")' })
  .trim()
  .min(1, "must not be blank: the order's innerId (the order number the inspector shows)")
  .max(64, 'must be at most 64 characters');

export const SubscriberIdSchema = z
  .string({ error: 'must be text: the newsletter subscriber\'s id as the shop sent it (e.g. "77")' })
  .trim()
  .min(1, "must not be blank: the subscriber's id (the id the inspector shows on a newsletter event)")
  .max(64, 'must be at most 64 characters');

/** Whether the text holds something that looks like an e-mail address or a phone number. */
export function looksPersonal(text: string): boolean {
  if (/@/.test(text)) return true;
  return [PREFIXED_PHONE, HUNGARIAN_PHONE].some((pattern) => new RegExp(pattern).test(text));
}

/**
 * The request reference stored with every erased row: a ticket or case number, never personal data (it
 * is kept, shown and logged), so no e-mail address or phone number, and it must hold a digit — a ticket
 * or case number has one, a name (`Kovács Éva`, `per Eva's request`) has none. A reference that wraps a
 * name around a number still passes: this catches the slip, it cannot read the text's meaning.
 */
export const ErasureReasonSchema = z
  .string({
    error: (issue) =>
      issue.input === undefined
        ? 'is required: a reference of the request (a ticket or case number such as GDPR-2026-014), never personal data'
        : 'must be text: a reference of the request such as GDPR-2026-014',
  })
  .trim()
  .min(1, 'must not be blank: a reference of the request such as GDPR-2026-014')
  .max(200, 'must be at most 200 characters')
  .refine((reason) => !looksPersonal(reason), {
    error:
      'must not hold personal data (it looks like an e-mail address or a phone number): it is stored and shown with the erased rows; give a ticket or case number such as GDPR-2026-014',
  })
  .refine((reason) => /\d/.test(reason), {
    error:
      'must be a reference that holds its number (a ticket or case number such as GDPR-2026-014), not a description or a name: it is stored and shown with the erased rows',
  });

export const EraseRequestSchema = z
  .strictObject({
    email: EmailSchema.optional(),
    shop: ShopSchema.optional(),
    orderId: OrderIdSchema.optional(),
    subscriberId: SubscriberIdSchema.optional(),
    reason: ErasureReasonSchema,
    dryRun: jsonFlag('dryRun').optional(),
    includeUnfinished: jsonFlag('includeUnfinished').optional(),
  })
  .superRefine((request, ctx) => {
    if (request.email === undefined && request.orderId === undefined && request.subscriberId === undefined) {
      ctx.addIssue({
        code: 'custom',
        path: ['email'],
        message: 'is required unless orderId or subscriberId (with shop) is given: say whose data is erased',
      });
    }
    if (request.subscriberId !== undefined && request.shop === undefined) {
      ctx.addIssue({
        code: 'custom',
        path: ['shop'],
        message: 'is required with subscriberId: the shop the newsletter subscriber belongs to',
      });
    }
    if (request.orderId !== undefined && request.shop === undefined) {
      ctx.addIssue({
        code: 'custom',
        path: ['shop'],
        message: 'is required with orderId: the shop the order belongs to',
      });
    }
  });

export type EraseRequest = z.output<typeof EraseRequestSchema>;
