import { parseShopDateTime } from '@srhooks/contracts';
import { ABANDONED_CART_STATUS } from '../../assumptions.js';
import { apiErrors } from '../../errors.js';
import { shippingModeInnerId } from '../../simulator/shipping-mode.js';
import type { StoredOrder } from '../../state/shop-data.js';
import { parseOrderStatusId } from '../resource-ids.js';

/**
 * The documented search parameters of `GET /orders` (FACTS.md §6) as one predicate. A malformed
 * datetime answers 40009, a malformed date 40017 (02_status_codes.md). Dates are
 * shop-local (`2013-01-01T10:30:00`, a day `2013-01-01` for `createdAt`/`updatedAt`) and compared
 * to the second, as the API shows them. The sandbox has no storno orders (`excludeStorno` keeps
 * all), each order's shipping mode is the one its delivery's `shippingInnerResourceId` names, and
 * there is no external info (`externalInfo` matches nothing).
 */
export type OrderPredicate = (order: StoredOrder) => boolean;

/** The documented search parameters of `GET /orders` (beside `page`, `limit`, `full`). */
export const SEARCH_PARAMETERS = [
  'innerId',
  'innerIdMin',
  'orderStatusId',
  'email',
  'excludeAbandonedCart',
  'excludeStorno',
  'createdAtMin',
  'createdAtMax',
  'updatedAtMin',
  'updatedAtMax',
  'createdAt',
  'updatedAt',
  'shippingModeInnerId',
  'externalInfo',
] as const;

function single(query: Record<string, unknown>, name: string): string | undefined {
  const raw = query[name];
  if (raw === undefined) return undefined;
  const text = Array.isArray(raw) ? raw.at(-1) : raw;
  return typeof text === 'string' ? text : String(text);
}

/** `createdAtMin`… are datetimes (FACTS.md §6: `2013-01-01T10:30:00`): anything else → 40009. */
function timeParam(name: string, text: string): number {
  const instant = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}$/.test(text) ? parseShopDateTime(text) : undefined;
  if (!instant) throw apiErrors.invalidDateTime(name, text);
  return instant.getTime();
}

/** `createdAt`/`updatedAt` are dates (a day, `2013-01-01`): anything else → 40017. */
function dayParam(name: string, text: string): string {
  if (!isCalendarDay(text)) throw apiErrors.invalidDate(name, text);
  return text;
}

function isCalendarDay(text: string): boolean {
  if (!/^\d{4}-\d{2}-\d{2}$/.test(text)) return false;
  const date = new Date(`${text}T00:00:00Z`);
  return !Number.isNaN(date.getTime()) && date.toISOString().slice(0, 10) === text;
}

function flag(name: string, text: string): boolean {
  if (text !== '0' && text !== '1') throw apiErrors.wrongData(`Wrong data in '${name}': use 0 or 1.`);
  return text === '1';
}

/** Seconds precision: the API shows times to the second. */
function second(iso: string): number {
  return Math.floor(Date.parse(iso) / 1000) * 1000;
}

/** Shop-local day of an instant (`YYYY-MM-DD`). */
function shopDay(iso: string, format: (date: Date) => string): string {
  return format(new Date(iso)).slice(0, 10);
}

export function orderSearch(
  query: Record<string, unknown>,
  shopDateTime: (date: Date) => string,
): OrderPredicate {
  const tests: OrderPredicate[] = [];
  for (const name of SEARCH_PARAMETERS) {
    const value = single(query, name);
    if (value === undefined || value === '') continue;
    switch (name) {
      case 'innerId':
        tests.push((o) => String(o.item.innerId) === value);
        break;
      case 'innerIdMin': {
        if (!/^[0-9]+$/.test(value))
          throw apiErrors.wrongData(`Wrong data in 'innerIdMin': use a whole number.`);
        const min = Number(value);
        tests.push((o) => Number(o.item.innerId) >= min);
        break;
      }
      case 'orderStatusId': {
        // The status's resource id only: "it is necessary to enter the resource identifier of the
        // given order status" (sr-api-docs `fixtures/api/order/data.json`); a bare number is refused.
        const status = parseOrderStatusId(value);
        if (status === undefined)
          throw apiErrors.wrongId('orderStatuses', value, 'orderStatus-order_status_id=');
        tests.push(
          (o) => String((o.item.orderHistory as { status?: unknown } | undefined)?.status) === status,
        );
        break;
      }
      case 'email':
        tests.push((o) => String(o.item.email ?? '').toLowerCase() === value.toLowerCase());
        break;
      case 'excludeAbandonedCart':
        if (flag(name, value)) {
          tests.push(
            (o) =>
              String((o.item.orderHistory as { status?: unknown } | undefined)?.status) !==
              ABANDONED_CART_STATUS.status,
          );
        }
        break;
      case 'excludeStorno':
        flag(name, value);
        break;
      case 'createdAtMin': {
        const min = timeParam(name, value);
        tests.push((o) => second(o.createdAt) >= min);
        break;
      }
      case 'createdAtMax': {
        const max = timeParam(name, value);
        tests.push((o) => second(o.createdAt) <= max);
        break;
      }
      case 'updatedAtMin': {
        const min = timeParam(name, value);
        tests.push((o) => second(o.updatedAt) >= min);
        break;
      }
      case 'updatedAtMax': {
        const max = timeParam(name, value);
        tests.push((o) => second(o.updatedAt) <= max);
        break;
      }
      case 'createdAt': {
        const day = dayParam(name, value);
        tests.push((o) => shopDay(o.createdAt, shopDateTime) === day);
        break;
      }
      case 'updatedAt': {
        const day = dayParam(name, value);
        tests.push((o) => shopDay(o.updatedAt, shopDateTime) === day);
        break;
      }
      case 'shippingModeInnerId':
        tests.push((o) => shippingModeInnerId(o.item) === value);
        break;
      case 'externalInfo':
        tests.push(() => false);
        break;
    }
  }
  return (order) => tests.every((test) => test(order));
}

/** The search parameters given, as a query string suffix for the page links (`&updatedAtMin=…`). */
export function searchSuffix(query: Record<string, unknown>): string {
  const params = new URLSearchParams();
  for (const name of SEARCH_PARAMETERS) {
    const value = single(query, name);
    if (value !== undefined && value !== '') params.set(name, value);
  }
  const text = params.toString();
  return text === '' ? '' : `&${text}`;
}
