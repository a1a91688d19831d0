import { distance } from 'fastest-levenshtein';

/**
 * The name a typo most likely meant, for a config problem's "did you mean …?": the closest of `names`,
 * compared case-insensitively, within two edits (three for a value of 6+ characters: `retries` for
 * `retry`); undefined when none is that close.
 */
export function meantName(value: string, names: readonly string[]): string | undefined {
  let meant: string | undefined;
  let best = value.length >= 6 ? 4 : 3;
  for (const name of names) {
    const d = distance(value.toLowerCase(), name.toLowerCase());
    if (d < best) {
      best = d;
      meant = name;
    }
  }
  return meant;
}
