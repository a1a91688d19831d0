import { usageError } from '../cli-error.js';
import { productName } from '../cli-invocation.js';
import { defineCommand } from '../command.js';
import { resolveConfigDir } from '../config/config-dir.js';
import { CredentialStore } from '../config/credential-store.js';
import { readListenRunning } from '../config/listen-secrets.js';
import { renderTable } from '../output/index.js';

/** The receiver flags, which only `--receiver` uses: given without it, they are refused, not ignored. */
export interface ShopsOptions {
  adminToken?: string;
  timeout?: number;
}

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
  /** This config directory's running `srhooks listen` (its URL), whose shops `--receiver` lists; else null. */
  runningListen: string | null;
  /** SRHOOKS_RECEIVER_URL when set: the receiver whose shops (config shops, app installs) `--receiver` lists. */
  receiverUrl: string | null;
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
  async run(options, context) {
    const receiverFlag =
      options.adminToken !== undefined ? '--admin-token' : options.timeout !== undefined ? '--timeout' : null;
    if (receiverFlag !== null) {
      throw usageError(
        `${receiverFlag} is for a receiver's shops (srhooks shops --receiver); without --receiver, shops lists the stored credentials and asks no receiver`,
        `add --receiver URL, or --receiver alone for the receiver the admin commands find (this config directory's running ${productName('listen')}, or SRHOOKS_RECEIVER_URL)`,
        'receiver_flag_without_receiver',
      );
    }
    const configDir = resolveConfigDir(context.env);
    const store = new CredentialStore(configDir);
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
    const running = await readListenRunning(configDir).catch(() => undefined);
    return {
      credentialsFile: store.path,
      shops,
      envOverrides,
      runningListen: running?.alive ? running.url : null,
      receiverUrl: context.env.SRHOOKS_RECEIVER_URL?.trim() || null,
    };
  },

  render(result, style) {
    // the shops a running listen serves are its own list, not the stored credentials: say where it is
    const listenNote = result.runningListen
      ? style.dim(
          `${productName('listen')} runs at ${result.runningListen}: srhooks shops --receiver lists the shops it serves`,
        )
      : null;
    // A receiver named by SRHOOKS_RECEIVER_URL (a platform app's backend: its shops are app installs, which
    // `login` has nothing to do with): say how to list its shops.
    const receiverNote =
      result.receiverUrl && !listenNote
        ? style.dim(
            `SRHOOKS_RECEIVER_URL names a receiver (${result.receiverUrl}): srhooks shops --receiver lists the shops it serves (config shops and app installs)`,
          )
        : null;
    if (result.shops.length === 0) {
      return [
        `no stored shops (${result.credentialsFile})\nrun srhooks login --shop NAME --client-id … --client-secret … (for a shop's own API client)`,
        ...(listenNote ? [listenNote] : []),
        ...(receiverNote ? [receiverNote] : []),
      ].join('\n');
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
    if (listenNote) notes.push(listenNote);
    if (receiverNote) notes.push(receiverNote);
    return [table, ...notes].join('\n');
  },
});
