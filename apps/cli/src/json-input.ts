import { CliError, EXIT_CODES } from './cli-error.js';

/**
 * JSON the user gives the CLI (`trigger --data FILE`, `sandbox --apps FILE` / `--shops FILE`,
 * `webhooks sync -f FILE`, listen.json, credentials.json). Node's `JSON.parse` message quotes the
 * text around the error (`Unexpected token 'K', "{"name": Kiss Anna…" is not valid JSON`), and such
 * a file may be an order payload with a customer's name in it, so its message is never shown: the
 * error names the file or flag, the line and column of the syntax error and what to do, and quotes
 * nothing of the file.
 */

/** Where a syntax error is, and what it is in words that quote nothing of the text. */
export interface JsonSyntaxErrorLocation {
  /** 0-based offset in the text (UTF-16 code units, as `JSON.parse` counts); `text.length` = at its end. */
  offset: number;
  /** 1-based. */
  line: number;
  /** 1-based, in characters from the start of the line (a tab counts as one). */
  column: number;
  problem: string;
}

export interface JsonInputOptions {
  /** What the text is, as the user knows it: `--data order.json`, `-f srhooks.json`, `/…/listen.json`. */
  source: string;
  /** The error's code; default `invalid_json`. */
  code?: string;
  /** What to do besides fixing the spot, e.g. "or leave --data out to send the built-in sample". */
  hint?: string;
}

