import { z } from 'zod';
import { NEWSLETTER_SUBSCRIBER_READ_SCOPE } from '../assumptions.js';

/** `POST https://oauth.app.shoprenter.net/{shop}/app/token` (FACTS.md §1). */
export const TokenRequestSchema = z.object({
  grant_type: z.literal('client_credentials'),
  client_id: z.string().min(1, 'client_id is required'),
  client_secret: z.string().min(1, 'client_secret is required'),
});

export const TokenResponseSchema = z.looseObject({
  token_type: z.string(),
  expires_in: z.number().int().positive(),
  access_token: z.string().min(1),
});

/** 401 `invalid_client` and 400 `invalid_request` (with `hint`). */
export const TokenErrorBodySchema = z.looseObject({
  error: z.string(),
  error_description: z.string().optional(),
  hint: z.string().optional(),
  message: z.string().optional(),
});

export type TokenRequest = z.infer<typeof TokenRequestSchema>;
export type TokenResponse = z.infer<typeof TokenResponseSchema>;
export type TokenErrorBody = z.infer<typeof TokenErrorBodySchema>;

/** Scopes srhooks needs (FACTS.md §1). */
export const SCOPES = {
  webhookRead: 'store.webhook:read',
  webhookWrite: 'store.webhook:write',
  orderRead: 'order.order:read',
  /** ASSUMPTION (assumptions.ts [A31]): the facts do not name the scope of `GET /newsletterSubscribers`. */
  newsletterRead: NEWSLETTER_SUBSCRIBER_READ_SCOPE,
} as const;
