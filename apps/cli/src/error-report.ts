import {
  DEFAULT_API_TIMEOUT_MS,
  DEFAULT_TOKEN_TIMEOUT_MS,
  isBadPort,
  networkFailure,
  systemCode,
} from '@srhooks/client/network-failure';
import { formatDuration } from '@srhooks/contracts/duration';
import { CliError, EXIT_CODES } from './cli-error.js';
import { productName } from './cli-invocation.js';
import { issuesLine, issuesOf } from './issue-text.js';

/**
 * Turns anything thrown by an action into a CliError with an exit code and a fix. Errors of the
 * workspace packages are recognised by their `name` (each sets `name = new.target.name`), so
 * this module does not load them just to report an error.
 */

interface NamedError extends Error {
  code?: unknown;
  status?: unknown;
  url?: unknown;
  requiredScope?: unknown;
  hint?: unknown;
}

function hostOf(url: unknown): string {
  if (typeof url !== 'string') return '';
  try {
    return new URL(url).host;
  } catch {
    return '';
  }
}

/**
 * The hint for client credentials the shop refused: `SRHOOKS_CLIENT_ID` / `SRHOOKS_CLIENT_SECRET`
 * replace the stored ones, so when either is set, `srhooks login` would not change what is sent.
 */
function refusedCredentialsHint(env: Record<string, string | undefined>, shop?: string): string {
  const set = ['SRHOOKS_CLIENT_ID', 'SRHOOKS_CLIENT_SECRET'].filter((name) => env[name]?.trim());
  if (set.length === 0 && shop)
    return `check the client id and secret of ${shop} (its shop admin: Settings > API Settings), then run srhooks login --shop ${shop} --client-id … --client-secret … again`;
  if (set.length === 0)
    return 'check the client id and secret (shop admin: Settings > API Settings), then run srhooks login again';
  const one = set.length === 1;
  return `the client id and secret came from ${set.join(' and ')}, which ${one ? 'replaces the stored one' : 'replace the stored ones'}: correct ${one ? 'it' : 'them'} or unset ${one ? 'it' : 'them'} (${productName('login')} does not change what the variable${one ? '' : 's'} send${one ? 's' : ''})`;
}

/**
 * Where a wrong shop API URL came from: `SRHOOKS_API_URL`, which replaces the stored one, else the
 * URL `srhooks login` stored. `check`: the words before the stored URL ("check", "check the network and").
 */
function apiUrlOriginHint(
  env: Record<string, string | undefined>,
  shop: string | undefined,
  check: string,
): string {
  return env.SRHOOKS_API_URL?.trim()
    ? 'the API URL came from SRHOOKS_API_URL, which replaces the stored one: correct it or unset it'
    : `${check} ${shop ?? 'the shop'}'s stored API URL (srhooks shops shows it; srhooks login --api-url … stores another, or leave --api-url out for ShopRenter's own)`;
}

/** Where a wrong token URL came from: `SRHOOKS_TOKEN_URL`, which replaces the stored one, else `srhooks login`'s. */
function tokenUrlOriginHint(env: Record<string, string | undefined>): string {
  return env.SRHOOKS_TOKEN_URL?.trim()
    ? 'it came from SRHOOKS_TOKEN_URL, which replaces the stored token URL: correct it or unset it'
    : `check the token URL ${productName('login')} stored (--token-url; leave it out for ShopRenter's own), then run srhooks login again`;
}

/**
 * `shop`: the shop the failed call was for, when the caller ran over several (a sync of many shops):
 * a fix that says to log in again then names it.
 */
