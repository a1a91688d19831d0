import { randomFillSync } from 'node:crypto';

/** Crockford base32, lower case: keeps lexical order equal to numeric order. */
const ALPHABET = '0123456789abcdefghjkmnpqrstvwxyz';
const TIME_CHARS = 10;
const RANDOM_CHARS = 16;
const MAX_TIME = 2 ** 48 - 1;

export type IdPrefix = 'dlv' | 'evt' | 'job';

let pool = Buffer.alloc(0);
let poolOffset = 0;
let lastTime = -1;
let lastRandom: number[] = [];

function randomDigits(): number[] {
  if (poolOffset + RANDOM_CHARS > pool.length) {
    pool = randomFillSync(Buffer.alloc(4096));
    poolOffset = 0;
  }
  const digits: number[] = new Array(RANDOM_CHARS);
  for (let i = 0; i < RANDOM_CHARS; i += 1) digits[i] = (pool[poolOffset + i] ?? 0) & 31;
  poolOffset += RANDOM_CHARS;
  return digits;
}

/** Adds one to the random part; ids made in the same millisecond keep their creation order. */
function increment(digits: number[]): number[] {
  const next = digits.slice();
  for (let i = next.length - 1; i >= 0; i -= 1) {
    const digit = next[i] ?? 0;
    if (digit < 31) {
      next[i] = digit + 1;
      return next;
    }
    next[i] = 0;
  }
  // 80 random bits overflowed within one millisecond: practically impossible; start over fresh.
  return randomDigits();
}

/**
 * A ULID-style id: `<prefix>_` + 10 chars of millisecond time + 16 random chars. Ids sort by time, and
 * ids made in one process within the same millisecond sort in creation order.
 */
export function newId(prefix: IdPrefix, timeMs: number = Date.now()): string {
  const time = Math.min(Math.max(Math.floor(timeMs), 0), MAX_TIME);
  lastRandom = time === lastTime ? increment(lastRandom) : randomDigits();
  lastTime = time;
  let timePart = '';
  let rest = time;
  for (let i = 0; i < TIME_CHARS; i += 1) {
    timePart = ALPHABET.charAt(rest % 32) + timePart;
    rest = Math.floor(rest / 32);
  }
  let randomPart = '';
  for (const digit of lastRandom) randomPart += ALPHABET.charAt(digit);
  return `${prefix}_${timePart}${randomPart}`;
}
