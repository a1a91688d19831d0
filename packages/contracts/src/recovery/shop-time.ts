/**
 * Shop-local time. ASSUMPTION (not documented): ShopRenter shops live in Hungary and every date
 * the shop hands out — a delivery's `orderHistory.dateAdded` (`2025-12-01 20:57:40`), the API's
 * `dateCreated` / `dateUpdated` (`2019-09-06T15:47:59`) and the order search's `createdAtMin`… —
 * is wall-clock time in Europe/Budapest, without a zone. Recovery converts its watermark (an
 * instant) to this form for the search and back.
 */
export const SHOP_TIME_ZONE = 'Europe/Budapest';

// 'sv-SE' formats as ISO-like 'YYYY-MM-DD HH:mm:ss'. Made on first use, not at import: building it
// loads the time zone data (about 20 ms), which every process importing the package would pay (each
// `srhooks` command that never formats a shop time).
let formatter: Intl.DateTimeFormat | undefined;

/** Shop-local time as deliveries carry it: `2025-12-01 20:57:40`. */
export function shopDateTime(date: Date): string {
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
 * undefined when the text is not one. In the hour a clock is turned back, the earlier instant.
 */
export function parseShopDateTime(text: string): Date | undefined {
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
  return new Date(fitting[0] ?? (candidates[0] as number));
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
