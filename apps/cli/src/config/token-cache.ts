import { createHash } from 'node:crypto';
import { readFile, rm, stat } from 'node:fs/promises';
import { join } from 'node:path';
import type { CachedAccessToken, TokenCache } from '@srhooks/client/api';
import { CliError } from '../cli-error.js';
import { makeDirectory } from './config-dir.js';
import { PRIVATE_DIRECTORY_MODE, writePrivateFile } from './credential-store.js';
import { withFileLock } from './file-lock.js';

/**
 * `token-cache.json` in the config dir (beside `credentials.json`): the OAuth access token of each
 * (shop, API client id, token URL, client secret) the CLI last requested, so the next command reuses it
 * while it is valid instead of requesting one (a token lives an hour, a command a second). Written as the
 * credentials file is: mode 0600, atomically. The secret is never in it: entries are keyed by a SHA-256
 * of it, so other credentials (a new `login`, `SRHOOKS_CLIENT_SECRET`) never get another's token.
 *
 * A cache, nothing more: a file that is missing, unreadable, not JSON or not shaped as below is ignored
 * (the client requests a token) and replaced at the next write; a failed write fails no command.
 *
 * Several srhooks processes may write it at once (a script syncing shops in parallel): each change is a
 * read-modify-write, so it is made holding `token-cache.json.lock` (file-lock.ts: an O_EXCL lock file)
 * and re-reads the file under the lock, so no process drops an entry another just added. A lock busy
 * for {@link TOKEN_CACHE_LOCK_WAIT_MS} skips the write (the next command requests a token, nothing
 * fails); one older than {@link TOKEN_CACHE_LOCK_STALE_MS} was left by a process that died holding it
 * and is taken over. Reading needs no lock: the file is only ever replaced whole (rename).
 */
export const TOKEN_CACHE_FILE_NAME = 'token-cache.json';
export const TOKEN_CACHE_LOCK_FILE_NAME = `${TOKEN_CACHE_FILE_NAME}.lock`;
/** How long a command waits for another process's lock before skipping its cache write. */
export const TOKEN_CACHE_LOCK_WAIT_MS = 1_000;
/** A lock this old was left by a process that died holding it (a write holds it for milliseconds). */
export const TOKEN_CACHE_LOCK_STALE_MS = 5_000;
/**
 * How long `logout`/`login` wait to remove tokens: past the stale age, so only a lock that other live
 * processes keep taking for all that time makes them give up (`token_cache_busy`).
 */
const FORGET_SHOP_WAIT_MS = TOKEN_CACHE_LOCK_STALE_MS + 1_000;

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
  readonly lockPath: string;

  readonly #lockWaitMs: number;

  /**
   * `lockWaitMs`: how long a write waits for another process's lock before it is skipped (default
   * {@link TOKEN_CACHE_LOCK_WAIT_MS}; a test of many writers on a loaded machine waits longer).
   */
  constructor(
    readonly dir: string,
    options: { lockWaitMs?: number } = {},
  ) {
    this.path = join(dir, TOKEN_CACHE_FILE_NAME);
    this.lockPath = join(dir, TOKEN_CACHE_LOCK_FILE_NAME);
    this.#lockWaitMs = options.lockWaitMs ?? TOKEN_CACHE_LOCK_WAIT_MS;
  }

  /**
   * `change` run holding the lock (after this process's earlier changes: `serialized`); false, `change`
   * not run, when another process held the lock for `waitMs`.
   */
  #locked(change: () => Promise<void>, waitMs = this.#lockWaitMs): Promise<boolean> {
    return serialized(async () => {
      const { acquired } = await withFileLock(
        this.lockPath,
        { waitMs, staleMs: TOKEN_CACHE_LOCK_STALE_MS },
        change,
      );
      return acquired;
    });
  }

  async #exists(): Promise<boolean> {
    try {
      await stat(this.path);
      return true;
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') return false;
      throw error;
    }
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
      write: async (token) => {
        // the lock file is created in the dir, so the dir first (as writePrivateFile would)
        await makeDirectory(this.dir, PRIVATE_DIRECTORY_MODE);
        // busy for long: not kept (a cache; the next command requests a token)
        await this.#locked(async () => {
          const entries = await this.#entries();
          entries[key] = {
            shop: identity.shop,
            accessToken: token.accessToken,
            expiresAt: token.expiresAt.toISOString(),
            obtainedAt: (token.obtainedAt ?? new Date()).toISOString(),
            scopes: [...token.scopes],
          };
          await this.#write(entries);
        });
      },
      forget: async (accessToken) => {
        if (!(await this.#exists())) return;
        // busy for long: left in the file; this client never reuses a refused token, the next command
        // gets a 401 with it and renews it
        await this.#locked(async () => {
          const entries = await this.#entries();
          if (entries[key]?.accessToken !== accessToken) return;
          delete entries[key];
          await this.#write(entries);
        });
      },
    };
  }

  /**
   * Removes the cached tokens of `shop` (every client and secret), or the whole file: `logout`,
   * `logout --all`, and `login` (the tokens of the credentials it replaces). A file that is not a token
   * cache holds nothing readable to keep: it is removed. Throws a CliError when the file cannot be
   * rewritten or removed, or when other processes kept its lock for {@link FORGET_SHOP_WAIT_MS}
   * (`token_cache_busy`: nothing removed). `keep`: the entry of these credentials stays (`login`'s new
   * token). No file (nor config dir): nothing to remove, nothing created.
   */
  async forgetShop(shop: string | undefined, keep?: TokenCacheIdentity): Promise<void> {
    const keptKey = keep === undefined ? undefined : tokenCacheKey(keep);
    let acquired: boolean;
    try {
      if (!(await this.#exists())) return;
      acquired = await this.#locked(async () => {
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
      }, FORGET_SHOP_WAIT_MS);
    } catch (error) {
      throw new CliError(
        `cannot remove the cached access token${shop === undefined ? 's' : ` of shop ${shop}`} from ${this.path}: ${(error as Error).message}`,
        {
          code: 'token_cache_unwritable',
          hint: 'check the directory permissions, or delete the file yourself; nothing else was changed',
        },
      );
    }
    if (!acquired)
      throw new CliError(
        `cannot remove the cached access token${shop === undefined ? 's' : ` of shop ${shop}`} from ${this.path}: other srhooks commands kept it locked (${this.lockPath}) for ${FORGET_SHOP_WAIT_MS / 1000} s`,
        {
          code: 'token_cache_busy',
          hint: 'run the command again once the other srhooks commands are done; nothing else was changed',
        },
      );
  }
}
