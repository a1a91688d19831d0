import { usageError } from '../cli-error.js';
import { defineCommand } from '../command.js';
import { resolveConfigDir } from '../config/config-dir.js';
import { CredentialStore } from '../config/credential-store.js';

export interface LogoutOptions {
  shop?: string;
  all?: boolean;
}

export interface LogoutResult {
  removed: string[];
  remaining: string[];
}

export const logoutCommand = defineCommand<LogoutOptions, LogoutResult>({
  async run(options, context) {
    const store = new CredentialStore(resolveConfigDir(context.env));
    const file = await store.read();
    const stored = Object.keys(file.shops);
    if (options.all && options.shop) {
      throw usageError(
        '--shop and --all contradict each other',
        `pass --shop ${options.shop} to forget that shop, or --all alone to forget every shop`,
        'conflicting_options',
      );
    }
    if (options.all) {
      const removed = await store.clear();
      return { removed, remaining: [] };
    }
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
    if (!(await store.removeShop(shop))) {
      throw usageError(
        `no stored credentials for shop ${shop}`,
        stored.length > 0 ? `stored shops: ${stored.join(', ')}` : 'nothing is stored',
        'not_logged_in',
      );
    }
    return { removed: [shop], remaining: stored.filter((name) => name !== shop) };
  },

  render(result, style) {
    if (result.removed.length === 0) return 'no stored shops';
    return `${style.green('✔')} removed the credentials for ${result.removed.join(', ')}`;
  },
});
