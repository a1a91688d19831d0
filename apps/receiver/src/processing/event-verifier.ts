/** The worker's `verify` step for shops with `verify: true` (see verify.ts). */
import type { OrderItem } from '@srhooks/contracts';
import type { ShopConfig } from '../config/config-schema.js';
import type { EventVerifier } from './attempt-verification.js';
import { ProcessingConfigError } from './processing-errors.js';
import type { ShopClients } from './shop-clients.js';
import { VERIFIED_EVENTS, verifyOrder } from './verify.js';

/** Null when no shop has `verify: true`. Throws ProcessingConfigError when such a shop lacks credentials. */
export function createEventVerifier(
  shops: readonly ShopConfig[],
  clients: ShopClients,
): EventVerifier | null {
  const verifying = new Set<string>();
  shops.forEach((shop, index) => {
    if (!shop.verify) return;
    if (!clients.has(shop.name)) {
      throw new ProcessingConfigError(
        `shops[${index}].verify needs the shop's API credentials to fetch orders back: set clientId and clientSecret (or a legacy API user's username and password) on shop "${shop.name}"`,
      );
    }
    verifying.add(shop.name);
  });
  if (verifying.size === 0) return null;
  return (job) => {
    if (!verifying.has(job.shop) || !VERIFIED_EVENTS.has(job.event)) return null;
    return verifyOrder(clients.clientFor(job.shop), job.payload as OrderItem);
  };
}
