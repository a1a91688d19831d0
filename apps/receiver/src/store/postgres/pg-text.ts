/**
 * PostgreSQL `text` cannot hold U+0000 ("invalid byte sequence for encoding UTF8: 0x00"), but a
 * delivery's fields, a decode error quoting the body or a target's error message can. Such characters
 * are replaced with U+FFFD so the row is stored instead of the write failing. (Raw bodies are bytea and
 * JSON escapes U+0000, so both keep every byte.)
 */
export function pgText(value: string): string {
  return value.includes('\u0000') ? value.replaceAll('\u0000', '\uFFFD') : value;
}

/** Applies pgText to every string parameter and to strings inside array parameters. */
export function pgValues(values: readonly unknown[]): unknown[] {
  return values.map((value) => {
    if (typeof value === 'string') return pgText(value);
    if (Array.isArray(value)) return value.map((item) => (typeof item === 'string' ? pgText(item) : item));
    return value;
  });
}
