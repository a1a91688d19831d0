/**
 * A number of whole days as people write it on the command line and in the environment: `90` or
 * `90d`, from 1 to {@link MAX_DAYS}. One parser for the same notion everywhere (the receiver's
 * `SRHOOKS_RETENTION_DAYS`, the CLI's `prune --older-than`), so both accept the same text.
 */
import { ContractsError } from './errors.js';

/** 100 years: more is a typo, not a retention period. */
export const MAX_DAYS = 36_500;

/** What {@link parseDays} tells people who gave something else. */
export const DAYS_EXPECTED = `must be a number of days from 1 to ${MAX_DAYS}, e.g. 90 or 90d`;

export class DaysInputError extends ContractsError {
  declare readonly code: 'invalid_days';
  constructor(text: string) {
    super('invalid_days', `${DAYS_EXPECTED}, got "${text.slice(0, 40)}"`);
  }
}

/** `90`, `90d`, ` 90D ` → 90. Throws {@link DaysInputError} for anything else (empty included). */
export function parseDays(text: string): number {
  // `process.env.X` of an unset variable, or a number from a JSON file: read as text, never a TypeError.
  const given = (typeof text === 'string' ? text : String(text)).trim();
  const match = /^(\d{1,6})d?$/i.exec(given);
  const days = match ? Number(match[1]) : Number.NaN;
  if (!(days >= 1 && days <= MAX_DAYS)) throw new DaysInputError(given);
  return days;
}
