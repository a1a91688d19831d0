import { type CliError, remoteError } from '../cli-error.js';

/**
 * Answers of the admin API's URL that no srhooks receiver gives, in words: an HTML page, a proxy's
 * 502/503/504 or 403, a redirect. An srhooks receiver answers every admin API request with a JSON
 * object (`{ok: true, …}`, or `{ok: false, error: {code, message}}` for an error), so anything else
 * came from another server (or a proxy whose receiver is down). Exit 3 (the receiver could not be
 * talked to), with a stable code: `receiver_redirects`, `receiver_unavailable`, `not_a_receiver`.
 */

/** Where the admin commands' receiver URL came from, as the user set it. */
export function receiverUrlSource(flag: string | undefined, env: Record<string, string | undefined>): string {
  if (flag !== undefined) return '--receiver';
  if (env.SRHOOKS_RECEIVER_URL?.trim()) return 'SRHOOKS_RECEIVER_URL';
  return '';
}

/** A JSON error answer as an srhooks receiver gives it: `{ok: false, error: {code: "…", …}}`. */
export function isReceiverErrorBody(parsed: unknown): boolean {
  if (parsed === null || typeof parsed !== 'object') return false;
  const error = (parsed as { error?: unknown }).error;
  return (
    error !== null && typeof error === 'object' && typeof (error as { code?: unknown }).code === 'string'
  );
}

/** A success answer as an srhooks receiver gives it: a JSON object (not an array, not text). */
export function isReceiverSuccessBody(parsed: unknown): boolean {
  return parsed !== null && typeof parsed === 'object' && !Array.isArray(parsed);
}

export interface ForeignAnswer {
  receiverUrl: string;
  /** `--receiver`, `SRHOOKS_RECEIVER_URL`, or '' (the running listen, or the default URL). */
  urlSource: string;
  /** `GET /admin/api/events`, as requested. */
  request: string;
  /** The full URL requested (a relative Location is resolved against it). */
  requestUrl: string;
  response: Response;
}

const PROXY_STATUSES = new Set([502, 503, 504]);

function checkUrlHint(source: string): string {
  const where = source === '' ? 'pass --receiver URL (or set SRHOOKS_RECEIVER_URL)' : `check ${source}`;
  return `${where}: it must be the base URL of an srhooks receiver started with SRHOOKS_ADMIN_TOKEN, e.g. https://hooks.example.com`;
}

/** The answer of a server that is not an srhooks receiver's admin API, as a one-line error and a hint. */
export function foreignAnswerError(answer: ForeignAnswer): CliError {
  const { receiverUrl, urlSource, request, requestUrl, response } = answer;
  const status = `HTTP ${response.status}${response.statusText ? ` ${response.statusText}` : ''}`;
  if (response.status >= 300 && response.status < 400) {
    const location = response.headers.get('location');
    const target = location && URL.canParse(location, requestUrl) ? new URL(location, requestUrl) : undefined;
    // the final URL to pass: the redirect target without the admin API path this command asked for
    const at = target?.pathname.lastIndexOf('/admin/api') ?? -1;
    const base = target && at >= 0 ? `${target.origin}${target.pathname.slice(0, at)}` : target?.href;
    return remoteError(
      `${receiverUrl} redirects (${request} answered ${status}${target ? ` to ${target.href}` : ' without a Location'}), so it did not answer like an srhooks receiver's admin API`,
      base
        ? `use the final URL: --receiver ${base} (or set SRHOOKS_RECEIVER_URL to it)`
        : checkUrlHint(urlSource),
      'receiver_redirects',
    );
  }
  if (PROXY_STATUSES.has(response.status)) {
    return remoteError(
      `${receiverUrl} answered ${request} with ${status}, not like an srhooks receiver's admin API: a proxy in front of it answered`,
      `the receiver behind the proxy may be down or starting: check that it runs, then try again (or ${checkUrlHint(urlSource)})`,
      'receiver_unavailable',
    );
  }
  const type = response.headers.get('content-type')?.split(';')[0]?.trim();
  return remoteError(
    `${receiverUrl} is not an srhooks receiver (it answered ${request} with ${status}${type ? ` ${type}` : ''}, not like an srhooks receiver's admin API)`,
    checkUrlHint(urlSource),
    'not_a_receiver',
  );
}

/** Seconds from a `Retry-After` header (delay-seconds or an HTTP date), if it says. */
export function retryAfterSeconds(header: string | null, now = Date.now()): number | undefined {
  if (!header) return undefined;
  if (/^\d+$/.test(header.trim())) return Number(header.trim());
  const date = Date.parse(header);
  return Number.isNaN(date) ? undefined : Math.max(0, Math.ceil((date - now) / 1000));
}

/** `4 min 10 s`, `45 s`. */
export function formatWait(seconds: number): string {
  const minutes = Math.floor(seconds / 60);
  const rest = seconds % 60;
  if (minutes === 0) return `${rest} s`;
  return rest === 0 ? `${minutes} min` : `${minutes} min ${rest} s`;
}
