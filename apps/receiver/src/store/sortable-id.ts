import { randomFillSync } from 'node:crypto';

/** Crockford base32, lower case: keeps lexical order equal to numeric order. */
const ALPHABET = '0123456789abcdefghjkmnpqrstvwxyz';
const TIME_CHARS = 10;
const RANDOM_CHARS = 16;
const MAX_TIME = 2 ** 48 - 1;

export type IdPrefix = 'dlv' | 'evt' | 'job';

/**
 * An id {@link newId} could have made: `<prefix>_`, then 10 time and 16 random characters of
 * {@link ALPHABET}, the time at most 2^48 - 1 ms (its first character at most `7`).
 */
const ID_SHAPE = new RegExp(
  `^([a-z]+)_([0-7][${ALPHABET}]{${TIME_CHARS - 1}})[${ALPHABET}]{${RANDOM_CHARS}}$`,
);

/** The millisecond time of an id of that prefix as {@link newId} makes them, or null for anything else. */
export function parseId(value: string, prefix: IdPrefix): { time: number } | null {
  const match = ID_SHAPE.exec(value);
  if (!match || match[1] !== prefix) return null;
  let time = 0;
  for (const char of match[2] ?? '') time = time * 32 + ALPHABET.indexOf(char);
  return { time };
}

/** Whether `value` is an id of that prefix as {@link newId} makes them. */
export function isId(value: string, prefix: IdPrefix): boolean {
  return parseId(value, prefix) !== null;
}

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
