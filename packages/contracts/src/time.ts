/**
 * Times and look-backs as the receiver's admin API takes them (`from`, `to`, recover's `since`) and the
 * CLI's flags check them before calling (`--since`): one parser, so that the CLI refuses exactly what
 * the receiver would. No zod here: the CLI loads this for every command and `--help`.
 */

/** `2025-12-01`, `2025-12-01T20:57`, `…:40`, `…:40.123`, optionally with `Z` or `+01:00`; no zone = UTC. */
const TIME_PATTERN =
  /^(\d{4}-\d{2}-\d{2})(?:[T ](\d{2}:\d{2}(?::\d{2}(?:\.\d{1,9})?)?)(Z|[+-]\d{2}:?\d{2})?)?$/i;

/** What {@link parseTime} tells people who gave something else. */
export const TIME_EXPECTED =
  'must be an ISO 8601 date or date-time such as 2025-12-01 or 2025-12-01T20:57:40Z (no zone = UTC), on a day the calendar has';

/** `2025-02-30` and `2025-02-29` are not days (JavaScript's Date would roll them over into March). */
function isCalendarDate(date: string): boolean {
  const [year, month, day] = date.split('-').map(Number);
  const parsed = new Date(Date.UTC(year ?? 0, (month ?? 0) - 1, day ?? 0));
  return (
    parsed.getUTCFullYear() === year &&
    parsed.getUTCMonth() === (month ?? 0) - 1 &&
    parsed.getUTCDate() === day
  );
}

/**
 * The instant an ISO 8601 date or date-time names (UTC when it names no zone), or null when it is none
 * ({@link TIME_EXPECTED}): a day the calendar lacks (`2025-02-30`), more than 9 digits of a second, or
 * any other form.
 */
export function parseTime(text: string): Date | null {
  const match = TIME_PATTERN.exec(text.trim());
  if (!match || !isCalendarDate(match[1] ?? '')) return null;
  const clock = match[2] ?? '00:00';
  const zone = (match[3] ?? 'Z').toUpperCase().replace(/^([+-]\d{2})(\d{2})$/, '$1:$2');
  const time = Date.parse(`${match[1]}T${clock.length === 5 ? `${clock}:00` : clock}${zone}`);
  return Number.isFinite(time) ? new Date(time) : null;
}

const LOOK_BACK = /^(\d{1,5})\s*(m|h|d)$/i;
const LOOK_BACK_UNIT_MS: Record<string, number> = { m: 60_000, h: 3_600_000, d: 86_400_000 };

/**
 * A look-back (recover's and `events tail`'s `since`): `2d`, `12h`, `90m` → its milliseconds (`0m`
 * gives 0: no window, which callers refuse); null when the text is no look-back (a time, say).
 */
export function parseLookBack(text: string): number | null {
  const match = LOOK_BACK.exec(text.trim());
  if (!match) return null;
  return Number(match[1]) * (LOOK_BACK_UNIT_MS[(match[2] as string).toLowerCase()] as number);
}
