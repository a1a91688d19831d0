/**
 * What the store keeps for recovery (fetching missed orders from the shop's API, see
 * `recovery/`): where each event came from, and per shop the durable watermark and the last pass.
 */

/** `webhook`: the shop delivered it; `recovery`: srhooks read it back from the shop's API. */
export type EventSource = 'webhook' | 'recovery';
export const EVENT_SOURCES = ['webhook', 'recovery'] as const satisfies readonly EventSource[];

/** One recovery pass of one shop, as the inspector shows it. */
export interface RecoveryPass {
  startedAt: Date;
  finishedAt: Date;
  outcome: 'ok' | 'failed';
  /** Orders changed from this instant on were read (the watermark minus the overlap window). */
  since: Date;
  /** Orders read from the API. */
  ordersRead: number;
  /** Subscribers read from the API (0 when no newsletter event is recovered). */
  subscribersRead: number;
  /** New events stored (not duplicates), per event name. */
  recovered: Record<string, number>;
  /** Events derived that the store already had (the delivery had arrived, or an earlier pass). */
  alreadyStored: number;
  /** Why the pass failed (no personal data), null when it did not. */
  error: string | null;
  /**
   * An on-demand pass (`srhooks recover`, `POST /admin/api/recover`): when it fails its caller sees why,
   * and it is not counted in `consecutiveFailures` (the scheduled passes' backoff). Absent: scheduled.
   */
  onDemand?: true;
}

export interface RecoveryState {
  shop: string;
  /** Everything changed before this instant was read; null before the first successful pass. */
  watermark: Date | null;
  /**
   * Failed scheduled passes in a row (drives the backoff); 0 after a successful pass (scheduled or on
   * demand). An on-demand pass's failure leaves it as it was.
   */
  consecutiveFailures: number;
  lastPass: RecoveryPass | null;
}

/** JSON of a pass for the store (dates as ISO text). */
export function passToJson(pass: RecoveryPass): string {
  return JSON.stringify(pass);
}

export function passFromJson(value: unknown): RecoveryPass | null {
  if (value === null || value === undefined) return null;
  const raw = (typeof value === 'string' ? JSON.parse(value) : value) as Record<string, unknown>;
  return {
    startedAt: new Date(String(raw.startedAt)),
    finishedAt: new Date(String(raw.finishedAt)),
    outcome: raw.outcome === 'ok' ? 'ok' : 'failed',
    since: new Date(String(raw.since)),
    ordersRead: Number(raw.ordersRead ?? 0),
    subscribersRead: Number(raw.subscribersRead ?? 0),
    recovered: (raw.recovered ?? {}) as Record<string, number>,
    alreadyStored: Number(raw.alreadyStored ?? 0),
    error: raw.error === null || raw.error === undefined ? null : String(raw.error),
    ...(raw.onDemand === true ? { onDemand: true as const } : {}),
  };
}

/** What `recordRecoveryPass` writes. */
export interface RecoveryPassRecord {
  pass: RecoveryPass;
  /** The new watermark (never moves back: the later of this and the stored one is kept); null = unchanged. */
  watermark: Date | null;
}

/**
 * How a recorded pass changes the failures in a row: an ok pass resets them, a failed scheduled pass
 * adds one, a failed on-demand pass leaves them (an operator's failed `srhooks recover` must not delay
 * the scheduled passes).
 */
export function failuresChange(pass: RecoveryPass): 'reset' | 'add' | 'keep' {
  if (pass.outcome === 'ok') return 'reset';
  return pass.onDemand ? 'keep' : 'add';
}
