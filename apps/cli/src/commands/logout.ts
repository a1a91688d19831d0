import { usageError } from '../cli-error.js';
import { defineCommand } from '../command.js';
import { resolveConfigDir } from '../config/config-dir.js';
import { CredentialStore } from '../config/credential-store.js';
import { assertShopName, shopSource } from '../config/shop-name.js';
import { TokenCacheFile } from '../config/token-cache.js';

export interface LogoutOptions {
  shop?: string;
  all?: boolean;
}

export interface LogoutResult {
  removed: string[];
  remaining: string[];
  /** `--all` only, when some: the removed shop entries that could not be read, and what was wrong. */
  unreadable?: Array<{ shop: string; problem: string }>;
  /** `--all` only: the credentials file removed although it was not JSON (so its shops are not known). */
  unreadableFile?: { path: string; problem: string };
}

export const logoutCommand = defineCommand<LogoutOptions, LogoutResult>({
  async run(options, context) {
    const configDir = resolveConfigDir(context.env);
    const store = new CredentialStore(configDir);
    const tokens = new TokenCacheFile(configDir);
    if (options.all && options.shop) {
      throw usageError(
        '--shop and --all contradict each other',
        `pass --shop ${options.shop} to forget that shop, or --all alone to forget every shop`,
        'conflicting_options',
      );
    }
    if (options.all) {
      // Everything goes, entries that do not parse too (named in the output), and a file that is not JSON
      // at all (said so): nothing is lost unasked.
      // the cached access tokens first: a token left behind would outlive the credentials by up to an hour
      await tokens.forgetShop(undefined);
      const { removed, unreadable, notJson } = await store.clear();
      return {
        removed,
        remaining: [],
        ...(unreadable.length === 0
          ? {}
          : { unreadable: unreadable.map(({ shop, problem }) => ({ shop, problem })) }),
        ...(notJson === undefined ? {} : { unreadableFile: { path: store.path, problem: notJson } }),
      };
    }
    // One shop: refused (credentials_corrupt) while any entry does not parse, since the file would be
    // rewritten without it.
    const file = await store.read();
    const stored = Object.keys(file.shops);
    const shop = options.shop ?? context.env.SRHOOKS_SHOP ?? (stored.length === 1 ? stored[0] : undefined);
    if (!shop) {
      throw usageError(
        stored.length === 0
          ? 'no stored shops: nothing to log out of'
          : `which shop? stored: ${stored.join(', ')}`,
        stored.length === 0 ? undefined : 'pass --shop NAME, or --all to forget every shop',
        stored.length === 0 ? 'not_logged_in' : 'no_shop',
      );
    }
    // its cached access tokens first (env-credential runs' too, stored or not)
    await tokens.forgetShop(shop);
    if (!(await store.removeShop(shop))) {
      // not stored and no shop name at all: refused as every command refuses one, with the name meant
      assertShopName(shop, shopSource(options.shop, 'SRHOOKS_SHOP'));
      throw usageError(
        `no stored credentials for shop ${shop}`,
        stored.length > 0 ? `stored shops: ${stored.join(', ')}` : 'nothing is stored',
        'not_logged_in',
      );
    }
    return { removed: [shop], remaining: stored.filter((name) => name !== shop) };
  },

  render(result, style) {
    if (result.unreadableFile) {
      const { path, problem } = result.unreadableFile;
      return `${style.green('✔')} removed ${path}, which could not be read (${problem}): every shop it held is forgotten`;
    }
    if (result.removed.length === 0) return 'no stored shops';
    const unreadable = result.unreadable ?? [];
    const readable = result.removed.filter((shop) => !unreadable.some((entry) => entry.shop === shop));
    const entries = unreadable.map(({ shop, problem }) => `the unreadable shop entry "${shop}" (${problem})`);
    const removed = readable.length > 0 ? [readable.join(', '), ...entries] : entries;
    return `${style.green('✔')} removed the credentials for ${removed.join(', and ')}`;
  },
});
