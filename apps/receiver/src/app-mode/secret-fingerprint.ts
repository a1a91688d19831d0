/**
 * Which URL secret signed the subscriptions the receiver registered for an installed app shop, without
 * storing the secret: a fingerprint, the first 16 hex characters of HMAC-SHA256(secret, a fixed label).
 * It cannot be turned back into the secret, nor into a delivery URL's token (a different message). Stored
 * with the app shop record (`AppShopRecord.secretFingerprint`) by the install step; compared with the
 * configured secrets at start-up (start-up-resubscribe.ts).
 */
import { createHmac } from 'node:crypto';

const LABEL = 'srhooks secret fingerprint';

export function secretFingerprint(secret: string): string {
  return createHmac('sha256', secret).update(LABEL).digest('hex').slice(0, 16);
}

/**
 * How a shop's recorded fingerprint relates to the configured secrets (newest first): signed with the
 * newest (`current`), with a later one still accepted (`old`), with none of them (`replaced`: its
 * deliveries are answered 404), or `unknown` (nothing recorded: installed before fingerprints were kept).
 */
export type SecretStanding = 'current' | 'old' | 'replaced' | 'unknown';

export function secretStanding(fingerprint: string | null, secrets: readonly string[]): SecretStanding {
  if (fingerprint === null) return 'unknown';
  const index = secrets.findIndex((secret) => secretFingerprint(secret) === fingerprint);
  if (index === 0) return 'current';
  return index > 0 ? 'old' : 'replaced';
}
