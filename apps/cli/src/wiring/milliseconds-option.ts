import { millisecondsProblem } from '@srhooks/contracts/duration';
import { InvalidArgumentError } from 'commander';

/**
 * A `--timeout <ms>` value: a positive whole number of milliseconds. `30s` is refused saying to write
 * 30000 (the rule of the receiver's `…Ms` settings, shared through the contracts package).
 */
export function parseMilliseconds(value: string): number {
  if (/^\d+$/.test(value.trim())) {
    const ms = Number(value.trim());
    if (ms > 0 && Number.isSafeInteger(ms)) return ms;
    throw new InvalidArgumentError('must be a positive whole number of milliseconds, e.g. 30000');
  }
  throw new InvalidArgumentError(millisecondsProblem(value, 30_000));
}
