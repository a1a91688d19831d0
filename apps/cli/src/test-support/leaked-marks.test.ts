import { describe, expect, it } from 'vitest';
import { ownSgrEscapes, ownSgrMark } from '../output/own-escapes.js';
import { outputWithLeakedMark } from './leaked-marks.js';

describe('outputWithLeakedMark (the per-file check that no colour mark is printed)', () => {
  it('finds a mark style.ts writes, and nothing in text whose marks became escapes', () => {
    const styled = `${ownSgrMark(31)}failed${ownSgrMark(39)}`;
    expect(outputWithLeakedMark(['ok\n', `x ${styled}\n`])).toBe(`x ${styled}\n`);
    expect(outputWithLeakedMark([ownSgrEscapes(styled), 'plain \uE000 text'])).toBeUndefined();
  });
});
