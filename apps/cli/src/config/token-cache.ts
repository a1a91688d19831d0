import { createHash } from 'node:crypto';
import { readFile, rm } from 'node:fs/promises';
import { join } from 'node:path';
import type { CachedAccessToken, TokenCache } from '@srhooks/client/api';
import { CliError } from '../cli-error.js';
import { writePrivateFile } from './credential-store.js';

/**
 * `token-cache.json` in the config dir (beside `credentials.json`): the OAuth access token of each
 * (shop, API client id, token URL, client secret) the CLI last requested, so the next command reuses it
 * while it is valid instead of requesting one (a token lives an hour, a command a second). Written as the
 * credentials file is: mode 0600, atomically. The secret is never in it: entries are keyed by a SHA-256
 * of it, so other credentials (a new `login`, `SRHOOKS_CLIENT_SECRET`) never get another's token.
 *
 * A cache, nothing more: a file that is missing, unreadable, not JSON or not shaped as below is ignored
 * (the client requests a token) and replaced at the next write; a failed write fails no command.
 */
export const TOKEN_CACHE_FILE_NAME = 'token-cache.json';

interface TokenCacheEntry {
  shop: string;
  accessToken: string;
  /** ISO times on this machine's clock. */
  expiresAt: string;
  obtainedAt: string;
  scopes: string[];
}

interface TokenCacheFileShape {
  version: 1;
  tokens: Record<string, TokenCacheEntry>;
}

/** What a token is requested with: the cache key is made of these (the secret only as a hash). */
export interface TokenCacheIdentity {
  shop: string;
  clientId: string;
  clientSecret: string;
  /** The token URL as given (template or literal), `undefined` for ShopRenter's default. */
  tokenUrl: string | undefined;
}

/** The entry's key: shop, client id, token URL (`{shop}` filled in) and a SHA-256 of the secret. */
export function tokenCacheKey(identity: TokenCacheIdentity): string {
  const secret = createHash('sha256')
    .update('srhooks token cache\0')
    .update(identity.clientSecret)
    .digest('hex');
  const tokenUrl = identity.tokenUrl?.replaceAll('{shop}', identity.shop) ?? 'default';
  return JSON.stringify([identity.shop, identity.clientId, tokenUrl, `sha256:${secret}`]);
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return value !== null && typeof value === 'object' && !Array.isArray(value);
}

function isEntry(value: unknown): value is TokenCacheEntry {
  return (
    isRecord(value) &&
    typeof value.shop === 'string' &&
    typeof value.accessToken === 'string' &&
    typeof value.expiresAt === 'string' &&
    typeof value.obtainedAt === 'string' &&
    Array.isArray(value.scopes) &&
    value.scopes.every((scope) => typeof scope === 'string')
  );
}

/** Writes of one process, one after another (several shops synced at once share the file). */
let queue: Promise<unknown> = Promise.resolve();
function serialized<T>(task: () => Promise<T>): Promise<T> {
  const run = queue.then(task, task);
  queue = run.catch(() => undefined);
  return run;
}

export class TokenCacheFile {
  readonly path: string;

  constructor(readonly dir: string) {
    this.path = join(dir, TOKEN_CACHE_FILE_NAME);
  }

  /** The file's entries; empty when it is missing, unreadable or not a token cache. */
  async #entries(): Promise<Record<string, TokenCacheEntry>> {
    let raw: unknown;
    try {
      raw = JSON.parse(await readFile(this.path, 'utf8'));
    } catch {
      return {};
    }
    if (!isRecord(raw) || raw.version !== 1 || !isRecord(raw.tokens)) return {};
    const entries: Record<string, TokenCacheEntry> = {};
    const now = Date.now();
    for (const [key, entry] of Object.entries(raw.tokens)) {
      // expired ones are dropped at the next write
      if (isEntry(entry) && Date.parse(entry.expiresAt) > now) entries[key] = entry;
    }
    return entries;
  }

  async #write(entries: Record<string, TokenCacheEntry>): Promise<void> {
    if (Object.keys(entries).length === 0) {
      await rm(this.path, { force: true });
      return;
    }
    const file: TokenCacheFileShape = { version: 1, tokens: entries };
    await writePrivateFile(this.dir, this.path, `${JSON.stringify(file, null, 2)}\n`);
  }

  /** The client's cache for one identity (see packages/client's `TokenCache`). */
  cacheFor(identity: TokenCacheIdentity, options: { read: boolean } = { read: true }): TokenCache {
    const key = tokenCacheKey(identity);
    return {
      read: async (): Promise<CachedAccessToken | undefined> => {
        if (!options.read) return undefined;
        const entry = (await this.#entries())[key];
        if (!entry) return undefined;
        return {
          accessToken: entry.accessToken,
          expiresAt: new Date(entry.expiresAt),
          obtainedAt: new Date(entry.obtainedAt),
          scopes: [...entry.scopes],
        };
      },
      write: (token) =>
        serialized(async () => {
          const entries = await this.#entries();
          entries[key] = {
            shop: identity.shop,
            accessToken: token.accessToken,
            expiresAt: token.expiresAt.toISOString(),
            obtainedAt: (token.obtainedAt ?? new Date()).toISOString(),
            scopes: [...token.scopes],
          };
          await this.#write(entries);
        }),
      forget: (accessToken) =>
        serialized(async () => {
          const entries = await this.#entries();
          if (entries[key]?.accessToken !== accessToken) return;
          delete entries[key];
          await this.#write(entries);
        }),
    };
  }

  /**
   * Removes the cached tokens of `shop` (every client and secret), or the whole file: `logout`,
   * `logout --all`, and `login` (the tokens of the credentials it replaces). A file that is not a token
   * cache holds nothing readable to keep: it is removed. Throws a CliError when the file cannot be
   * rewritten or removed. `keep`: the entry of these credentials stays (`login`'s new token).
   */
  async forgetShop(shop: string | undefined, keep?: TokenCacheIdentity): Promise<void> {
    const keptKey = keep === undefined ? undefined : tokenCacheKey(keep);
    try {
      await serialized(async () => {
        if (shop === undefined) {
          await rm(this.path, { force: true });
          return;
        }
        const entries = await this.#entries();
        const kept = Object.fromEntries(
          Object.entries(entries).filter(([key, entry]) => entry.shop !== shop || key === keptKey),
        );
        if (Object.keys(kept).length === Object.keys(entries).length && Object.keys(kept).length > 0) return;
        await this.#write(kept);
      });
    } catch (error) {
      throw new CliError(
        `cannot remove the cached access token${shop === undefined ? 's' : ` of shop ${shop}`} from ${this.path}: ${(error as Error).message}`,
        {
          code: 'token_cache_unwritable',
          hint: 'check the directory permissions, or delete the file yourself; nothing else was changed',
        },
      );
    }
  }
}
