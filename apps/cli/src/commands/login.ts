import { CliError, EXIT_CODES, usageError } from '../cli-error.js';
import { defineCommand } from '../command.js';
import { resolveConfigDir } from '../config/config-dir.js';
import { CredentialStore, type StoredAuth, type StoredShop } from '../config/credential-store.js';
import { assertShopName } from '../config/resolve-shop.js';
import { openShopClient } from '../shop-client.js';

export interface LoginOptions {
  shop?: string;
  clientId?: string;
  clientSecret?: string;
  /** Read the client secret (or password) from stdin instead of a flag (keeps it out of `ps`). */
  secretStdin?: boolean;
  username?: string;
  password?: string;
  apiUrl?: string;
  tokenUrl?: string;
  /** `--no-verify`: store without asking the shop for a token. */
  verify?: boolean;
}

export interface LoginResult {
  shop: string;
  authType: 'oauth' | 'basic';
  verified: boolean;
  /** Scopes in the token (OAuth only). */
  scopes: string[];
  /** Scopes srhooks needs that the token lacks. */
  missingScopes: string[];
  credentialsFile: string;
  defaultShop: string;
}

/** What `webhooks` commands and `sync` need; `order.order:read` is optional (order look-ups). */
export const REQUIRED_SCOPES = ['store.webhook:read', 'store.webhook:write'];

const nonEmpty = (value: string | undefined): string | undefined =>
  value !== undefined && value.trim() !== '' ? value.trim() : undefined;

async function readStdinSecret(): Promise<string> {
  if (process.stdin.isTTY) {
    throw usageError(
      '--secret-stdin reads the secret from a pipe',
      'e.g. pass_cli get shop | srhooks login … --secret-stdin',
    );
  }
  const chunks: Buffer[] = [];
  for await (const chunk of process.stdin) chunks.push(chunk as Buffer);
  const text = Buffer.concat(chunks).toString('utf8').trim();
  if (!text)
    throw usageError('stdin was empty: no secret given', 'pipe the secret into srhooks login --secret-stdin');
  return text;
}

async function collectAuth(
  options: LoginOptions,
  env: Record<string, string | undefined>,
): Promise<StoredAuth> {
  const basic = options.username !== undefined || options.password !== undefined;
  if (basic && (options.clientId !== undefined || options.clientSecret !== undefined)) {
    // two ways to log in at once: refuse rather than silently pick one
    const given = [
      options.clientId !== undefined ? '--client-id' : undefined,
      options.clientSecret !== undefined ? '--client-secret' : undefined,
      options.username !== undefined ? '--username' : undefined,
      options.password !== undefined ? '--password' : undefined,
    ].filter(Boolean);
    throw usageError(
      `use either OAuth client credentials or a username and password, not both (got ${given.join(', ')})`,
      'OAuth: --client-id … --client-secret … (recommended by ShopRenter); legacy Basic auth: --username … --password …',
      'conflicting_credentials',
    );
  }
  const stdinSecret = options.secretStdin ? await readStdinSecret() : undefined;
  if (basic) {
    const username = nonEmpty(options.username);
    const password = nonEmpty(options.password) ?? stdinSecret;
    if (!username || !password) {
      throw usageError(
        'legacy Basic auth needs both --username and --password',
        'or use OAuth: --client-id … --client-secret … (recommended by ShopRenter)',
      );
    }
    return { username, password };
  }
  const clientId = nonEmpty(options.clientId) ?? nonEmpty(env.SRHOOKS_CLIENT_ID);
  const clientSecret = nonEmpty(options.clientSecret) ?? stdinSecret ?? nonEmpty(env.SRHOOKS_CLIENT_SECRET);
  if (!clientId || !clientSecret) {
    throw usageError(
      `missing ${clientId ? '--client-secret' : '--client-id'}`,
      'pass --client-id and --client-secret (or --secret-stdin) from the shop admin: Settings > API Settings',
      'no_credentials',
    );
  }
  return { clientId, clientSecret };
}

