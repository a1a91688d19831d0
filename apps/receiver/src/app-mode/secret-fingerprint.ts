/**
 * Which URL secret signed the subscriptions the receiver registered for an installed app shop, and under
 * which `publicUrl`, without storing the secret: fingerprints, the first 16 hex characters of
 * HMAC-SHA256(secret, a fixed label) — and of HMAC-SHA256(secret, another label and the publicUrl) —,
 * stored as `{secret}:{base}` with the app shop record (`AppShopRecord.secretFingerprint`) by the install
 * step (a record written before the base was kept has the first part only). They cannot be turned back into
 * the secret, nor into a delivery URL's token (different messages). Compared with the configured secrets and
 * `publicUrl` at start-up (start-up-resubscribe.ts).
 */
import { createHmac } from 'node:crypto';

const LABEL = 'srhooks secret fingerprint';
const BASE_LABEL = 'srhooks public url fingerprint\n';

const fingerprintOf = (secret: string, message: string) =>
  createHmac('sha256', secret).update(message).digest('hex').slice(0, 16);

export function secretFingerprint(secret: string): string {
  return fingerprintOf(secret, LABEL);
}

/** The publicUrl as the fingerprint reads it: without a trailing slash (the URLs are the same). */
const baseOf = (publicUrl: string | undefined) => (publicUrl ?? '').replace(/\/+$/, '');

/** What the install step records: the secret's fingerprint and that of the base it registered under. */
export function registrationFingerprint(secret: string, publicUrl: string | undefined): string {
  return `${secretFingerprint(secret)}:${fingerprintOf(secret, BASE_LABEL + baseOf(publicUrl))}`;
}

/**
 * How a shop's recorded fingerprint relates to the configured secrets (newest first): signed with the
 * newest (`current`), with a later one still accepted (`old`), with none of them (`replaced`: its
 * deliveries are answered 404), or `unknown` (nothing recorded: installed before fingerprints were kept).
 */
export type SecretStanding = 'current' | 'old' | 'replaced' | 'unknown';

export function secretStanding(fingerprint: string | null, secrets: readonly string[]): SecretStanding {
  if (fingerprint === null) return 'unknown';
  const secretPart = fingerprint.split(':')[0];
  const index = secrets.findIndex((secret) => secretFingerprint(secret) === secretPart);
  if (index === 0) return 'current';
  return index > 0 ? 'old' : 'replaced';
}

/**
 * The shop's subscriptions were registered under another `publicUrl` than `publicUrl` (the receiver moved):
 * false when that cannot be told — nothing recorded, a record from before the base was kept, or a secret no
 * longer configured (re-registered as `replaced` anyway).
 */
export function registeredUnderOtherBase(
  fingerprint: string | null,
  secrets: readonly string[],
  publicUrl: string | undefined,
): boolean {
  if (fingerprint === null || !fingerprint.includes(':')) return false;
  const [secretPart, basePart] = fingerprint.split(':');
  const secret = secrets.find((candidate) => secretFingerprint(candidate) === secretPart);
  if (secret === undefined) return false;
  return fingerprintOf(secret, BASE_LABEL + baseOf(publicUrl)) !== basePart;
}
