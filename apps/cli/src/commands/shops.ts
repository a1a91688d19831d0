import { defineCommand } from '../command.js';
import { resolveConfigDir } from '../config/config-dir.js';
import { CredentialStore } from '../config/credential-store.js';
import { renderTable } from '../output/index.js';

export type ShopsOptions = Record<string, never>;

export interface ShopSummary {
  name: string;
  default: boolean;
  authType: 'oauth' | 'basic';
  /** The client id (OAuth) or user name (Basic) with its middle masked; secrets are never shown. */
  identity: string;
  apiUrl: string | null;
  tokenUrl: string | null;
  scopes: string[] | null;
  savedAt: string;
}

export interface ShopsResult {
  credentialsFile: string;
  shops: ShopSummary[];
  /** Names of the SRHOOKS_* variables that currently override stored values (never their values). */
  envOverrides: string[];
}

const OVERRIDE_VARIABLES = [
  'SRHOOKS_SHOP',
  'SRHOOKS_CLIENT_ID',
  'SRHOOKS_CLIENT_SECRET',
  'SRHOOKS_API_URL',
  'SRHOOKS_TOKEN_URL',
];

/** `abcdef…wxyz` for long identifiers, `ab…` for short ones. */
export function maskIdentity(value: string): string {
  if (value.length <= 8) return `${value.slice(0, 2)}…`;
  return `${value.slice(0, 6)}…${value.slice(-4)}`;
}

export const shopsCommand = defineCommand<ShopsOptions, ShopsResult>({
  async run(_options, context) {
    const store = new CredentialStore(resolveConfigDir(context.env));
    const file = await store.read();
    const shops = Object.entries(file.shops)
      .map(([name, shop]): ShopSummary => {
        const oauth = 'clientId' in shop.auth;
        return {
          name,
          default: file.defaultShop === name,
          authType: oauth ? 'oauth' : 'basic',
          identity: maskIdentity('clientId' in shop.auth ? shop.auth.clientId : shop.auth.username),
          apiUrl: shop.apiUrl ?? null,
          tokenUrl: shop.tokenUrl ?? null,
          scopes: shop.scopes ?? null,
          savedAt: shop.savedAt,
        };
      })
      .sort((a, b) => a.name.localeCompare(b.name));
    const envOverrides = OVERRIDE_VARIABLES.filter((name) => (context.env[name] ?? '').trim() !== '');
    return { credentialsFile: store.path, shops, envOverrides };
  },

  render(result, style) {
    if (result.shops.length === 0) {
      return `no stored shops (${result.credentialsFile})\nrun srhooks login --shop NAME --client-id … --client-secret …`;
    }
    const table = renderTable(result.shops, [
      { header: '', value: (shop) => (shop.default ? style.green('*') : '') },
      { header: 'SHOP', value: (shop) => shop.name },
      { header: 'AUTH', value: (shop) => shop.authType },
      { header: 'CLIENT', value: (shop) => shop.identity },
      { header: 'API', value: (shop) => shop.apiUrl ?? style.dim('default') },
      { header: 'SCOPES', value: (shop) => (shop.scopes ? shop.scopes.join(' ') : style.dim('-')) },
    ]);
    const notes = [style.dim(`* default shop · ${result.credentialsFile}`)];
    if (result.envOverrides.length > 0)
      notes.push(style.dim(`overridden by ${result.envOverrides.join(', ')}`));
    return [table, ...notes].join('\n');
  },
});
