import { type CliError, usageError } from './cli-error.js';

/**
 * `--host` of `listen` and `sandbox` that the machine cannot listen on (`code`: ENOTFOUND, EAI_AGAIN,
 * EADDRNOTAVAIL). An IPv6 address written in brackets, as in a URL (`[::1]`), is one Node does not
 * take: the fix names it without them.
 */
export function badHostError(host: string, code: string): CliError {
  const bare = /^\[([0-9A-Fa-f:.]+)\]$/.exec(host)?.[1];
  return usageError(
    `--host "${host}" is not an address of this machine (${code})`,
    bare === undefined
      ? 'leave --host out (127.0.0.1), or give one of its addresses (0.0.0.0: all of them)'
      : `write an IPv6 address without the brackets a URL puts around it: --host ${bare}`,
    'bad_host',
  );
}
