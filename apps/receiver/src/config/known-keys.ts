/**
 * The keys a strict object of a zod schema takes at a path of its input (`shops[0]` → name, webhooks,
 * …), for the "did you mean …?" of an unknown key: wrappers (optional, default, pipe, …) are looked
 * through, a list's element and a record's value followed, a union's options all taken. [] where the
 * path leads to no object.
 */
import type { z } from 'zod';

interface SchemaDef {
  type: string;
  shape?: Record<string, z.ZodType>;
  innerType?: z.ZodType;
  in?: z.ZodType;
  element?: z.ZodType;
  valueType?: z.ZodType;
  options?: readonly z.ZodType[];
}

const WRAPPERS = new Set(['optional', 'default', 'prefault', 'nullable', 'readonly', 'catch', 'nonoptional']);

function defOf(schema: z.ZodType): SchemaDef {
  return (schema as unknown as { _zod: { def: SchemaDef } })._zod.def;
}

/** The schema itself, or the options of a union, each with its wrappers looked through. */
function unwrapped(schema: z.ZodType): z.ZodType[] {
  let current = schema;
  for (;;) {
    const def = defOf(current);
    if (WRAPPERS.has(def.type) && def.innerType) current = def.innerType;
    else if (def.type === 'pipe' && def.in) current = def.in;
    else if (def.type === 'union' && def.options) return def.options.flatMap(unwrapped);
    else return [current];
  }
}

export function knownKeysAt(schema: z.ZodType, path: readonly PropertyKey[]): string[] {
  const keys = new Set<string>();
  for (const candidate of unwrapped(schema)) {
    const def = defOf(candidate);
    const [head, ...rest] = path;
    if (head === undefined) {
      for (const key of Object.keys(def.shape ?? {})) keys.add(key);
      continue;
    }
    const next =
      def.type === 'object'
        ? def.shape?.[String(head)]
        : def.type === 'array'
          ? def.element
          : def.type === 'record'
            ? def.valueType
            : undefined;
    if (next) for (const key of knownKeysAt(next, rest)) keys.add(key);
  }
  return [...keys];
}
