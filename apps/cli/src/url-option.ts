/**
 * The one wording of a URL the CLI refuses, whatever the option or variable it came from: what it is
 * (`--to`, `SRHOOKS_PUBLIC_URL`), what it must be, and what was given — `--to must be an http(s) URL,
 * got "notaurl"` — exit 2, code `invalid_url`. No heavy imports: loaded by commands' start-up paths.
 */
import { type CliError, usageError } from './cli-error.js';

/** What most URL options take. */
export const HTTP_URL = 'an http(s) URL';

/** What a shop URL template takes (`SRHOOKS_API_URL`, `login --api-url`). */
export const URL_TEMPLATE = 'an http(s) URL (it may contain {shop})';

/** At most this much of a given value is quoted back (a pasted document is not a URL). */
const QUOTED_LENGTH = 100;

/** `source` (a flag or variable) refused: `${source} must be ${accepted}, got "${given}"`, with `hint` (an example) under it. */
export function invalidUrlError(source: string, given: string, accepted: string, hint?: string): CliError {
  const quoted = given.length > QUOTED_LENGTH ? `${given.slice(0, QUOTED_LENGTH)}…` : given;
  return usageError(`${source} must be ${accepted}, got ${JSON.stringify(quoted)}`, hint, 'invalid_url');
}

/** `value` parsed when it is an absolute http:// or https:// URL, else {@link invalidUrlError} with `hint`. */
export function parseHttpUrl(source: string, value: string, hint?: string): URL {
  if (/^https?:\/\//i.test(value) && URL.canParse(value)) return new URL(value);
  throw invalidUrlError(source, value, HTTP_URL, hint);
}
