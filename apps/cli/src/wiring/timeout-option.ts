/**
 * Every `--timeout` of the CLI, one meaning whatever the command: a duration with its unit (`30s`,
 * `500ms`, `2m`, `1h`) or a bare whole number of milliseconds (`30000`), more than 0 and at most an
 * hour. A bare number under 100 is refused rather than read as milliseconds: `--timeout 30` is far more
 * likely 30 seconds meant than 30 ms, so the message says what to write for either.
 */
import { formatDuration, parseDuration } from '@srhooks/contracts/duration';
import { InvalidArgumentError, Option } from 'commander';

/** The flag as every command spells it. */
export const TIMEOUT_FLAG = '--timeout <duration>';

/**
 * The time limit of each request the CLI sends to a receiver's admin API or to a sandbox, unless
 * `--timeout` says otherwise (src/request-limit.ts applies it).
 */
export const DEFAULT_REQUEST_TIMEOUT_MS = 30_000;

/**
 * `--timeout` of the commands that call a receiver's admin API or a sandbox: each request's time limit
 * (`to`: whom the requests go to, for the help text).
 */
export function requestTimeoutOption(to: string): Option {
  return new Option(
    TIMEOUT_FLAG,
    `give up on a request to ${to} that gets no answer within this long, e.g. 1m (default ${timeoutText(DEFAULT_REQUEST_TIMEOUT_MS)})`,
  ).argParser(parseTimeout);
}

const MIN_BARE_MS = 100;
const MAX_MS = 3_600_000;

/** `--timeout`'s value in milliseconds (commander's option parser; refusals say what to write). */
export function parseTimeout(value: string): number {
  const text = value.trim();
  const bare = /^\d+(?:\.\d+)?$/.test(text) ? Number(text) : null;
  if (bare !== null && Number.isInteger(bare) && bare >= MIN_BARE_MS) return withinLimit(bare);
  if (bare !== null) {
    throw new InvalidArgumentError(
      bare === 0
        ? 'must be more than 0, e.g. 30s'
        : `a bare number is milliseconds: write ${text}s for ${text} seconds${Number.isInteger(bare) ? ` (or ${text}ms if milliseconds are meant)` : ''}`,
    );
  }
  const ms = parseDuration(text);
  if (ms === null) {
    throw new InvalidArgumentError(
      `must be a duration such as 30s, 500ms or 2m (a bare number is milliseconds), got "${text.slice(0, 40)}"`,
    );
  }
  if (ms === 0) throw new InvalidArgumentError('must be more than 0, e.g. 30s');
  return withinLimit(ms);
}

function withinLimit(ms: number): number {
  if (ms > MAX_MS)
    throw new InvalidArgumentError(`must be at most ${formatDuration(MAX_MS)}, got ${formatDuration(ms)}`);
  return ms;
}

/** `10000` → `10s`, `250` → `250ms`: a time limit in messages, as `--timeout` takes it. */
export function timeoutText(ms: number): string {
  return formatDuration(ms);
}
