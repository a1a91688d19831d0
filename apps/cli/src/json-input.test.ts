import { describe, expect, it } from 'vitest';
import { CliError } from './cli-error.js';
import { parseJsonInput } from './json-input.js';

describe('parseJsonInput', () => {
  it('returns what JSON.parse returns', () => {
    expect(parseJsonInput('{"a": [1, "x", null]}', { source: '--data a.json' })).toEqual({
      a: [1, 'x', null],
    });
  });

  it.each([
    ['{"firstname": Kiss Anna}', 'unexpected character at line 1, column 15'],
    ['{\n  "firstname": "Kiss Anna",\n}', 'expected double-quoted property name at line 3, column 1'],
    [
      '[\r\n  {"phone": "+3630"}\r\n  {"phone": "+3670"}]',
      "expected ',' or ']' after array element at line 3, column 3",
    ],
    [
      '{"orders": {"order": [{"firstname": "Kiss',
      'the JSON ends too early (a closing bracket, brace or quote missing?) at line 1, column 42',
    ],
    [
      '{"orders": \n',
      'the JSON ends too early (a closing bracket, brace or quote missing?) at line 2, column 1',
    ],
    ['  \n', 'the file is empty at line 2, column 1'],
    [
      '\ufeff{"a": 1}',
      'the file starts with a byte-order mark (save it as UTF-8 without BOM) at line 1, column 1',
    ],
    ['{"a": 1, "b": tru}', 'unexpected character at line 1, column 18'],
  ])('%j: a usage error with the line and column, quoting nothing', (text, problem) => {
    let error: unknown;
    try {
      parseJsonInput(text, { source: '--data order.json', hint: 'or leave --data out' });
    } catch (caught) {
      error = caught;
    }
    expect(error).toBeInstanceOf(CliError);
    const cliError = error as CliError;
    expect(cliError.message).toBe(`--data order.json is not valid JSON: ${problem}`);
    expect(cliError.exitCode).toBe(2);
    expect(cliError.code).toBe('invalid_json');
    expect(cliError.hint).toMatch(
      /^fix the JSON at line \d+, column \d+ \(your editor shows the spot\), or leave --data out$/,
    );
    expect(cliError.cause).toBeUndefined();
    for (const words of ['Kiss', 'Anna', 'firstname', 'phone', '3630', 'tru', 'orders'])
      expect(`${cliError.message} ${cliError.hint}`).not.toContain(words);
  });

  it('takes the code it is given', () => {
    expect(() => parseJsonInput('{', { source: 'x.json', code: 'config_invalid' })).toThrow(
      expect.objectContaining({ code: 'config_invalid' }),
    );
  });
});
