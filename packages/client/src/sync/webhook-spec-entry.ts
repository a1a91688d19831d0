import { DELAY_UNITS, DELIVERY_FORMATS, WEBHOOK_EVENTS } from '@srhooks/contracts/events';
import { webhookDelayProblem } from '@srhooks/contracts/schemas/webhook';
import { z } from 'zod';
import type { WebhookSpec } from '../resources/webhook-input.js';

/**
 * One desired subscription as a config file states it (`srhooks.config.json`, read by both
 * `srhooks webhooks sync` and the receiver's start-up reconcile): a {@link WebhookSpec} whose
 * `url` may be left out, meaning "this receiver's signed URL for (shop, event)".
 */
export const WebhookSpecEntrySchema = z.strictObject({
  event: z.enum(WEBHOOK_EVENTS, { error: `must be one of ${WEBHOOK_EVENTS.join(', ')}` }),
  url: z.url({ protocol: /^https?$/, error: 'must be an http(s) URL' }).optional(),
  type: z.enum(DELIVERY_FORMATS, { error: 'must be "json" or "xml"' }).optional(),
  fields: z.array(z.string().min(1)).optional(),
  delay: z
    .strictObject({
      value: z.int().min(1, 'must be 1 or more'),
      unit: z.enum(DELAY_UNITS, { error: 'must be "day" or "hour"' }),
    })
    // The contracts' limit (A24), which the client and the sandbox apply to the API body too.
    .superRefine((delay, ctx) => {
      const problem = webhookDelayProblem([{ delay: delay.value, delayUnit: delay.unit }]);
      if (problem !== null) ctx.addIssue({ code: 'custom', message: problem, input: delay });
    })
    .nullable()
    .optional(),
  label: z.string().trim().min(1, 'must not be empty').optional(),
  enabled: z.boolean().optional(),
});

export type WebhookSpecEntry = z.infer<typeof WebhookSpecEntrySchema>;

/** The entry with its URL filled in (the caller decides what an omitted URL means). */
export function specFromEntry(entry: WebhookSpecEntry, url: string): WebhookSpec {
  return {
    event: entry.event,
    url,
    ...(entry.type === undefined ? {} : { type: entry.type }),
    ...(entry.fields === undefined ? {} : { fields: entry.fields }),
    ...(entry.delay === undefined ? {} : { delay: entry.delay }),
    ...(entry.label === undefined ? {} : { label: entry.label }),
    ...(entry.enabled === undefined ? {} : { enabled: entry.enabled }),
  };
}
