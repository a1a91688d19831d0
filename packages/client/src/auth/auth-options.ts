import { InputError } from '../errors.js';

/** OAuth client credentials of a custom API client or platform app (FACTS.md §1). */
export interface ClientCredentialsAuth {
  clientId: string;
  clientSecret: string;
}

/** Legacy HTTP Basic auth (API user and password), deprecated by ShopRenter. */
export interface BasicAuth {
  username: string;
  password: string;
}

export type ShopRenterAuth = ClientCredentialsAuth | BasicAuth;

export function isClientCredentials(auth: ShopRenterAuth): auth is ClientCredentialsAuth {
  return 'clientId' in auth;
}

export function assertAuth(auth: unknown): ShopRenterAuth {
  const a = auth as Record<string, unknown> | null | undefined;
  const filled = (value: unknown) => typeof value === 'string' && value.trim() !== '';
  if (a && typeof a === 'object') {
    if ('clientId' in a || 'clientSecret' in a) {
      if (filled(a.clientId) && filled(a.clientSecret)) return a as unknown as ClientCredentialsAuth;
      throw new InputError(
        `auth needs both clientId and clientSecret (missing ${filled(a.clientId) ? 'clientSecret' : 'clientId'}): copy them from Settings > API Settings`,
        { field: 'auth', code: 'invalid_auth' },
      );
    }
    if ('username' in a || 'password' in a) {
      if (filled(a.username) && filled(a.password)) return a as unknown as BasicAuth;
      throw new InputError(
        `auth needs both username and password for legacy Basic auth (missing ${filled(a.username) ? 'password' : 'username'})`,
        {
          field: 'auth',
          code: 'invalid_auth',
        },
      );
    }
  }
  throw new InputError(
    'auth must be {clientId, clientSecret} (OAuth, recommended) or {username, password} (legacy Basic auth)',
    {
      field: 'auth',
      code: 'invalid_auth',
    },
  );
}
