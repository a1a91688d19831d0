import { z } from 'zod';

/** `POST /batch` (FACTS.md §2): many requests in one call, answered 200 even when inner ones fail. */
export const BATCH_METHODS = ['GET', 'POST', 'PUT', 'DELETE'] as const;
/** Documented upper bound of inner requests per batch call. */
export const BATCH_MAX_REQUESTS = 200;

export const BatchInnerRequestSchema = z.object({
  method: z.enum(BATCH_METHODS),
  /** Absolute resource URL, e.g. `https://shop.api2.myshoprenter.hu/api/webHooks`. */
  uri: z.string().min(1),
  data: z.unknown().optional(),
});

export const BatchRequestSchema = z.object({
  data: z.object({
    requests: z.array(BatchInnerRequestSchema).min(1).max(BATCH_MAX_REQUESTS),
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
