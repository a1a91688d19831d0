import { dedupeFieldsMissing, type WebhookEvent } from '@srhooks/contracts';

/**
 * The warning for a subscription whose `fields` leave out what srhooks's dedupe key reads (see
 * contracts' dedupeFieldsMissing): the receiver would then record some genuine events as duplicates
 * of earlier ones, and their handlers would never run. Null when nothing is missing.
 */
export function dedupeFieldsWarning(
  where: string,
  event: WebhookEvent,
  fields: readonly string[] | undefined,
): string | null {
  const missing = dedupeFieldsMissing(event, fields);
  if (missing.length === 0) return null;
  const harm =
    event === 'order_status_change'
      ? missing.includes('order_innerId') || missing.includes('orderHistory_status')
        ? 'the receiver cannot tell one status change of an order from the next, so it records the later ones as duplicates and their handlers never run'
        : 'the receiver cannot tell two changes of an order to the same status apart, so it records the later one as a duplicate and its handlers never run'
      : 'the receiver can only tell items apart by the selected values, so different items with equal values are recorded as duplicates and their handlers never run';
  return `${where}: the selected fields leave out ${missing.join(', ')}: ${harm}; add ${missing.join(',')} to the fields (or select no fields: the shop's default set has them)`;
}
