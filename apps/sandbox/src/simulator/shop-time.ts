import { SHOP_TIME_ZONE } from '../assumptions.js';

// 'sv-SE' formats as ISO-like 'YYYY-MM-DD HH:mm:ss'.
const formatter = new Intl.DateTimeFormat('sv-SE', {
  timeZone: SHOP_TIME_ZONE,
  year: 'numeric',
  month: '2-digit',
  day: '2-digit',
  hour: '2-digit',
  minute: '2-digit',
  second: '2-digit',
  hour12: false,
});

/** Shop-local time as deliveries carry it: `2025-12-01 20:57:40`. */
export function shopDateTime(date: Date): string {
  return formatter.format(date);
}

/** Shop-local time as the REST API carries it: `2019-09-06T15:47:59`. */
export function shopApiDateTime(date: Date): string {
  return shopDateTime(date).replace(' ', 'T');
}
