/**
 * A refusal of an admin API request field said as the command line says it: by the flag the user typed
 * (`--search`, `--from`), never the API's field (`q`, `query.from`).
 */

/** The parts of an admin API error answer that name a refused field. */
export interface RefusedField {
  code?: string;
  in?: string;
  field?: string;
}

/** The admin API's query and body fields that the commands fill from a flag of another name. */
const FIELD_FLAGS: Record<string, string> = {
  q: '--search',
  deliveryId: '--delivery',
  olderThanDays: '--older-than',
};

/**
 * The flag a command filled an admin API query or body field from: `q` → `--search`, `eventStatus` →
 * `--event-status`, `from` → `--from`.
 */
export function flagOfField(field: string): string {
  return FIELD_FLAGS[field] ?? `--${field.replace(/[A-Z]/g, (letter) => `-${letter.toLowerCase()}`)}`;
}

/**
 * A refused request field as the command line says it, since the user typed the flag, never the API's
 * field: `--from is invalid: must be …` for an `invalid_request` naming a query or body field
 * (`query.from: must be …`), and `--handler "x" is not configured; …` for any other refusal whose
 * message starts with its bare field (`handler: "x" is not configured; …`). Any other answer's message
 * as the receiver put it.
 */
export function refusedFieldMessage(error: RefusedField | undefined, message: string): string {
  const { code, field, in: where } = error ?? {};
  if (typeof field !== 'string' || !/^[A-Za-z]+$/.test(field)) return message;
  const flag = flagOfField(field);
  if (code === 'invalid_request' && (where === 'query' || where === 'body')) {
    const prefix = `${where}.${field}: `;
    const reason = message.startsWith(prefix) ? message.slice(prefix.length) : message;
    return `${flag} is invalid: ${boundsAsFlags(reason)}`;
  }
  return message.startsWith(`${field}: `)
    ? `${flag} ${boundsAsFlags(message.slice(field.length + 2))}`
    : message;
}

/**
 * A reason naming the other bound of a window by its field, as the flags say it: `to`'s "must be later
 * than from" → "… than --from", backfill's `from` "must be earlier than to (or than now, without to)" →
 * "… than --to (or than now, without --to)".
 */
function boundsAsFlags(reason: string): string {
  return reason
    .replace(/\blater than from\b/, 'later than --from')
    .replace(/\bearlier than to\b/, 'earlier than --to')
    .replace(/\bwithout to\)/, 'without --to)');
}
