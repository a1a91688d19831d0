import { HUNGARIAN_PHONE, PREFIXED_PHONE, phoneDigits } from '../logging/phone-number.js';

/** Lower-cases and strips accents so "Győző" matches "gyozo": used for stored search text and queries alike. */
export function foldForSearch(text: string): string {
  return text.normalize('NFD').replace(/\p{M}/gu, '').toLowerCase().replace(/\s+/g, ' ').trim();
}

/** A LIKE pattern matching `query` anywhere, with LIKE wildcards escaped (use with `ESCAPE '\'`). */
export function containsPattern(query: string): string {
  return `%${foldForSearch(query).replace(/[\\%_]/g, (c) => `\\${c}`)}%`;
}

/**
 * A phone number as the search text holds it: its digits (`phoneDigits`: `+36 30 123 4567` →
 * `301234567`), each between `#`s (`#3#0#1#2#3#4#5#6#7#`), so an ordinary search word (an order number
 * such as `1234`) never matches inside a phone number, and a phone number in the query matches a whole
 * stored number only. Null when the text is no phone number.
 */
export function phoneSearchText(phone: string): string | null {
  const digits = phoneDigits(phone);
  return digits === null ? null : `#${[...digits].join('#')}#`;
}

/**
 * The search texts of a stored phone field: each number written in it (`+36 30 123 4567, 06 1 234
 * 5678` holds two), and each number the patterns don't take for one (a bare `301234567`, which in free
 * text could be anything) between them: what is left of the field once the numbers the patterns
 * found are taken out, split at list separators (`,`, `;`, `|`, ` / `, "vagy", "or"), each piece taken for
 * one number when it is written with digits and phone separators only.
 */
export function phoneFieldSearchTexts(field: string): string[] {
  const folded = foldForSearch(field);
  const numbers: string[] = [];
  let rest = 0;
  for (const run of [...phoneRuns(folded), { start: folded.length, end: folded.length, text: '' }]) {
    for (const piece of folded.slice(rest, run.start).split(PHONE_LIST_SEPARATOR)) {
      if (isBarePhone(piece)) numbers.push(piece.trim());
    }
    if (run.text !== '') numbers.push(run.text);
    rest = run.end;
  }
  const texts = numbers.map(phoneSearchText);
  return [...new Set(texts.filter((text): text is string => text !== null))];
}

/** What separates the numbers of a phone field that holds several (folded: lower case). */
const PHONE_LIST_SEPARATOR = /[,;|]|\s\/\s|\b(?:vagy|or)\b/;

/**
 * A piece of a phone field written as one number: digits and the separators phone numbers use, after
 * optional white space and `+` — what `/^\s*\+?[\d ()./-]*\d[\d ()./-]*$/` takes, checked in linear time: that
 * expression tried each of the piece's digits as its `\d`, reading the rest of the piece each time, so a
 * phone field of 40,000 digits and a letter (the customer types it at checkout; anyone with a signed URL
 * sends it) held the event loop 3.5 s while its delivery was stored.
 */
export function isBarePhone(piece: string): boolean {
  const rest = piece.trimStart(); // `\s*`: trimStart removes exactly what `\s` matches
  const number = rest.startsWith('+') ? rest.slice(1) : rest;
  return PHONE_CHARACTERS.test(number) && /\d/.test(number);
}
const PHONE_CHARACTERS = /^[\d ()./-]*$/;

/** At most this many terms (words and phone numbers) of a query are matched. */
const MAX_QUERY_TERMS = 8;

/**
 * One term of a query: it matches when any of its conditions does: a LIKE pattern, or `outsidePhones`,
 * a lone digit found anywhere but inside a stored phone number (`#3#0#1#…#`, where a LIKE `%3%`
 * would find it: list-query.ts strips the digits that follow a `#` before matching).
 */
export type SearchTerm = readonly (string | { outsidePhones: string })[];

interface PhoneRun {
  start: number;
  end: number;
  text: string;
}

/** The phone numbers written in a (folded) query, in the forms the log scrubber and masking know, not overlapping. */
function phoneRuns(folded: string): PhoneRun[] {
  const found: PhoneRun[] = [];
  for (const pattern of [PREFIXED_PHONE, HUNGARIAN_PHONE]) {
    for (const match of folded.matchAll(new RegExp(pattern))) {
      found.push({ start: match.index, end: match.index + match[0].length, text: match[0] });
    }
  }
  found.sort((a, b) => a.start - b.start || b.end - a.end);
  const runs: PhoneRun[] = [];
  for (const run of found) {
    if (run.start >= (runs.at(-1)?.end ?? 0)) runs.push(run);
  }
  return runs;
}

/**
 * `#3001`: an order number as the inspector and the CLI show it (`Order #3001`, `#3001`). No stored
 * order number holds the `#`, and the search text's phone numbers are digits between `#`s, so as an
 * ordinary word it matched no order and `#3` the inside of every phone number holding a 3.
 */
const ORDER_NUMBER_AS_SHOWN = /^#+([^#]+)$/;

/**
 * The LIKE patterns of one order number, exactly: the search text begins with the event's order
 * number (`summariseEvent`), alone or followed by ` | ` and the other parts.
 */
function orderNumberPatterns(orderNumber: string): string[] {
  const escaped = orderNumber.replace(/[\\%_]/g, (c) => `\\${c}`);
  return [`${escaped} | %`, escaped];
}

/**
 * The terms of a query, all of which must match (each is one condition of LIKE patterns):
 * - a phone number in any form the receiver knows (`+36 30 123 4567`, `06-30-123-4567`,
 *   `36301234567`, `30/123-4567`, `(1) 234-5678`) is one term matching a stored phone number with the
 *   same digits (`phoneSearchText`), never an order number that merely contains them; written as bare
 *   digits (`36301234567`) it also matches those digits as typed, as any other word would;
 * - `#3001` (a word of `#` and an order number, as the inspector and the CLI show one) matches that
 *   order number exactly; a word of `#`s only is no term;
 * - a lone digit (`7`) matches anywhere but inside a stored phone number;
 * - every other word is a term matching anywhere (folded): "Kovács Éva" and "Éva Kovács" both find
 *   the customer shown as "Kovács Éva" (either name order), "gyozo" finds "Győző", "kovacs.eva" the
 *   e-mail address `Kovacs.Eva@gmail.com`.
 */
export function searchTerms(query: string): SearchTerm[] {
  // A NUL as PostgreSQL stores it (pg-text.ts): SQLite's LIKE would end the pattern there ('%' matches all).
  const folded = foldForSearch(query.replaceAll('\u0000', '\uFFFD'));
  const terms: Array<SearchTerm[number][]> = [];
  let words = '';
  let at = 0;
  for (const run of phoneRuns(folded)) {
    const phone = phoneSearchText(run.text);
    if (phone === null) continue;
    words += ` ${folded.slice(at, run.start)}`;
    at = run.end;
    terms.push(/^\d+$/.test(run.text) ? [`%${phone}%`, containsPattern(run.text)] : [`%${phone}%`]);
  }
  words += ` ${folded.slice(at)}`;
  for (const word of words.split(' ')) {
    const orderNumber = ORDER_NUMBER_AS_SHOWN.exec(word)?.[1];
    if (orderNumber !== undefined) terms.push(orderNumberPatterns(orderNumber));
    else if (/^\d$/.test(word)) terms.push([{ outsidePhones: word }]);
    else if (/[^#]/.test(word)) terms.push([containsPattern(word)]);
  }
  const unique = new Map(terms.map((term) => [JSON.stringify(term), term]));
  return [...unique.values()].slice(0, MAX_QUERY_TERMS);
}
