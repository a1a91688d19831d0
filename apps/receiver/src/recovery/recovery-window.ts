/**
 * Which time a pass reads from. The watermark says everything changed before it was read; the pass
 * reads from `overlap` before it (clock skew between shop and receiver, orders committed late). With
 * no watermark yet it starts at the newest stored delivery (what the receiver already saw); either way
 * never further back than the look-back. `until` is taken before the first read: it becomes the new
 * watermark only when every page was read and stored.
 */
export interface RecoveryWindowInput {
  now: Date;
  watermark: Date | null;
  lastDeliveryAt: Date | null;
  lookBackDays: number;
  overlapSeconds: number;
  /**
   * Nothing before this was missed (an installed app shop: its install time): the window starts no
   * earlier, whatever the watermark or look-back say. An explicit `since` before it is refused by the
   * service (RecoveryService.recover), not moved here.
   */
  notBefore?: Date | null;
  /**
   * An explicit start (on-demand recovery): used as given. The service has refused one before the
   * look-back or before the install.
   */
  since?: Date;
}

const DAY_MS = 86_400_000;

export interface RecoveryWindow {
  since: Date;
  until: Date;
  /**
   * Set when the watermark (or, before the first pass, the newest delivery) lies further back than the
   * look-back: orders changed from here to `since` are not read by this pass, nor by any later one.
   */
  notReadFrom?: Date;
}

export function recoveryWindow(input: RecoveryWindowInput): RecoveryWindow {
  const until = input.now;
  if (input.since) return { since: input.since, until };
  const lookBackStart = until.getTime() - input.lookBackDays * DAY_MS;
  const notBefore = input.notBefore?.getTime() ?? Number.NEGATIVE_INFINITY;
  const floor = Math.max(lookBackStart, notBefore);
  const from = input.watermark ?? input.lastDeliveryAt;
  const wanted = from === null ? null : Math.max(from.getTime() - input.overlapSeconds * 1000, notBefore);
  const start = wanted === null ? floor : Math.max(floor, wanted);
  const since = new Date(Math.min(start, until.getTime()));
  return wanted !== null && wanted < since.getTime()
    ? { since, until, notReadFrom: new Date(wanted) }
    : { since, until };
}

const MAX_BACKOFF_MS = 24 * 3_600_000;

/** With interval 0, the first retry of a failed pass: 1 minute, doubling up to {@link MAX_RETRY_MS}. */
export const FIRST_RETRY_MS = 60_000;
/** With interval 0, the longest wait between retries of a failing pass: 30 minutes. */
export const MAX_RETRY_MS = 30 * 60_000;

/**
 * When the next scheduled pass runs: one interval after a good pass; after `failures` failed passes in
 * a row, interval × 2^(failures − 1), at most 24 h. With interval 0 (no schedule) `null` after a good
 * pass, but a failed one is still retried until one succeeds: after `firstRetryMs` (1 min) × 2^(failures
 * − 1), at most 30 min — else orders missed while the receiver was down would wait for a manual run.
 */
export function nextPassDelayMs(
  intervalMs: number,
  failures: number,
  firstRetryMs: number = FIRST_RETRY_MS,
): number | null {
  if (intervalMs <= 0) {
    if (failures <= 0) return null;
    return Math.min(firstRetryMs * 2 ** Math.min(failures - 1, 16), Math.max(firstRetryMs, MAX_RETRY_MS));
  }
  if (failures <= 0) return intervalMs;
  return Math.min(intervalMs * 2 ** Math.min(failures - 1, 16), MAX_BACKOFF_MS);
}

/** `45 s`, `2 min`, `1.5 h`: a wait as the log says it. */
export function formatDelay(ms: number): string {
  if (ms < 60_000) return `${Math.round(ms / 1000)} s`;
  if (ms < 3_600_000) return `${Math.round((ms / 60_000) * 10) / 10} min`;
  return `${Math.round((ms / 3_600_000) * 10) / 10} h`;
}
