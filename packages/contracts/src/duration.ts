/**
 * Durations as people write them: a number of milliseconds, or a string with a unit (`"500ms"`,
 * `"5s"`, `"5m"`, `"2h"`, `"1d"`), as the receiver's handler configuration takes them in
 * `"retry": {"delays": ["5s", "5m"]}`, and the CLI's `--timeout` (`30s`, `500ms`). Where only a number of
 * milliseconds is taken (a `…Ms` setting of the receiver), `millisecondsProblem` says which number to write instead
 * of a duration written as text, rather than a bare "must be a number".
 */

const UNIT_MS = { ms: 1, s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000 } as const;
const DURATION = /^\s*(\d+(?:\.\d+)?)\s*(ms|s|m|h|d)\s*$/;

/** Milliseconds for a duration, or null when the value is not a non-negative duration. */
export function parseDuration(value: number | string): number | null {
  if (typeof value === 'number') return Number.isFinite(value) && value >= 0 ? Math.round(value) : null;
  const match = DURATION.exec(value);
  if (!match) return null;
  const amount = Number(match[1]);
  const unit = match[2] as keyof typeof UNIT_MS;
  return Math.round(amount * UNIT_MS[unit]);
}

/** `300000` → `"5m"`; for messages and logs. */
export function formatDuration(ms: number): string {
  if (ms === 0) return '0s';
  for (const unit of ['d', 'h', 'm', 's'] as const) {
    if (ms % UNIT_MS[unit] === 0) return `${ms / UNIT_MS[unit]}${unit}`;
  }
  return `${ms}ms`;
}

/**
 * What is wrong with `input` where a whole number of milliseconds is wanted: text such as `"30s"` gets
 * the number to write (`write 30000 for "30s"`), anything else an example.
 */
export function millisecondsProblem(input: unknown, example: number): string {
  if (typeof input === 'string') {
    const ms = parseDuration(input);
    if (ms !== null && ms > 0) {
      return `must be a number of milliseconds, not text: write ${ms} for "${input.trim()}"`;
    }
  }
  return `must be a whole number of milliseconds, e.g. ${example}`;
}
