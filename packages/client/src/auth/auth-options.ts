import { InputError } from '../errors.js';
import { kindOf } from '../option-checks.js';

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
  // What is wrong with the first unusable one of two credentials: missing, or not a string (its kind
  // named, never its value: it may be the secret in a Buffer).
  const problem = (record: Record<string, unknown>, first: string, second: string): string => {
    const name = filled(record[first]) ? second : first;
    const value = record[name];
    return value === undefined || value === null || typeof value === 'string'
      ? `missing ${name}`
      : `${name} is ${kindOf(value)}, not a string`;
  };
  if (a && typeof a === 'object') {
    if ('clientId' in a || 'clientSecret' in a) {
      if (filled(a.clientId) && filled(a.clientSecret)) return a as unknown as ClientCredentialsAuth;
      throw new InputError(
        `auth needs both clientId and clientSecret (${problem(a, 'clientId', 'clientSecret')}): copy them from Settings > API Settings`,
        { field: 'auth', code: 'invalid_auth' },
      );
    }
    if ('username' in a || 'password' in a) {
      if (filled(a.username) && filled(a.password)) return a as unknown as BasicAuth;
      throw new InputError(
        `auth needs both username and password for legacy Basic auth (${problem(a, 'username', 'password')})`,
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
