/**
 * A JSON syntax error described without quoting the text. Node's `JSON.parse` message quotes the
 * text around the error (`Unexpected token 'K', "{"name": Kiss Anna…" is not valid JSON`), and JSON
 * people hand to srhooks (an order payload, a seed file, a data file) may hold a customer's name, so
 * that message is never shown: {@link parseJsonText} throws a {@link JsonSyntaxError} naming the
 * source, the line and column of the syntax error and what is wrong there, quoting nothing. The
 * CLI (`json-input.ts`) and the sandbox (seed, apps and data files) both report through it.
 */
import { ContractsError } from './errors.js';

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

/** `text` given as `source` is not JSON; the message quotes nothing of the text (and there is no `cause`). */
export class JsonSyntaxError extends ContractsError {
  declare readonly code: 'invalid_json';
  /** `line L, column C`. */
  readonly at: string;
  /** What to do: `fix the JSON at line L, column C (your editor shows the spot)`. */
  readonly fix: string;
  constructor(
    /** What the text is, as the user knows it: `--data order.json`, `seed file shops.json`. */
    readonly source: string,
    readonly location: JsonSyntaxErrorLocation,
  ) {
    const at = `line ${location.line}, column ${location.column}`;
    super('invalid_json', `${source} is not valid JSON: ${location.problem} at ${at}`);
    this.at = at;
    this.fix = `fix the JSON at ${at} (your editor shows the spot)`;
  }
}

/**
 * `JSON.parse(text)`, or a {@link JsonSyntaxError} naming `source` and where the syntax error is.
 * `JSON.parse`'s own error is dropped on purpose (not even kept as `cause`: a stack printed with
 * causes would show its message, which quotes the text).
 */
export function parseJsonText(text: string, source: string): unknown {
  if (typeof text !== 'string') {
    throw new ContractsError(
      'invalid_input',
      `${source} is not text (got ${text === null ? 'null' : typeof text}): read the file or variable as a string first`,
    );
  }
  try {
    return JSON.parse(text);
  } catch (error) {
    throw new JsonSyntaxError(
      source,
      locateJsonSyntaxError(text, error instanceof Error ? error.message : String(error)),
    );
  }
}
