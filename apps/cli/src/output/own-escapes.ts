/**
 * Marks for the colour codes the CLI writes itself. Data the CLI prints (an order's innerId, a forward
 * target's answer, a shop name, …) may hold the very same escape sequences (`ESC[31m`, `ESC[2m`), so
 * once styled text and data are joined into one string a real escape can no longer tell who wrote it.
 * style.ts therefore writes a mark, not an escape: a private-use character, a random key drawn once per
 * process (never printed, so data cannot know it), the SGR code and a closing private-use character.
 * terminal-text.ts shows every escape in the text as `<U+001B>…` and only then turns the marks into
 * escapes, so only the CLI's own survive.
 */
import { randomBytes } from 'node:crypto';

const KEY = randomBytes(12).toString('hex');
const OPEN = '\uE000';
const CLOSE = '\uE001';
const MARK = new RegExp(`${OPEN}${KEY}:(\\d{1,2})${CLOSE}`, 'g');

/** The mark of the CLI's own `ESC[<code>m`. */
export function ownSgrMark(code: number): string {
  return `${OPEN}${KEY}:${code}${CLOSE}`;
}

/** Turns the CLI's marks into the escapes they stand for. */
export function ownSgrEscapes(text: string): string {
  return text.replace(MARK, (_, code: string) => `\u001b[${code}m`);
}

/** Removes the CLI's marks (text measured for width, or printed without colour). */
export function withoutOwnSgrMarks(text: string): string {
  return text.replace(MARK, '');
}
