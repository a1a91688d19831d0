/**
 * Is `/hooks/{shop}/{event}/{token}` one of this receiver's signed URLs? Every failure is
 * answered the same way (404); the reason only goes to logs and metrics.
 */
import { isValidShopName, isWebhookEvent, verifyDeliveryPath, type WebhookEvent } from '@srhooks/contracts';
import type { ForgedReason } from '../metrics/receiver-metrics.js';

export interface HookParams {
  shop: string;
  event: string;
  token: string;
}

export type HookAuthentication =
  | { ok: true; shop: string; event: WebhookEvent; secretIndex: number }
  | { ok: false; reason: ForgedReason };

export function authenticateHook(params: HookParams, secrets: readonly string[]): HookAuthentication {
  if (!isValidShopName(params.shop)) return { ok: false, reason: 'bad_shop' };
  if (!isWebhookEvent(params.event)) return { ok: false, reason: 'unknown_event' };
  const verified = verifyDeliveryPath(params, secrets);
  if (!verified.ok) return { ok: false, reason: 'bad_token' };
  return { ok: true, shop: params.shop, event: params.event, secretIndex: verified.secretIndex };
}
