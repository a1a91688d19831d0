import { z } from 'zod';

/** `POST /batch` (FACTS.md §2): many requests in one call, answered 200 even when inner ones fail. */
export const BATCH_METHODS = ['GET', 'POST', 'PUT', 'DELETE'] as const;
/**
 * The documented **recommended** number of inner requests per batch call ("The recommended number
 * of requests should be 200"): a recommendation, not a hard limit; the hard limit is the 32 MB
 * body (`BATCH_MAX_BODY_BYTES`). srhooks' client never sends more per call.
 */
export const BATCH_RECOMMENDED_REQUESTS = 200;

/** The documented size limit of a batch call's body (`max_post_size`, 32 MB). */
export const BATCH_MAX_BODY_BYTES = 32 * 1024 * 1024;

export const BatchInnerRequestSchema = z.object({
  method: z.enum(BATCH_METHODS),
  /** Absolute resource URL, e.g. `https://shop.api2.myshoprenter.hu/api/webHooks`. */
  uri: z.string().min(1),
  data: z.unknown().optional(),
});

export const BatchRequestSchema = z.object({
  data: z.object({
    requests: z.array(BatchInnerRequestSchema).min(1),
  }),
});

export const BatchInnerResponseSchema = z.looseObject({
  method: z.string(),
  uri: z.string(),
  response: z.looseObject({
    header: z.looseObject({ statusCode: z.union([z.number(), z.string()]).transform(Number) }),
    body: z.unknown().optional(),
  }),
});

export const BatchResponseSchema = z.looseObject({
  requests: z.looseObject({
    request: z.preprocess(
      (value) => (value === undefined || value === null ? [] : Array.isArray(value) ? value : [value]),
      z.array(BatchInnerResponseSchema),
    ),
  }),
});

export type BatchInnerRequest = z.infer<typeof BatchInnerRequestSchema>;
export type BatchRequest = z.infer<typeof BatchRequestSchema>;
export type BatchInnerResponse = z.infer<typeof BatchInnerResponseSchema>;
export type BatchResponse = z.infer<typeof BatchResponseSchema>;