const POSITION = /^(.*?) in JSON at position (\d+)/;
/** V8's own wording (no quoted input), e.g. "Expected ',' or '}' after property value". */
const PLAIN_PHRASE = /^[A-Za-z ,'{}[\]:-]+$/;

/** Thrown inside {@link firstSyntaxErrorOffset} at the first character that cannot be JSON. */
class SyntaxAt {
  constructor(readonly offset: number) {}
}

/**
 * The offset of the first character that cannot continue a JSON text (`text.length` when it ends
 * too early), or -1 when the text is valid JSON. Used when `JSON.parse`'s message gives no position
 * (Node 20: `Unexpected token …, "…" is not valid JSON`).
 */
export function firstSyntaxErrorOffset(text: string): number {
  let i = 0;
  const fail = (): never => {
    throw new SyntaxAt(i);
  };
  const isDigit = (at: number) =>
    at < text.length && text.charCodeAt(at) >= 0x30 && text.charCodeAt(at) <= 0x39;
  const whitespace = () => {
    while (i < text.length && ' \t\n\r'.includes(text.charAt(i))) i++;
  };
  const string = () => {
    i++; // the opening quote
    for (;;) {
      if (i >= text.length) fail();
      const code = text.charCodeAt(i);
      if (code === 0x22) {
        i++;
        return;
      }
      if (code < 0x20) fail();
      if (code !== 0x5c) {
        i++;
        continue;
      }
      i++;
      const escaped = text.charAt(i);
      if (escaped !== '' && '"\\/bfnrt'.includes(escaped)) i++;
      else if (escaped === 'u') {
        i++;
        for (let n = 0; n < 4; n++) {
          if (!/^[0-9a-fA-F]$/.test(text.charAt(i))) fail();
          i++;
        }
      } else fail();
    }
  };
  const digits = () => {
    if (!isDigit(i)) fail();
    while (isDigit(i)) i++;
  };
  const number = () => {
    if (text.charAt(i) === '-') i++;
    if (text.charAt(i) === '0') i++;
    else digits();
    if (text.charAt(i) === '.') {
      i++;
      digits();
    }
    if (text.charAt(i) === 'e' || text.charAt(i) === 'E') {
      i++;
      if (text.charAt(i) === '+' || text.charAt(i) === '-') i++;
      digits();
    }
  };
  const literal = (word: string) => {
    for (const char of word) {
      if (text.charAt(i) !== char) fail();
      i++;
    }
  };
  const value = (): void => {
    whitespace();
    const char = text.charAt(i);
    if (char === '{') {
      i++;
      whitespace();
      if (text.charAt(i) === '}') {
        i++;
        return;
      }
      for (;;) {
        whitespace();
        if (text.charAt(i) !== '"') fail();
        string();
        whitespace();
        if (text.charAt(i) !== ':') fail();
        i++;
        value();
        whitespace();
        if (text.charAt(i) === '}') {
          i++;
          return;
        }
        if (text.charAt(i) !== ',') fail();
        i++;
      }
    }
    if (char === '[') {
      i++;
      whitespace();
      if (text.charAt(i) === ']') {
        i++;
        return;
      }
      for (;;) {
        value();
        whitespace();
        if (text.charAt(i) === ']') {
          i++;
          return;
        }
        if (text.charAt(i) !== ',') fail();
        i++;
      }
    }
    if (char === '"') string();
    else if (char === 't') literal('true');
    else if (char === 'f') literal('false');
    else if (char === 'n') literal('null');
    else if (char === '-' || isDigit(i)) number();
    else fail();
  };
  try {
    value();
    whitespace();
    if (i < text.length) fail();
    return -1;
  } catch (error) {
    if (error instanceof SyntaxAt) return Math.min(error.offset, text.length);
    throw error;
  }
}

function lineAndColumn(text: string, offset: number): { line: number; column: number } {
  let line = 1;
  let lineStart = 0;
  for (let at = text.indexOf('\n'); at !== -1 && at < offset; at = text.indexOf('\n', at + 1)) {
    line++;
    lineStart = at + 1;
  }
  return { line, column: offset - lineStart + 1 };
}

/**
 * Where `text`'s syntax error is: the position `JSON.parse`'s message gives, the end of the text for
 * "Unexpected end of JSON input", else the first character {@link firstSyntaxErrorOffset} refuses.
 * `message` is read for the position and V8's fixed wording only; nothing of it that can quote the
 * text is returned.
 */
export function locateJsonSyntaxError(text: string, message: string): JsonSyntaxErrorLocation {
  let offset: number;
  let problem = 'unexpected character';
  const positioned = POSITION.exec(message);
  if (positioned) {
    offset = Math.min(Number(positioned[2]), text.length);
    const phrase = positioned[1] ?? '';
    if (PLAIN_PHRASE.test(phrase) && !/^Unexpected token\b/.test(phrase))
      problem = phrase.charAt(0).toLowerCase() + phrase.slice(1);
  } else if (/Unexpected end of JSON input/.test(message)) {
    offset = text.length;
  } else {
    const found = firstSyntaxErrorOffset(text);
    offset = found === -1 ? 0 : found;
  }
  if (offset >= text.length) {
    problem =
      text.trim() === ''
        ? 'the file is empty'
        : 'the JSON ends too early (a closing bracket, brace or quote missing?)';
  } else if (offset === 0 && text.charCodeAt(0) === 0xfeff) {
    problem = 'the file starts with a byte-order mark (save it as UTF-8 without BOM)';
  }
  return { offset, ...lineAndColumn(text, offset), problem };
}

/**
 * `JSON.parse(text)`, or a usage error (exit 2) naming `source`, the line and column of the syntax
 * error and what to do, quoting nothing of the text.
 */
export function parseJsonInput(text: string, options: JsonInputOptions): unknown {
  try {
    return JSON.parse(text);
  } catch (error) {
    const where = locateJsonSyntaxError(text, error instanceof Error ? error.message : String(error));
    const at = `line ${where.line}, column ${where.column}`;
    // the cause is left out on purpose: `--debug` prints the cause's stack, and its message quotes the text
    throw new CliError(`${options.source} is not valid JSON: ${where.problem} at ${at}`, {
      code: options.code ?? 'invalid_json',
      exitCode: EXIT_CODES.usage,
      hint: `fix the JSON at ${at} (your editor shows the spot)${options.hint ? `, ${options.hint}` : ''}`,
    });
  }
}
