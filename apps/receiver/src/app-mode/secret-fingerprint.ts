/**
 * Which URL secret signed the subscriptions the receiver registered for an installed app shop, and under
 * which `publicUrl`, without storing the secret: fingerprints, the first 16 hex characters of
 * HMAC-SHA256(secret, a fixed label) — and of HMAC-SHA256(secret, another label and the publicUrl). They
 * cannot be turned back into the secret, nor into a delivery URL's token (different messages). Compared with
 * the configured secrets and `publicUrl` at start-up (start-up-resubscribe.ts).
 *
 * Where each is kept, so that receivers of every version on one store read them alike (a rolling upgrade, a
 * rollback): the secret's in `AppShopRecord.secretFingerprint` alone, as receivers have always compared that
 * column, whole, with the secret's fingerprint; the base's with each subscription it registered
 * (`AppShopSubscription.baseFingerprint`), which receivers before it carry along or drop when they register
 * again (the base is then unknown). Receivers of one earlier build stored both in the column
 * (`{secret}:{base}`), which older receivers took for a replaced secret; that form is still read.
 */
import { createHmac } from 'node:crypto';
import type { AppShopRecord } from '../store/app-shops/app-shop-store.js';

const LABEL = 'srhooks secret fingerprint';
const BASE_LABEL = 'srhooks public url fingerprint\n';

const fingerprintOf = (secret: string, message: string) =>
  createHmac('sha256', secret).update(message).digest('hex').slice(0, 16);

export function secretFingerprint(secret: string): string {
  return fingerprintOf(secret, LABEL);
}

/** The publicUrl as the fingerprint reads it: without a trailing slash (the URLs are the same). */
const baseOf = (publicUrl: string | undefined) => (publicUrl ?? '').replace(/\/+$/, '');

/** The fingerprint of the `publicUrl` subscriptions signed with `secret` are registered under. */
export function baseFingerprint(secret: string, publicUrl: string | undefined): string {
  return fingerprintOf(secret, BASE_LABEL + baseOf(publicUrl));
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

/** The base fingerprints recorded for the shop's subscriptions (or, in the earlier build's form, the column's). */
function recordedBases(record: Pick<AppShopRecord, 'secretFingerprint' | 'subscriptions'>): string[] {
  const withSubscriptions = record.subscriptions
    .map((subscription) => subscription.baseFingerprint)
    .filter((base): base is string => typeof base === 'string');
  if (withSubscriptions.length > 0) return withSubscriptions;
  const legacy = record.secretFingerprint?.split(':')[1];
  return legacy ? [legacy] : [];
}

/**
 * The shop's subscriptions were registered under another `publicUrl` than `publicUrl` (the receiver moved):
 * false when that cannot be told — nothing recorded, a record written without the base (before it was kept,
 * or by an older receiver), or a secret no longer configured (re-registered as `replaced` anyway).
 */
export function registeredUnderOtherBase(
  record: Pick<AppShopRecord, 'secretFingerprint' | 'subscriptions'>,
  secrets: readonly string[],
  publicUrl: string | undefined,
): boolean {
  if (record.secretFingerprint === null) return false;
  const secretPart = record.secretFingerprint.split(':')[0];
  const secret = secrets.find((candidate) => secretFingerprint(candidate) === secretPart);
  if (secret === undefined) return false;
  const current = baseFingerprint(secret, publicUrl);
  return recordedBases(record).some((base) => base !== current);
}