function checkUrl(flag: string, value: string | undefined): string | undefined {
  if (value === undefined) return undefined;
  const probe = value.replaceAll('{shop}', 'shop');
  if (!/^https?:\/\//.test(probe) || !URL.canParse(probe)) {
    throw usageError(`${flag} must be an http(s) URL (it may contain {shop}), got "${value.slice(0, 100)}"`);
  }
  return value;
}

export const loginCommand = defineCommand<LoginOptions, LoginResult>({
  async run(options, context) {
    const shopName = nonEmpty(options.shop) ?? nonEmpty(context.env.SRHOOKS_SHOP);
    if (!shopName)
      throw usageError('missing --shop', 'pass --shop NAME (my-shop of my-shop.shoprenter.hu)', 'no_shop');
    const shop = assertShopName(shopName);
    const auth = await collectAuth(options, context.env);
    const apiUrl = checkUrl(
      nonEmpty(options.apiUrl) ? '--api-url' : 'SRHOOKS_API_URL',
      nonEmpty(options.apiUrl) ?? nonEmpty(context.env.SRHOOKS_API_URL),
    );
    const tokenUrl = checkUrl(
      nonEmpty(options.tokenUrl) ? '--token-url' : 'SRHOOKS_TOKEN_URL',
      nonEmpty(options.tokenUrl) ?? nonEmpty(context.env.SRHOOKS_TOKEN_URL),
    );
    const oauth = 'clientId' in auth;

    let scopes: string[] = [];
    const verify = options.verify !== false;
    if (verify) {
      const spinner = context.output.spinner(`verifying the credentials for ${shop}`);
      try {
        const client = await openShopClient({
          shop,
          auth,
          ...(apiUrl ? { apiUrl } : {}),
          ...(tokenUrl ? { tokenUrl } : {}),
          source: 'store',
        });
        if (oauth) {
          scopes = (await client.getToken()).scopes;
        } else {
          // Basic auth has no token: one small read proves the user and password
          await client.webhooks.list({ limit: 1 });
        }
        spinner.stop();
      } catch (error) {
        spinner.stop();
        const refused =
          error instanceof Error &&
          (error.name === 'AuthError' ||
            (error.name === 'TokenError' &&
              ['invalid_client', 'invalid_request'].includes(String((error as { code?: unknown }).code))));
        if (refused) {
          throw new CliError(error.message, {
            code: 'login_failed',
            exitCode: EXIT_CODES.remote,
            hint: 'nothing was stored: copy the client id and secret again from the shop admin (Settings > API Settings)',
            cause: error,
          });
        }
        throw error;
      }
    }

    const entry: StoredShop = {
      auth,
      ...(apiUrl ? { apiUrl } : {}),
      ...(tokenUrl ? { tokenUrl } : {}),
      ...(oauth && verify ? { scopes } : {}),
      savedAt: new Date().toISOString(),
    };
    const store = new CredentialStore(resolveConfigDir(context.env));
    const file = await store.saveShop(shop, entry, { makeDefault: true });
    return {
      shop,
      authType: oauth ? 'oauth' : 'basic',
      verified: verify,
      scopes,
      missingScopes: oauth && verify ? REQUIRED_SCOPES.filter((scope) => !scopes.includes(scope)) : [],
      credentialsFile: store.path,
      defaultShop: file.defaultShop ?? shop,
    };
  },

  render(result, style) {
    const lines = [
      result.verified
        ? `${style.green('✔')} logged in to ${style.bold(result.shop)} (${result.authType === 'oauth' ? 'OAuth client credentials' : 'legacy Basic auth'})`
        : `${style.yellow('!')} stored credentials for ${style.bold(result.shop)} without verifying them`,
    ];
    if (result.authType === 'oauth' && result.verified) {
      lines.push(`  scopes: ${result.scopes.length > 0 ? result.scopes.join(' ') : style.dim('(none)')}`);
      if (result.missingScopes.length > 0) {
        lines.push(
          `  ${style.yellow('missing:')} ${result.missingScopes.join(' ')}: add them to the API client in the shop admin (Settings > API Settings)`,
        );
      }
    }
    lines.push(`  saved to ${result.credentialsFile} (mode 0600); default shop: ${result.defaultShop}`);
    return lines.join('\n');
  },
});
