import { z } from 'zod';

/**
 * Building blocks for ShopRenter's loosely typed data: most values arrive as strings ("9945"),
 * some as numbers (970.0714, 0), some as null, empty strings are common, and XML readers turn
 * a one-element list into a single object.
 */

/** A number sent as number or numeric string; `null`/`""` become `null`. Accepts a decimal comma ("27,5"). */
export const LooseNumberSchema = z
  .union([z.number(), z.string(), z.null()])
  .transform((value, ctx): number | null => {
    if (value === null) return null;
    if (typeof value === 'number') return value;
    const text = value.trim();
    if (text === '') return null;
    const normalised = /^-?\d+,\d+$/.test(text) ? text.replace(',', '.') : text;
    const parsed = Number(normalised);
    if (!Number.isFinite(parsed)) {
      ctx.addIssue({
        code: 'custom',
        message: 'expected a number',
        input: value,
      });
      return z.NEVER;
    }
    return parsed;
  });

/** A text value sent as string or number (ids like "190" or 190); `null` stays `null`. */
export const LooseStringSchema = z
  .union([z.string(), z.number(), z.boolean(), z.null()])
  .transform((value): string | null => (value === null ? null : String(value)));

/** A list that may arrive as a list, a single object (XML, PHP quirks), `null` or `""` (empty). */
export function looseList<T extends z.ZodType>(item: T) {
  return z.preprocess(
    (value) =>
      value === undefined || value === null || value === '' ? [] : Array.isArray(value) ? value : [value],
    z.array(item),
  );
}

/** A nested block that may arrive as an object, or as `""`/`null` when empty. */
export function looseBlock<T extends z.ZodType>(block: T) {
  return z.preprocess((value) => (value === '' || value === null ? undefined : value), block.optional());
}

export const LinkSchema = z.object({ href: z.string() });
export type Link = z.infer<typeof LinkSchema>;
