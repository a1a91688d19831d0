/**
 * A person's full name as srhooks shows it, composed in one place. ShopRenter keeps names in two
 * fields, `firstname` and `lastname` ("Customer firstname" / "Customer lastname" in the field list,
 * documented; the same on the shipping and billing addresses and on newsletter subscribers). Hungarian
 * writes the family name first (`Kovács Éva`), so every view, list and CLI line shows
 * `lastname firstname`, and masked forms follow the same order (`K*** É***`).
 */

/** The name fields of a delivery or API item, as loosely typed as payloads come. */
export interface PersonNameFields {
  /** The given name (`Éva`). */
  readonly firstname?: unknown;
  /** The family name (`Kovács`). */
  readonly lastname?: unknown;
}

function namePart(value: unknown): string | null {
  if (typeof value === 'string') return value.trim() === '' ? null : value.trim();
  if (typeof value === 'number' && Number.isFinite(value)) return String(value);
  return null;
}

/**
 * `{firstname: 'Éva', lastname: 'Kovács'}` → `Kovács Éva` (family name first); one part alone is the
 * name; neither (missing, empty, not text) → null.
 */
export function fullName(fields: PersonNameFields): string | null {
  const parts = [namePart(fields.lastname), namePart(fields.firstname)].filter(
    (part): part is string => part !== null,
  );
  return parts.length === 0 ? null : parts.join(' ');
}
