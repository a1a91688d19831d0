/** The json-bytes parameter of the ingest functions: the same bytes as the JSON array text it replaces. */
import { describe, expect, it } from 'vitest';
import { jsonArrayBytes } from './pg-ingest-batch.js';

/** What jsonArrayBytes writes by hand: the array text, joined, then encoded (Buffer.from). */
const reference = (texts: readonly string[]) => Buffer.from(`[${texts.join(',')}]`, 'utf8');

describe('jsonArrayBytes', () => {
  const cases: Record<string, string[]> = {
    'no texts': [],
    'one text': ['{"a":1}'],
    'several texts': ['{"a":1}', '"x"', '[]', 'null'],
    'multi-byte and astral characters': [
      JSON.stringify({ name: 'Kovács Éva', note: '„idézet” ő ű' }),
      JSON.stringify('😀🇭🇺'),
      JSON.stringify({ nul: '\u0000', lone: '\ud800' }),
    ],
    'long texts': Array.from({ length: 40 }, (_, i) => JSON.stringify({ i, text: 'é'.repeat(500 + i) })),
  };
  for (const [name, texts] of Object.entries(cases)) {
    it(`writes the same bytes as the joined array text: ${name}`, () => {
      const bytes = jsonArrayBytes(texts);
      expect(bytes.equals(reference(texts))).toBe(true);
      expect(JSON.parse(bytes.toString('utf8'))).toEqual(texts.map((text) => JSON.parse(text)));
    });
  }
});
