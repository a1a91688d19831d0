import { describe, expect, it } from 'vitest';
import { generatedText as generated } from '../test-support/generated-text.js';
import { maskDecodeMessage } from './personal-data-mask.js';
import { hideJsonParserSnippet, hideUnknownEntity, replaceDoubleQuoted } from './sender-text.js';

// The expressions the functions reproduce (what maskDecodeMessage used before; quadratic on some messages).
const DOUBLE_QUOTED = /"(?:[^"\\]|\\.)*"/g;
const JSON_PARSER_SNIPPET = /(Unexpected token '[\s\S]{1,2}', )[\s\S]*( is not valid JSON)/;
const UNKNOWN_ENTITY = /(unknown entity )[\s\S]*?( \(only &lt;)/;

const QUOTE_ALPHABET = ['"', '"', '\\', '\\', 'a', ' ', '\n', '\r', '\u2028', 'é'];
const SNIPPET_ALPHABET = ["Unexpected token '", "'", ', ', ' is not valid JSON', 'x', 'yz', '"', ' '];
const ENTITY_ALPHABET = ['unknown entity ', ' (only &lt;', '&x;', 'a', ' ', '('];

describe('sender text in decode messages', () => {
  it('is found exactly where the expressions found it (20,000 generated messages each)', () => {
    const mark = (quoted: string) => `<${quoted.length}>`;
    for (let seed = 1; seed <= 20_000; seed += 1) {
      const length = 1 + (seed % 30);
      const quotes = generated(seed, QUOTE_ALPHABET, length);
      expect(replaceDoubleQuoted(quotes, mark), `seed ${seed}: ${JSON.stringify(quotes)}`).toBe(
        quotes.replace(DOUBLE_QUOTED, mark),
      );
      const snippet = generated(seed, SNIPPET_ALPHABET, 1 + (seed % 9));
      expect(hideJsonParserSnippet(snippet, '[hidden]'), `seed ${seed}: ${snippet}`).toBe(
        snippet.replace(JSON_PARSER_SNIPPET, '$1[hidden]$2'),
      );
      const entity = generated(seed, ENTITY_ALPHABET, 1 + (seed % 9));
      expect(hideUnknownEntity(entity, '[hidden]'), `seed ${seed}: ${entity}`).toBe(
        entity.replace(UNKNOWN_ENTITY, '$1[hidden]$2'),
      );
    }
  });

  it('masks a 400 KB message of quotes and escapes in linear time (a wrong envelope quoting the keys sent)', () => {
    // `{"\"\"\"…": 1}` posted to a signed URL: the wrong_envelope message names the key whole.
    const key = `"${'\\"'.repeat(200_000)}`;
    const messages = [
      `Event order_confirm expects {"orders":{"order":[…]}}, got an object with keys ${key}.`,
      `got an object with keys ${"Unexpected token 'a', ".repeat(20_000)}`,
      `got an object with keys ${'unknown entity '.repeat(20_000)}`,
    ];
    for (const message of messages) {
      const started = performance.now();
      const masked = maskDecodeMessage(message);
      expect(performance.now() - started, message.slice(0, 60)).toBeLessThan(1000);
      expect(masked.startsWith(message.slice(0, 20))).toBe(true);
    }
  });
});
