/**
 * ANSI styling that honours NO_COLOR (https://no-color.org), FORCE_COLOR, TERM=dumb and whether
 * the stream is a terminal. Hand-written: a colour library would cost start-up time.
 */
import { ownSgrMark } from './own-escapes.js';
import { shownLength } from './terminal-text.js';

export interface Style {
  readonly enabled: boolean;
  bold(text: string): string;
  dim(text: string): string;
  red(text: string): string;
  green(text: string): string;
  yellow(text: string): string;
  cyan(text: string): string;
}

export interface ColorDecision {
  env: Record<string, string | undefined>;
  isTTY: boolean;
  /** `--no-color` given. */
  noColorFlag?: boolean;
}

/**
 * Whether a stream gets colour, in this order: `--no-color`, then NO_COLOR (any non-empty value:
 * https://no-color.org) turn it off; then FORCE_COLOR, when set, decides, as Node's tty getColorDepth and
 * chalk's supports-color read it: `0` or `false` turn colour off (a terminal too), any other value —
 * `1`, `2`, `3`, `true`, empty — turns it on, off a terminal (a CI log) and over TERM=dumb alike; then
 * TERM=dumb turns it off; else a terminal gets colour.
 */
export function colorEnabled({ env, isTTY, noColorFlag }: ColorDecision): boolean {
  if (noColorFlag) return false;
  if (env.NO_COLOR !== undefined && env.NO_COLOR !== '') return false;
  if (env.FORCE_COLOR !== undefined) return env.FORCE_COLOR !== '0' && env.FORCE_COLOR !== 'false';
  if (env.TERM === 'dumb') return false;
  return isTTY;
}

/**
 * Styles write the CLI's marks, not escapes (own-escapes.ts): Output turns them into escapes after
 * showing every escape found in the text (data) as `<U+001B>…`, so only the CLI's own colours reach
 * the terminal. A styled string is meant to be printed through Output.
 */
const wrap =
  (enabled: boolean, open: number, close: number) =>
  (text: string): string =>
    enabled ? `${ownSgrMark(open)}${text}${ownSgrMark(close)}` : text;

export function createStyle(enabled: boolean): Style {
  return {
    enabled,
    bold: wrap(enabled, 1, 22),
    dim: wrap(enabled, 2, 22),
    red: wrap(enabled, 31, 39),
    green: wrap(enabled, 32, 39),
    yellow: wrap(enabled, 33, 39),
    cyan: wrap(enabled, 36, 39),
  };
}

/** Printed width of a string as Output prints it: colours take no room, other controls their `<U+XXXX>`. */
export function visibleLength(text: string): number {
  return shownLength(text);
}
