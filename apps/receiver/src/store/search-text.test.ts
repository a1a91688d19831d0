import { describe, expect, it } from 'vitest';
import { isBarePhone, phoneFieldSearchTexts, searchTerms } from './search-text.js';

const MOBILE = '%#3#0#1#2#3#4#5#6#7#%';

describe('searchTerms', () => {
  it('makes one term per word, folded and deduplicated, LIKE wildcards escaped', () => {
    expect(searchTerms('  Kovács ÉVA kovacs 50%_off ')).toEqual([['%kovacs%'], ['%eva%'], ['%50\\%\\_off%']]);
  });

  it('keeps an e-mail address one word (whole or part)', () => {
    expect(searchTerms('Kovacs.Eva@Gmail.com')).toEqual([['%kovacs.eva@gmail.com%']]);
    expect(searchTerms('kovacs.eva')).toEqual([['%kovacs.eva%']]);
  });

  it.each([
    '+36 30 123 4567',
    '06-30-123-4567',
    '06 30 123 4567',
    '30/123-4567',
    '(30) 123 4567',
    '+36301234567',
  ])('takes %s for one phone number, matched as its digits only', (query) => {
    expect(searchTerms(query)).toEqual([[MOBILE]]);
  });

  it('also matches a phone number written as bare digits as typed (an order number may hold them)', () => {
    expect(searchTerms('36301234567')).toEqual([[MOBILE, '%36301234567%']]);
    expect(searchTerms('06301234567')).toEqual([[MOBILE, '%06301234567%']]);
  });

  it('separates a phone number from the words around it', () => {
    expect(searchTerms('Kovács +36 30 123 4567 éva')).toEqual([[MOBILE], ['%kovacs%'], ['%eva%']]);
    expect(searchTerms('kovacs 30/123-4567 1/234-5678')).toEqual([
      [MOBILE],
      ['%#1#2#3#4#5#6#7#8#%'],
      ['%kovacs%'],
    ]);
  });

  it('leaves digits that are no phone number as words (order numbers, parts of a number)', () => {
    expect(searchTerms('1001')).toEqual([['%1001%']]);
    expect(searchTerms('123 4567')).toEqual([['%123%'], ['%4567%']]);
    expect(searchTerms('301234567')).toEqual([['%301234567%']]);
  });

  it('takes #N, the form the inspector and the CLI show an order number in, for that order number exactly', () => {
    // '%#3001%' matched no order number (stored without '#') and '%#7%' the inside of phone numbers ('#7#')
    expect(searchTerms('#3001')).toEqual([['3001 | %', '3001']]);
    expect(searchTerms('#7 Kovács')).toEqual([['7 | %', '7'], ['%kovacs%']]);
    expect(searchTerms('##12_3')).toEqual([['12\\_3 | %', '12\\_3']]);
    expect(searchTerms('#')).toEqual([]);
  });

  it('takes a lone digit for that digit outside phone numbers (each phone digit is stored as "#d#")', () => {
    expect(searchTerms('7')).toEqual([[{ outsidePhones: '7' }]]);
    expect(searchTerms('7 kovacs')).toEqual([[{ outsidePhones: '7' }], ['%kovacs%']]);
    // two digits never match inside a phone number ("#1#2#"): an ordinary word as before
    expect(searchTerms('12')).toEqual([['%12%']]);
  });

  it('matches at most 8 terms', () => {
    expect(searchTerms('a b c d e f g h i j')).toHaveLength(8);
  });
});

describe('phone fields in linear time', () => {
  // What isBarePhone takes, as the expression the search used before (quadratic on a long piece).
  const BARE_PHONE = /^\s*\+?[\d ()./-]*\d[\d ()./-]*$/;
  const ALPHABET = ['1', '2', ' ', '\t', '+', '(', ')', '.', '/', '-', 'x', '\u00a0'];

  it('takes exactly the pieces the expression took (every piece of up to 5 characters over its alphabet)', () => {
    let pieces = [''];
    const differ: string[] = [];
    for (let length = 1; length <= 5; length += 1) {
      pieces = pieces.flatMap((piece) => ALPHABET.map((char) => piece + char));
      for (const piece of pieces) if (isBarePhone(piece) !== BARE_PHONE.test(piece)) differ.push(piece);
    }
    expect(differ).toEqual([]);
  });

  it('reads a 200,000-digit phone field ending in a letter at once (a customer can type it at checkout)', () => {
    const started = performance.now();
    expect(phoneFieldSearchTexts(`${'1'.repeat(200_000)}x`)).toEqual([]);
    expect(performance.now() - started).toBeLessThan(1000);
  });
});
