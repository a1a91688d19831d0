/**
 * The optional `verify: true` step of a shop: deliveries are unsigned, so before handlers act on an
 * order, the order is fetched back from the shop's API (`orders.get(innerResourceId)`) and compared with
 * what was delivered: innerId, gross total and customer name. A match marks the event `verified`; a
 * difference, or an order the shop does not know, marks it `mismatched` (the worker then holds its jobs
 * until someone replays the event). Errors reaching the API (network, 5xx, auth) are thrown: the job is
 * retried later, nothing is marked.
 *
 * Verified events: `order_confirm` and `order_status_change`. Abandoned carts are not orders in the API
 * and newsletter events have no order, so they are not verified.
 */
import { NotFoundError, type ShopRenterClient } from '@srhooks/client';
import {
  fullName,
  type Order,
  type OrderItem,
  orderIdFor,
  orderIdFromResourcePath,
  type PersonNameFields,
} from '@srhooks/contracts';

export const VERIFIED_EVENTS: ReadonlySet<string> = new Set(['order_confirm', 'order_status_change']);

export interface VerificationResult {
  status: 'verified' | 'mismatched';
  detail: string;
}

/** Tolerance for total comparisons: the API has 4 decimals, deliveries may be rounded to whole units. */
const TOTAL_TOLERANCE = 1;

export async function verifyOrder(
  client: ShopRenterClient,
  delivered: OrderItem,
): Promise<VerificationResult> {
  const innerId = text(delivered.innerId);
  const resource = text(delivered.innerResourceId);
  const id = resource ? orderIdFromResourcePath(resource) : innerId ? orderIdFor(innerId) : null;
  if (id === null) {
    return {
      status: 'mismatched',
      detail:
        'the delivery carries neither innerResourceId nor innerId, so it cannot be checked against the shop',
    };
  }
  let order: Order;
  try {
    order = await client.orders.get(id);
  } catch (error) {
    if (error instanceof NotFoundError) {
      return { status: 'mismatched', detail: `the shop has no order ${id} (the delivery may be forged)` };
    }
    throw error;
  }
  return compareOrder(delivered, order);
}

/** Compares the fields both sides carry; reports every difference. */
export function compareOrder(delivered: OrderItem, order: Order): VerificationResult {
  const differences: string[] = [];
  const checked: string[] = [];

  const innerId = text(delivered.innerId);
  if (innerId !== null) {
    checked.push('innerId');
    if (innerId !== String(order.innerId))
      differences.push(`innerId delivered ${innerId}, shop has ${order.innerId}`);
  }

  // The API order's `total` is the gross total ("Order gross price"); the delivery's `total` is
  // the net one ("Order net total", field order_total), so only `totalGross` is comparable.
  const deliveredTotal = delivered.totalGross;
  if (typeof deliveredTotal === 'number' && typeof order.total === 'number') {
    checked.push('total');
    if (Math.abs(deliveredTotal - order.total) > TOTAL_TOLERANCE) {
      differences.push(`gross total delivered ${deliveredTotal}, shop has ${order.total}`);
    }
  }

  const deliveredName = comparableName(delivered);
  const shopName = comparableName(order);
  if (deliveredName !== null && shopName !== null) {
    checked.push('customer name');
    // Names are personal data: the detail says that they differ, not what they are.
    if (deliveredName !== shopName) differences.push('customer name differs');
  }

  if (differences.length > 0) return { status: 'mismatched', detail: differences.join('; ') };
  if (checked.length === 0) {
    return {
      status: 'mismatched',
      detail: 'the delivery has none of innerId, total or customer name to compare',
    };
  }
  return { status: 'verified', detail: `matches the shop's order on ${checked.join(', ')}` };
}

function text(value: unknown): string | null {
  if (typeof value === 'number') return String(value);
  if (typeof value !== 'string') return null;
  const trimmed = value.trim();
  return trimmed === '' ? null : trimmed;
}

/** The full name (contracts' `fullName`) in one Unicode form, lower case, single spaces. */
function comparableName(fields: PersonNameFields): string | null {
  const name = fullName(fields);
  return name === null ? null : name.normalize('NFC').toLocaleLowerCase('hu').replace(/\s+/g, ' ');
}
