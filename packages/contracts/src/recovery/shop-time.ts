/**
 * Shop-local time. ASSUMPTION (not documented): ShopRenter shops live in Hungary and every date
 * the shop hands out — a delivery's `orderHistory.dateAdded` (`2025-12-01 20:57:40`), the API's
 * `dateCreated` / `dateUpdated` (`2019-09-06T15:47:59`) and the order search's `createdAtMin`… —
 * is wall-clock time in Europe/Budapest, without a zone. Recovery converts its watermark (an
 * instant) to this form for the search and back.
 */
import { ContractsError } from '../errors.js';

export const SHOP_TIME_ZONE = 'Europe/Budapest';

// 'sv-SE' formats as ISO-like 'YYYY-MM-DD HH:mm:ss'. Made on first use, not at import: building it
// loads the time zone data (about 20 ms), which every process importing the package would pay (each
// `srhooks` command that never formats a shop time).
let formatter: Intl.DateTimeFormat | undefined;

/** Shop-local time as deliveries carry it: `2025-12-01 20:57:40`. */
export function shopDateTime(date: Date): string {
  assertValidDate(date);
  formatter ??= new Intl.DateTimeFormat('sv-SE', {
    timeZone: SHOP_TIME_ZONE,
    year: 'numeric',
    month: '2-digit',
    day: '2-digit',
    hour: '2-digit',
    minute: '2-digit',
    second: '2-digit',
    hour12: false,
  });
  return formatter.format(date);
}

/** Shop-local time as the REST API carries it and the order search takes it: `2019-09-06T15:47:59`. */
export function shopApiDateTime(date: Date): string {
  return shopDateTime(date).replace(' ', 'T');
}

const LOCAL = /^(\d{4})-(\d{2})-(\d{2})[T ](\d{2}):(\d{2}):(\d{2})$/;

/**
 * The instant a shop-local time (`2019-09-06T15:47:59` or `2019-09-06 15:47:59`) stands for;
 * undefined when the text is not one. In the hour a clock is turned back (the last Sunday of
 * October, 02:00–03:00 twice) both instants fit: the earlier one, or with `ambiguous: 'later'` the
 * later one (a check "did this happen before X?" must not drop the second 02:30 as the first).
 */
export function parseShopDateTime(
  text: string,
  ambiguous: 'earlier' | 'later' = 'earlier',
): Date | undefined {
  const match = LOCAL.exec(text.trim());
  if (!match) return undefined;
  const [, y, mo, d, h, mi, s] = match.map(Number) as [
    number,
    number,
    number,
    number,
    number,
    number,
    number,
  ];
  const asUtc = Date.UTC(y, mo - 1, d, h, mi, s);
  // The zone's offsets a few hours either side; in the hour a clock is turned back both fit.
  const candidates = [
    asUtc - offsetMs(new Date(asUtc - 3 * HOUR_MS)),
    asUtc - offsetMs(new Date(asUtc + 3 * HOUR_MS)),
  ];
  const local = `${match[1]}-${match[2]}-${match[3]} ${match[4]}:${match[5]}:${match[6]}`;
  const fitting = candidates.filter((c) => shopDateTime(new Date(c)) === local).sort((a, b) => a - b);
  // In the hour a clock is turned forward nothing fits: read it with the offset before the change.
  const chosen = ambiguous === 'later' ? fitting.at(-1) : fitting[0];
  return new Date(chosen ?? (candidates[0] as number));
}

/**
 * A shop-local time (API form) at or before the wall-clock time of every instant from `date` on, for a
 * search's lower bound (`updatedAtMin`): the shop compares its zone-less wall-clock times (assumed),
 * and in the hour before the clock is turned back the wall clock later reads up to an hour less
 * (`02:15` summer time is followed, 45 minutes later, by `02:00` winter time). Then it reads from the
 * wall time with the later, smaller offset (an hour more is read; what is already stored is skipped).
 */
export function shopApiDateTimeFloor(date: Date): string {
  assertValidDate(date);
  const drop = offsetMs(date) - offsetMs(new Date(date.getTime() + HOUR_MS));
  return shopApiDateTime(drop > 0 ? new Date(date.getTime() - drop) : date);
}

const HOUR_MS = 3_600_000;

/** Local minus UTC at `date`, in milliseconds. */
function offsetMs(date: Date): number {
  const local = LOCAL.exec(shopDateTime(date));
  if (!local) return 0;
  const [, y, mo, d, h, mi, s] = local.map(Number) as [
    number,
    number,
    number,
    number,
    number,
    number,
    number,
  ];
  return Date.UTC(y, mo - 1, d, h, mi, s) - Math.floor(date.getTime() / 1000) * 1000;
}

/** A valid `Date`, else `ContractsError` `invalid_date` (never Intl's bare "RangeError: Invalid time value"). */
function assertValidDate(date: unknown): asserts date is Date {
  if (date instanceof Date && !Number.isNaN(date.getTime())) return;
  throw new ContractsError(
    'invalid_date',
    `a shop-local time needs a valid Date, got ${
      date instanceof Date
        ? 'an Invalid Date'
        : typeof date === 'string'
          ? `the string ${JSON.stringify(date.slice(0, 40))} (pass new Date(…))`
          : String(date)
    }`,
  );
}
