/** How times and amounts read in the inspector. */

const AMOUNT = new Intl.NumberFormat('en-US', { maximumFractionDigits: 2 });

/** `2025-12-01 20:57:40 UTC`. */
export function formatTime(date: Date): string {
  return `${date.toISOString().slice(0, 19).replace('T', ' ')} UTC`;
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
