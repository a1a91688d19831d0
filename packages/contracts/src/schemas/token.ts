import { z } from 'zod';

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

/**
 * Scopes srhooks needs (FACTS.md §1), as ShopRenter's scope table documents them
 * (`fixtures/shoprenter/api/scopes.json`, from sr-api-docs `fixtures/scopes/scopes.json`).
 */
export const SCOPES = {
  webhookRead: 'store.webhook:read',
  webhookWrite: 'store.webhook:write',
  /** `GET /orders…` and `GET /orderHistories…`. */
  orderRead: 'order.order:read',
  /** `GET /newsletterSubscribers…` (recovery of newsletter events). */
  newsletterRead: 'newsletter.subscriber:read',
} as const;
