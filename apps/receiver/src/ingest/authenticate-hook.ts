/**
 * Is `/hooks/{shop}/{event}/{token}` one of this receiver's signed URLs? Every failure is
 * answered the same way (404); the reason only goes to logs and metrics.
 *
 * A shop posts to the same few URLs over and over, so URLs that verified once are remembered
 * (bounded; only successes, so forged URLs cannot fill it) and skip the HMAC next time.
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

/** Verified URLs remembered at most; the cache starts over when full. */
const MAX_REMEMBERED = 4096;

export class HookAuthenticator {
  readonly #secrets: readonly string[];
  readonly #verified = new Map<string, HookAuthentication & { ok: true }>();

  constructor(secrets: readonly string[]) {
    this.#secrets = secrets;
  }

  authenticate(params: HookParams): HookAuthentication {
    const key = `${params.shop}/${params.event}/${params.token}`;
    const remembered = this.#verified.get(key);
    if (remembered) return remembered;
    const result = authenticateHook(params, this.#secrets);
    if (result.ok) {
      if (this.#verified.size >= MAX_REMEMBERED) this.#verified.clear();
      this.#verified.set(key, result);
    }
    return result;
  }
}

export function authenticateHook(params: HookParams, secrets: readonly string[]): HookAuthentication {
  if (!isValidShopName(params.shop)) return { ok: false, reason: 'bad_shop' };
  if (!isWebhookEvent(params.event)) return { ok: false, reason: 'unknown_event' };
  const verified = verifyDeliveryPath(params, secrets);
  if (!verified.ok) return { ok: false, reason: 'bad_token' };
  return { ok: true, shop: params.shop, event: params.event, secretIndex: verified.secretIndex };
}
