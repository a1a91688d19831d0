import {
  isUsableSecret,
  MIN_SECRET_LENGTH,
  parseDeliveryPath,
  verifyDeliveryPath,
} from '@srhooks/contracts/receiver-path';
import { usageError } from '../cli-error.js';

/** `SRHOOKS_SECRETS`: comma-separated, newest first, as the receiver reads it. */
export function secretsFromEnv(env: Record<string, string | undefined>): string[] {
  return (env.SRHOOKS_SECRETS ?? '')
    .split(',')
    .map((secret) => secret.trim())
    .filter((secret) => secret.length > 0);
}

/**
 * `secrets` of `SRHOOKS_SECRETS` (as {@link secretsFromEnv} reads them), each checked as the receiver
 * checks it: an entry too short to be a receiver's secret is refused (exit 2, `weak_secret`), naming
 * its place in the list, rather than used (listen, `webhooks list`'s SECRET column).
 */
export function assertUsableSecrets(secrets: readonly string[]): readonly string[] {
  for (const [index, secret] of secrets.entries()) {
    if (!isUsableSecret(secret)) {
      throw usageError(
        `SRHOOKS_SECRETS entry ${index + 1} is too short (${secret.length} characters; at least ${MIN_SECRET_LENGTH})`,
        "every secret in SRHOOKS_SECRETS must be the receiver's, e.g. `openssl rand -hex 32`",
        'weak_secret',
      );
    }
  }
  return secrets;
}

/**
 * The secret that signs new receiver URLs: `--secret`, else the first of `SRHOOKS_SECRETS` (every entry
 * checked: {@link assertUsableSecrets}), else `fallback` (`url`: the one `srhooks listen` keeps in
 * listen.json).
 */
export function firstSecret(
  flag: string | undefined,
  env: Record<string, string | undefined>,
  fallback?: string,
): string {
  // taken from SRHOOKS_SECRETS: every entry is checked, as the receiver checks them (a short later one
  // would make the receiver refuse to start, and the URL printed here useless)
  if (flag === undefined) assertUsableSecrets(secretsFromEnv(env));
  const secret = flag ?? secretsFromEnv(env)[0] ?? fallback;
  if (!secret) {
    throw usageError(
      'no receiver secret',
      'pass --secret or set SRHOOKS_SECRETS (comma-separated, newest first; e.g. `openssl rand -hex 32`), or run srhooks listen once (it keeps one in listen.json)',
      'no_secret',
    );
  }
  if (!isUsableSecret(secret)) {
    // (a short SRHOOKS_SECRETS entry was refused above, named as that variable's)
    const tooShort = `is too short (${secret.length} characters; at least ${MIN_SECRET_LENGTH})`;
    throw usageError(
      `${flag === undefined ? 'the receiver secret' : '--secret'} ${tooShort}`,
      'use a random one, e.g. `openssl rand -hex 32`',
      'weak_secret',
    );
  }
  return secret;
}

/** Which of the receiver's secrets a delivery URL verifies against: the first, a later one, or none. */
export type SignedWith = 'current' | 'old' | 'none';

/**
 * For a receiver URL (`…/hooks/{shop}/{event}/{token}`): whether its token verifies against the
 * first of `secrets` (`current`), a later one (`old`: still accepted, to be retired) or none of
 * them (the receiver answers its deliveries 404). `undefined` for other URLs or without secrets.
 * Nothing of the token is returned, so callers can show this where tokens are masked.
 */
export function signedWith(url: string, secrets: readonly string[]): SignedWith | undefined {
  if (secrets.length === 0) return undefined;
  let path: string;
  try {
    path = new URL(url).pathname;
  } catch {
    return undefined;
  }
  const parsed = parseDeliveryPath(path);
  if (!parsed) return undefined;
  const verified = verifyDeliveryPath(parsed, secrets);
  if (!verified.ok) return 'none';
  return verified.secretIndex === 0 ? 'current' : 'old';
}
