/**
 * A JSON syntax error named by line and column, quoting nothing of the text: the scan finds the
 * position Node's JSON.parse reports, and the message never repeats JSON.parse's (which quotes).
 */
import { describe, expect, it } from 'vitest';
import { firstSyntaxErrorOffset, JsonSyntaxError, locateJsonSyntaxError, parseJsonText } from './index.js';

function parseError(text: string): string {
  try {
    JSON.parse(text);
  } catch (error) {
    return (error as Error).message;
  }
  throw new Error(`${text} parsed`);
}

/** Broken texts whose error position JSON.parse's own message gives (Node 20: "… at position N"). */
const POSITIONED = [
  '{"a" 1}',
  '[1 2]',
  '{"a":1}x',
  '"abc',
  '{"a":"b\nc"}',
  '{"a":"\\q"}',
  '[01]',
  '[-]',
  '{"name":"Kiss Anna" "x":1}',
  '[1.]',
  '[1e]',
  '{"a":"\\u12G4"}',
  '{,}',
];

describe('parseJsonText', () => {
  it('returns what JSON.parse returns', () => {
    expect(parseJsonText('{"a": [1, "x", null]}', 'a.json')).toEqual({ a: [1, 'x', null] });
  });

  it('throws a JsonSyntaxError naming the source, line and column and what to do, quoting nothing', () => {
    let error: unknown;
    try {
      parseJsonText(
        '[\n  {"name": "Kiss Anna", "phone": "+36301234567"}\n  {"name": "Nagy Béla"}]',
        'seed file s.json',
      );
    } catch (caught) {
      error = caught;
    }
    expect(error).toBeInstanceOf(JsonSyntaxError);
    const syntax = error as JsonSyntaxError;
    expect(syntax.code).toBe('invalid_json');
    expect(syntax.message).toBe(
      "seed file s.json is not valid JSON: expected ',' or ']' after array element at line 3, column 3",
    );
    expect(syntax.at).toBe('line 3, column 3');
    expect(syntax.fix).toBe('fix the JSON at line 3, column 3 (your editor shows the spot)');
    expect(syntax.location).toMatchObject({ line: 3, column: 3 });
    expect(syntax.cause).toBeUndefined();
    for (const words of ['Kiss', 'Anna', 'Nagy', 'name', 'phone', '3630'])
      expect(`${syntax.message} ${syntax.fix}`).not.toContain(words);
  });
});

describe('locating the syntax error', () => {
  it.each(POSITIONED)('%j: the scan finds the position JSON.parse gives', (text) => {
    const message = parseError(text);
    const position = Number(/at position (\d+)/.exec(message)?.[1]);
    expect(Number.isInteger(position)).toBe(true);
    expect(firstSyntaxErrorOffset(text)).toBe(position);
    expect(locateJsonSyntaxError(text, message).offset).toBe(position);
  });

  it('uses the position of the message, not the scan, when there is one', () => {
    expect(locateJsonSyntaxError('[1 2]\n[3]', 'Something in JSON at position 7')).toMatchObject({
      offset: 7,
      line: 2,
      column: 2,
      problem: 'something',
    });
  });

  it('never repeats a message that may quote the text (an older "Unexpected token K in JSON at position 3")', () => {
    expect(locateJsonSyntaxError('[1,Kiss]', 'Unexpected token K in JSON at position 3').problem).toBe(
      'unexpected character',
    );
    expect(locateJsonSyntaxError('[1,"a]', 'Weird "a] thing in JSON at position 3').problem).toBe(
      'unexpected character',
    );
  });

  it.each(['{}', '[]', ' {"a": [1, -2.5e+3, true, false, null, "\\u00e9\\n"]} ', '0', '"x"'])(
    '%j is valid for the scan too',
    (text) => {
      expect(firstSyntaxErrorOffset(text)).toBe(-1);
    },
  );
});
