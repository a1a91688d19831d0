/** Lower-cases and strips accents so "Győző" matches "gyozo": used for stored search text and queries alike. */
export function foldForSearch(text: string): string {
  return text.normalize('NFD').replace(/\p{M}/gu, '').toLowerCase().replace(/\s+/g, ' ').trim();
}

/** A LIKE pattern matching `query` anywhere, with LIKE wildcards escaped (use with `ESCAPE '\'`). */
export function containsPattern(query: string): string {
  return `%${foldForSearch(query).replace(/[\\%_]/g, (c) => `\\${c}`)}%`;
}

/** At most this many words of a query are matched (each is one LIKE). */
const MAX_QUERY_WORDS = 8;

/**
 * One LIKE pattern per word of `query` (folded), all of which must match: "Kovács Éva" and "Éva Kovács"
 * both find the customer shown as "Kovács Éva" (either name order), "gyozo" finds "Győző".
 */
export function wordPatterns(query: string): string[] {
  const words = foldForSearch(query)
    .split(' ')
    .filter((word) => word !== '');
  return [...new Set(words)].slice(0, MAX_QUERY_WORDS).map((word) => containsPattern(word));
}
