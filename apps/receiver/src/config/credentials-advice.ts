/**
 * Where this receiver takes a config shop's API credentials from, for the reason of a failure they caused:
 * the client's own advice ("check the client id and secret in Settings > API Settings") is the shop
 * admin's side; the receiver reads them from its config (`shops[N]`) at start-up, so a corrected secret
 * takes effect with a restart. Null when the error is no refused client (or the shop is no config shop).
 * Used by the start-up reconcile, which only a receiver with a config file runs (`srhooks listen`, whose
 * shops come from `srhooks login`, reconciles nothing), so `shops[N]` always names a key of that file.
 */
import { TokenError } from '@srhooks/client';
import type { ReceiverConfig } from './config-schema.js';

export function configCredentialsAdvice(config: ReceiverConfig, shop: string, error: unknown): string | null {
  if (!(error instanceof TokenError) || error.code !== 'invalid_client') return null;
  const index = config.shops.findIndex((entry) => entry.name === shop);
  if (index < 0) return null;
  return `this receiver sends the shops[${index}].clientId / clientSecret of its config: correct them there and restart it`;
}
