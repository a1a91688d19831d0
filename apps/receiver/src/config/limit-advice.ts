/**
 * What a refusal or quarantine for a delivery's size tells its reader to do, in the words of whoever runs
 * this receiver: the receiver's own settings by default; `srhooks listen`, which embeds the receiver and
 * has none of those settings, passes its own (its `--body-limit` flag).
 */
export interface LimitAdvice {
  /** Closes a too_large quarantine reason (a body over the decode limit, stored raw). */
  readonly bodyLimit: string;
  /** Closes the 413 of a body over the hard limit (nothing stored). */
  readonly bodyHardLimit: string;
}

/** A receiver run from its own configuration (environment or srhooks.config.json). */
export const RECEIVER_LIMIT_ADVICE: LimitAdvice = {
  // a re-process decodes a too_large body whatever the limit: raising it is for the next ones only
  bodyLimit:
    'Re-process it to decode it now, whatever its size; raise SRHOOKS_BODY_LIMIT (or "bodyLimit") to decode bodies this large as they arrive.',
  bodyHardLimit:
    'If such deliveries are genuine, raise SRHOOKS_BODY_HARD_LIMIT (or "bodyHardLimit" in srhooks.config.json).',
};
