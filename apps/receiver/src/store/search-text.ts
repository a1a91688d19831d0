/** Lower-cases and strips accents so "Győző" matches "gyozo": used for stored search text and queries alike. */
export function foldForSearch(text: string): string {
  return text.normalize('NFD').replace(/\p{M}/gu, '').toLowerCase().replace(/\s+/g, ' ').trim();
}

/** A LIKE pattern matching `query` anywhere, with LIKE wildcards escaped (use with `ESCAPE '\'`). */
export function containsPattern(query: string): string {
  return `%${foldForSearch(query).replace(/[\\%_]/g, (c) => `\\${c}`)}%`;
}