export function toCliError(
  error: unknown,
  env: Record<string, string | undefined> = process.env,
  shop?: string,
): CliError {
  if (error instanceof CliError) return error;
  const named = error as NamedError;
  const name = error instanceof Error ? named.name : '';
  const message = error instanceof Error ? error.message : String(error);
  const code = typeof named?.code === 'string' ? named.code : undefined;

  switch (name) {
    case 'FieldNotAvailableError': {
      // the contracts message lists every allowed field (~100); point at `fields` instead
      const fields = Array.isArray((error as { fields?: unknown }).fields)
        ? ((error as { fields: string[] }).fields as string[])
        : [];
      const event = String((error as { event?: unknown }).event ?? '');
      return new CliError(
        `field${fields.length === 1 ? '' : 's'} ${fields.map((field) => `"${field}"`).join(', ')} not available for ${event}`,
        {
          code: 'field_not_available',
          exitCode: EXIT_CODES.usage,
          hint: `srhooks fields ${event === 'any event' ? '' : event} lists the fields you can select`.replace(
            '  ',
            ' ',
          ),
          cause: error,
        },
      );
    }
    case 'ZodError': {
      // zod's message is its issue array as JSON: say the issues in one line instead
      const issues = issuesOf(error);
      return new CliError(issues ? `invalid settings: ${issuesLine(issues)}` : message, {
        code: code ?? 'invalid_input',
        exitCode: EXIT_CODES.usage,
        cause: error,
      });
    }
    case 'InputError':
    case 'ContractsError':
    case 'InvalidShopNameError':
    case 'InvalidEventError':
    case 'DeliveryEncodeError':
      return new CliError(message, {
        code: code ?? 'invalid_input',
        exitCode: EXIT_CODES.usage,
        cause: error,
      });
    case 'TokenError': {
      // a server answered, but not as a token endpoint (a mistyped SRHOOKS_TOKEN_URL or --token-url):
      // not a refused client id, which logging in again with the same URL would not mend
      const status = typeof named.status === 'number' ? named.status : undefined;
      const oauthError = (error as { oauthError?: unknown }).oauthError;
      if (
        code === 'invalid_token_response' ||
        (code === 'invalid_request' && (status === 404 || status === 405) && oauthError === undefined)
      ) {
        const what =
          code === 'invalid_token_response' ? `answered ${status} without a token` : `answered ${status}`;
        return new CliError(
          `the token URL ${String(named.url)} ${what}: it is not a ShopRenter OAuth token endpoint`,
          {
            code: 'token_url_wrong',
            exitCode: EXIT_CODES.remote,
            hint: tokenUrlOriginHint(env),
            cause: error,
          },
        );
      }
      const hint =
        // a port fetch refuses outright (the message says to use another): where the token URL came from
        isBadPort(error)
          ? tokenUrlOriginHint(env)
          : code === 'invalid_client' || code === 'invalid_request'
            ? refusedCredentialsHint(env, shop)
            : `check that ${hostOf(named.url) || 'the token endpoint'} is reachable (SRHOOKS_TOKEN_URL overrides it)${
                // the shop client's token request: the commands that call a shop take --timeout for it too
                networkFailure(error)?.code === 'timeout'
                  ? `, or allow more time with --timeout (e.g. --timeout 60s; default ${formatDuration(DEFAULT_TOKEN_TIMEOUT_MS)} for the token request)`
                  : ''
              }`;
      return new CliError(message, {
        code: code ?? 'token_error',
        exitCode: EXIT_CODES.remote,
        hint,
        cause: error,
      });
    }
    case 'AuthError': {
      const scope = typeof named.requiredScope === 'string' ? named.requiredScope : undefined;
      const hint = scope
        ? `give the API client the ${scope} scope in the shop admin (Settings > API Settings), then run srhooks login again`
        : 'run srhooks login again with valid credentials';
      return new CliError(message, {
        code: code ?? 'unauthorized',
        exitCode: EXIT_CODES.remote,
        hint,
        cause: error,
      });
    }
    case 'RateLimitError':
      // the client's message advises library code (keep the limiter on, use batch); the CLI does
      // both, so the 429s that outlasted its retries come from another user of the same API client
      return new CliError(message.replace(/: keep the client's rate limiter on .*$/s, ''), {
        code: code ?? 'rate_limited',
        exitCode: EXIT_CODES.remote,
        hint: 'the shop allows 3 requests a second per API client, shared by every program using the same client id at the same time (another program, another srhooks command, a receiver recovering orders with these credentials): try again in a minute, or give the other program its own API client',
        cause: error,
      });
    case 'NetworkError':
      if (code === 'timeout') {
        // the shop client's: every command that calls a shop takes --timeout (login: its own checks')
        return new CliError(message, {
          code,
          exitCode: EXIT_CODES.remote,
          hint: `check that ${shop ?? 'the shop'}'s API is up, or allow more time with --timeout (e.g. --timeout 60s; default ${formatDuration(DEFAULT_API_TIMEOUT_MS)} per API request)`,
          cause: error,
        });
      }
      // no answer from the shop's API (refused, not resolving, reset): the fix names where its URL came from
      return new CliError(message, {
        code: code ?? 'api_error',
        exitCode: EXIT_CODES.remote,
        // a port fetch refuses outright: the client's message says so, and the network is not to blame
        hint: apiUrlOriginHint(env, shop, isBadPort(error) ? 'change the port in' : 'check the network and'),
        cause: error,
      });
    case 'NotFoundError':
      // a 404 for a resource list itself (the client's message says the API URL is probably wrong):
      // the fix names where the URL came from, as for an API that does not answer
      if (message.includes('the API URL is probably wrong'))
        return new CliError(message, {
          code: code ?? 'api_error',
          exitCode: EXIT_CODES.remote,
          hint: apiUrlOriginHint(env, shop, 'check'),
          cause: error,
        });
      return new CliError(message, { code: code ?? 'api_error', exitCode: EXIT_CODES.remote, cause: error });
    case 'ShopRenterApiError':
    case 'ValidationError':
    case 'ServerError':
    case 'SyncError':
    case 'ShopRenterError':
      return new CliError(message, { code: code ?? 'api_error', exitCode: EXIT_CODES.remote, cause: error });
    default:
      break;
  }

  const network = systemCode(error);
  if (network) {
    return new CliError(`network error (${network}): ${message}`, {
      code: 'network_error',
      exitCode: EXIT_CODES.remote,
      hint: 'check the URL and that the server is running',
      cause: error,
    });
  }
  return new CliError(`unexpected error: ${message}`, {
    code: 'unexpected',
    exitCode: EXIT_CODES.failure,
    hint: 'run again with --debug for the stack trace, and report it if it persists',
    cause: error,
  });
}
