/**
 * Request bodies sent as forms (FACTS.md §2: `multipart/form-data` is accepted besides JSON), with
 * PHP's bracket notation for nested data, as ShopRenter's PHP back end reads them:
 * `webHookParameters[0][url]=…`, `webHookParameters[0][fields][]=order_innerId`.
 * ASSUMPTION (the documentation shows JSON bodies only): forms nest exactly as PHP's `$_POST` does.
 */

type Nested = Record<string, unknown> | unknown[];

/** `a[b][0][]` → `['a', 'b', '0', '']`; `null` when the name is not bracket notation PHP would accept. */
function nameSegments(name: string): string[] | null {
  const match = /^([^[\]]+)((?:\[[^[\]]*\])*)$/.exec(name);
  if (!match) return null;
  const segments = [match[1] as string];
  for (const bracket of (match[2] ?? '').matchAll(/\[([^[\]]*)\]/g)) segments.push(bracket[1] as string);
  return segments;
}

const isIndex = (segment: string): boolean => segment === '' || /^\d+$/.test(segment);

function setPath(root: Record<string, unknown>, segments: string[], value: string): void {
  let container: Nested = root;
  segments.forEach((segment, index) => {
    const last = index === segments.length - 1;
    const next = segments[index + 1];
    const key = segment === '' && Array.isArray(container) ? String(container.length) : segment;
    const target = container as Record<string, unknown>;
    if (last) {
      target[key] = value;
      return;
    }
    let child = target[key];
    if (child === null || typeof child !== 'object') {
      child = next !== undefined && isIndex(next) ? [] : {};
      target[key] = child;
    }
    container = child as Nested;
  });
}

/** Name/value pairs of a form → the nested object PHP would build from them. */
export function nestFormFields(pairs: Iterable<readonly [string, string]>): Record<string, unknown> {
  const root: Record<string, unknown> = {};
  for (const [name, value] of pairs) {
    const segments = nameSegments(name);
    if (segments) setPath(root, segments, value);
  }
  return root;
}
