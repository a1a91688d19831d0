import { meantName } from '@srhooks/contracts/meant-name';
import { InputError } from './errors.js';

/**
 * What a value is, in words, never the value itself: an option that should hold a secret may hold it
 * in the wrong type (a Buffer, a number), and an error message must not carry it into a log.
 */
export function kindOf(value: unknown): string {
  if (value === null) return 'null';
  if (value === undefined) return 'undefined';
  if (Buffer.isBuffer(value)) return 'a Buffer';
  if (Array.isArray(value)) return 'a list';
  if (typeof value === 'object') {
    const name = Object.getPrototypeOf(value)?.constructor?.name;
    return typeof name === 'string' && name !== '' && name !== 'Object' ? `a ${name}` : 'an object';
  }
  return `a ${typeof value}`; // a string, a number, a boolean, a bigint, a symbol, a function
}

/** A number or a string shown as it is, anything else by its kind (for options that hold no secret). */
export function shownValue(value: unknown): string {
  if (typeof value === 'number') return String(value);
  if (typeof value === 'string') return JSON.stringify(value.slice(0, 50));
  return kindOf(value);
}

/**
 * A numeric option checked: `undefined` gives `fallback`; anything but a finite number of at least
 * `min` (a whole one with `whole`) is an `InputError` naming the option. `NaN` (a
 * `Number(process.env.X)` of an unset variable) would otherwise switch a limit off silently, as
 * every comparison with it is false.
 */
export function numberOption(
  field: string,
  value: unknown,
  fallback: number,
  rule: { min: number; whole?: boolean; unit: string; hint?: string },
): number {
  if (value === undefined) return fallback;
  if (
    typeof value === 'number' &&
    Number.isFinite(value) &&
    value >= rule.min &&
    (!rule.whole || Number.isInteger(value))
  ) {
    return value;
  }
  throw new InputError(
    `${field} must be ${rule.whole ? 'a whole number' : 'a number'} of ${rule.unit} ≥ ${rule.min}, got ${shownValue(value)}${rule.hint ? ` (${rule.hint})` : ''}`,
    { field, value: typeof value === 'number' ? value : undefined },
  );
}

/**
 * Refuses an option the object does not take, naming the one meant: a misspelt option is otherwise
 * dropped without a word, and its default used instead (a `tokenURL` for `tokenUrl` sent the client
 * secret to ShopRenter's real token endpoint, not to the sandbox the test meant).
 */
const DEFAULT_WORDS = {
  noun: 'an option',
  plural: 'the options',
  consequence: 'Left in, it would be ignored and its default used.',
};

/** The words for the options argument of `call` (`sync()`, `webhooks.list()`). */
export function callOptionWords(call: string): typeof DEFAULT_WORDS & { of: string } {
  return { ...DEFAULT_WORDS, of: call };
}

export function checkOptionKeys(
  value: object,
  known: readonly string[],
  where: string,
  words: { noun: string; plural: string; consequence: string; of?: string } = DEFAULT_WORDS,
): void {
  for (const key of Object.keys(value)) {
    if (known.includes(key)) continue;
    const meant = meantName(key, known);
    const of = words.of ?? where;
    throw new InputError(
      `${where ? `${where}.` : ''}${key} is not ${words.noun}${of ? ` of ${of}` : ''}${meant ? `; did you mean "${meant}"?` : ''} (${words.plural}: ${known.join(', ')}). ${words.consequence}`,
      { field: where ? `${where}.${key}` : key, value: key, allowed: known, code: 'unknown_key' },
    );
  }
}

/** {@link checkOptionKeys} for a collection's search parameters (a schema's properties). */
export function checkSearchKeys(value: unknown, known: readonly string[], collection: string): void {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return;
  checkOptionKeys(value, known, '', {
    noun: `a search parameter of ${collection}`,
    plural: 'it takes',
    consequence:
      'Sent, it would not filter (what ShopRenter answers is not documented; the sandbox answers 40010 "parameter not available").',
  });
}

/**
 * The names of every option of `T`, for {@link checkOptionKeys}: the type checker refuses a list that
 * leaves out an option of the interface (the argument then lacks the property `missing`, which names it).
 */
export function optionKeys<T>() {
  return <const K extends readonly (keyof T & string)[]>(
    keys: K &
      ([Exclude<keyof T, K[number]>] extends [never] ? unknown : { missing: Exclude<keyof T, K[number]> }),
  ): K => keys;
}

/** How {@link checkOptionKeys} words the options of a sync (`sync(desired, {dryrun: true})`). */
export const SYNC_OPTION_WORDS = {
  noun: 'an option',
  plural: 'the options',
  of: 'sync()',
  consequence:
    'Left in, it would be ignored: a misspelt dryRun would make the changes, a misspelt prune keep what it should delete.',
};
