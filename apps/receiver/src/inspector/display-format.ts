/** How times and amounts read in the inspector. */

const AMOUNT = new Intl.NumberFormat('en-US', { maximumFractionDigits: 2 });

/** `1 dead letter`, `1,204 dead letters`: a count with its word, in the plural unless it is one. */
export function plural(count: number, word: string): string {
  return `${count.toLocaleString('en-US')} ${word}${count === 1 ? '' : 's'}`;
}

/** `2025-12-01 20:57:40 UTC`. */
export function formatTime(date: Date): string {
  return `${date.toISOString().slice(0, 19).replace('T', ' ')} UTC`;
}

/**
 * A time as a `datetime-local` input's value (UTC): to the minute (`2025-12-01T20:57`), with seconds
 * and milliseconds only when it has them (`…:57:40.500`; the input then needs `timeInputStep`'s step).
 */
export function timeInputValue(date: Date | undefined): string {
  if (!date) return '';
  return hasSeconds(date) ? date.toISOString().slice(0, 23) : date.toISOString().slice(0, 16);
}

/** The `step` of a `datetime-local` input holding `date`: whole minutes (60, the default) or any. */
export function timeInputStep(date: Date | undefined): string {
  return date && hasSeconds(date) ? 'any' : '60';
}

function hasSeconds(date: Date): boolean {
  return date.getTime() % 60_000 !== 0;
}

/** `11,206 HUF`; null when there is no amount. Non-numeric text is shown as delivered. */
export function formatAmount(
  value: number | string | null | undefined,
  currency?: string | null,
): string | null {
  if (value === null || value === undefined || value === '') return null;
  const number = typeof value === 'number' ? value : Number(value);
  const text = Number.isFinite(number) ? AMOUNT.format(number) : String(value);
  return currency ? `${text} ${currency}` : text;
}

export function formatBytes(bytes: number): string {
  if (bytes < 1024) return `${bytes} B`;
  if (bytes < 1024 * 1024) return `${(bytes / 1024).toFixed(1)} KiB`;
  return `${(bytes / 1024 / 1024).toFixed(1)} MiB`;
}

const LANGUAGE_NAMES = new Intl.DisplayNames(['en'], { type: 'language', fallback: 'none' });

/**
 * A subscriber's language as the shop sent it: a number is the shop's own language id (the documented
 * example sends "1"), shown as such; a language tag Intl knows gets its English name ("Hungarian (hu)");
 * anything else as sent.
 */
export function formatLanguage(value: string): string {
  const code = value.trim();
  if (/^\d+$/.test(code)) return `${code} (shop language id)`;
  try {
    const name = LANGUAGE_NAMES.of(code);
    return name ? `${name} (${code})` : value;
  } catch {
    return value; // not a language tag
  }
}
