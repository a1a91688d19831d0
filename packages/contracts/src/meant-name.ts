/**
 * The one "did you mean …?" of srhooks: the known name a typo most likely meant (an event, a handler, a
 * config key, an option), used by the client, the CLI and the receiver alike. No other import than the
 * edit distance: loaded by the CLI's `--help` path.
 */
import { distance } from 'fastest-levenshtein';

/**
 * The closest of `names` to `value`, compared case-insensitively, within two edits (three for a value of
 * 6+ characters: `retries` for `retry`, `order_confrim` for `order_confirm`); undefined when none is that
 * close, so a short unrelated word (`nope`) is never taken for a short name (`erp`). The name is returned
 * as `names` spells it; of equally close names, the first.
 */
export function meantName(value: string, names: readonly string[]): string | undefined {
  const given = value.toLowerCase();
  let meant: string | undefined;
  let best = given.length >= 6 ? 4 : 3;
  for (const name of names) {
    const edits = distance(given, name.toLowerCase());
    if (edits < best) {
      best = edits;
      meant = name;
    }
  }
  return meant;
}
