/**
 * JSON documents of deliveries: a bracket scan bounds the nesting depth BEFORE `JSON.parse`
 * runs (so a 10,000-deep `[[[[…` is a typed `too_deep`, never a stack overflow anywhere
 * downstream), then `JSON.parse` with the syntax error turned into a position. An integer beyond
 * JavaScript's safe range (2^53) would lose digits in `JSON.parse` (`90071992547409931` and
 * `…33` both become `…40`: another order would look like a duplicate), so a document with one is
 * refused (`number_too_large`) rather than read altered.
 */

import { countTreeKeys, firstDuplicateKey } from './json-duplicate-keys.js';

export type JsonReadErrorCode = 'invalid_json' | 'too_deep' | 'number_too_large' | 'duplicate_key';

export class JsonReadError extends Error {
  override readonly name = 'JsonReadError';
  constructor(
    readonly code: JsonReadErrorCode,
    message: string,
    readonly position: number,
    /** `duplicate_key`: where the repeated key is (`orders.order[0].innerId`). */
    readonly path?: string,
  ) {
    super(message);
  }
}

function lineAndColumn(text: string, index: number): string {
  const before = text.slice(0, index);
  const line = before.split('\n').length;
  const column = index - before.lastIndexOf('\n');
  return `line ${line}, column ${column}`;
}

/**
 * Throws `too_deep` when objects/arrays nest deeper than `maxDepth` (strings are skipped). Returns
 * the number of keys the text writes (each string followed, after blanks, by `:`), which
 * {@link readJsonDocument} compares with the parsed tree's to find a repeated key.
 */
export function scanJsonDepth(text: string, maxDepth: number): number {
  let depth = 0;
  let keys = 0;
  let inString = false;
  for (let i = 0; i < text.length; i++) {
    const code = text.charCodeAt(i);
    if (inString) {
      if (code === 0x5c) i++;
      else if (code === 0x22) {
        inString = false;
        let next = text.charCodeAt(i + 1);
        while (next === 0x20 || next === 0x0a || next === 0x0d || next === 0x09)
          next = text.charCodeAt(++i + 1);
        if (next === 0x3a) keys++;
      }
    } else if (code === 0x22) inString = true;
    else if (code === 0x7b || code === 0x5b) {
      depth++;
      if (depth > maxDepth) {
        throw new JsonReadError(
          'too_deep',
          `The JSON nests objects/arrays more than ${maxDepth} levels deep (at position ${i}, ${lineAndColumn(text, i)}); a delivery needs fewer than 10.`,
          i,
        );
      }
    } else if (code === 0x7d || code === 0x5d) depth--;
  }
  return keys;
}

/**
 * The same scan over the document's UTF-8 bytes (faster than over the string); false when too deep.
 * Brackets, quotes and backslashes are ASCII, and UTF-8 never uses ASCII bytes inside a multi-byte
 * character, so bytes and characters give the same answer.
 */
export function isJsonDepthWithin(bytes: Uint8Array, maxDepth: number): boolean {
  return scanJsonBytes(bytes, maxDepth) !== -1;
}

/** {@link isJsonDepthWithin}'s scan: the number of keys the document writes, or -1 when too deep. */
function scanJsonBytes(bytes: Uint8Array, maxDepth: number): number {
  let depth = 0;
  let keys = 0;
  const length = bytes.length;
  for (let i = 0; i < length; i++) {
    const byte = bytes[i];
    if (byte === 0x22) {
      // Skip the string: up to the next quote that no backslash escapes.
      for (i++; i < length; i++) {
        const inner = bytes[i];
        if (inner === 0x5c) i++;
        else if (inner === 0x22) break;
      }
      // A key when a colon follows (after blanks).
      let next = bytes[i + 1];
      while (next === 0x20 || next === 0x0a || next === 0x0d || next === 0x09) next = bytes[++i + 1];
      if (next === 0x3a) keys++;
    } else if (byte === 0x7b || byte === 0x5b) {
      depth++;
      if (depth > maxDepth) return -1;
    } else if (byte === 0x7d || byte === 0x5d) depth--;
  }
  return keys;
}

export interface ReadJsonOptions {
  readonly maxDepth: number;
  /** `text` as UTF-8 bytes, when the caller has them: the depth scan runs over them. */
  readonly bytes?: Uint8Array;
}

/**
 * Parses JSON after the depth scan; throws {@link JsonReadError} with the position of a syntax error,
 * or `duplicate_key` with the path of a key that one object has twice, at any depth (`JSON.parse`
 * would keep the last alone; PHP's `json_encode` cannot write a key twice): the scan counts the keys
 * the text writes, and when the parsed tree holds fewer, the text is walked to name the first one.
 */
export function readJsonDocument(text: string, options: ReadJsonOptions): unknown {
  // The string scan gives the error its position; the byte scan only says whether there is one.
  let keys = options.bytes === undefined ? -1 : scanJsonBytes(options.bytes, options.maxDepth);
  if (keys === -1) keys = scanJsonDepth(text, options.maxDepth);
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch (error) {
    const detail = (error as Error).message;
    const match = /position (\d+)/.exec(detail);
    const position = match ? Number(match[1]) : text.length;
    const context = JSON.stringify(text.slice(Math.max(0, position - 20), position + 20));
    throw new JsonReadError(
      'invalid_json',
      `Invalid JSON at position ${position} (${lineAndColumn(text, position)}, near ${context}): ${detail}`,
      position,
    );
  }
  if (SIXTEEN_DIGITS.test(text)) checkExactIntegers(text);
  if (keys !== countTreeKeys(parsed)) {
    const repeated = firstDuplicateKey(text);
    if (repeated !== null) {
      const key =
        repeated.key === '…' ? 'a key that is not a field name (not shown)' : `the key "${repeated.key}"`;
      const where = repeated.path.length > 120 ? `…${repeated.path.slice(-119)}` : repeated.path;
      throw new JsonReadError(
        'duplicate_key',
        `The JSON has ${key} twice in one object (at ${where}); a JSON reader keeps only the last, so what the first holds would be dropped without a word. ShopRenter writes each key once (PHP's json_encode cannot write one twice): nothing was taken.`,
        repeated.position,
        repeated.path,
      );
    }
  }
  return parsed;
}

const SIXTEEN_DIGITS = /\d{16}/;
const NUMBER_TOKEN = /-?\d+(\.\d+)?([eE][+-]?\d+)?/y;

/** Throws `number_too_large` for an integer literal (outside strings) that `JSON.parse` cannot hold exactly. */
function checkExactIntegers(text: string): void {
  for (let i = 0; i < text.length; i++) {
    const char = text.charCodeAt(i);
    if (char === 0x22) {
      for (i++; i < text.length; i++) {
        const inner = text.charCodeAt(i);
        if (inner === 0x5c) i++;
        else if (inner === 0x22) break;
      }
      continue;
    }
    if (char !== 0x2d && (char < 0x30 || char > 0x39)) continue;
    NUMBER_TOKEN.lastIndex = i;
    const match = NUMBER_TOKEN.exec(text);
    if (match === null) continue;
    const token = match[0];
    if (match[1] === undefined && match[2] === undefined && !Number.isSafeInteger(Number(token))) {
      throw new JsonReadError(
        'number_too_large',
        `The integer at position ${i} (${lineAndColumn(text, i)}) has ${token.replace('-', '').length} digits, ` +
          `beyond the ${Number.MAX_SAFE_INTEGER} a JSON number can hold exactly: read as a number it would be altered, ` +
          'so the document is not decoded. Send such values (ids) as strings.',
        i,
      );
    }
    i += token.length - 1;
  }
}
