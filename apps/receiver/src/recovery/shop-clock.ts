/**
 * How far a shop's clock is behind this receiver's, for a recovery pass. The pass asks the shop what
 * changed since a time; the shop answers by its own clock (`dateUpdated`, shop-local wall times). With the
 * receiver's clock ahead by more than the pass's overlap (`recoveryOverlapSeconds`, default 5 minutes),
 * what changed just before the watermark on the shop's clock lay before the next pass's start: orders
 * whose deliveries were lost were never read. The pass therefore reads by the shop's clock, as the `Date`
 * header of the shop's API answers shows it (the client's `serverClock`; ShopRenter's answers are
 * assumed to carry one from the clock that stamps its orders, contracts' A46).
 *
 * A reading at most {@link READING_FRESH_MS} old is used (the last pass's reads, every 10 minutes by
 * default); else one read that finds nothing takes one — orders changed after tomorrow, or, for a pass
 * that wants subscribers only, those subscribed tomorrow — which the pass counts as one of its reads. A
 * lag within {@link LAG_TOLERANCE_MS} is the header's whole second and the answer's travel time, not
 * clocks apart: 0. A shop ahead of the receiver is 0 too (reading from earlier than needed loses nothing).
 */
import type { ShopRenterClient } from '@srhooks/client';
import { shopApiDateTime, shopDateTime } from '@srhooks/contracts';

/** How old a reading of the shop's clock may be for a pass (clocks drift seconds a day). */
export const READING_FRESH_MS = 60 * 60_000;
/** A lag up to this is measuring noise (the Date header's whole seconds, the answer's travel time). */
export const LAG_TOLERANCE_MS = 2000;

/**
 * How much further behind the shop's clock is at its last answer than `usedMs` (what a pass read by),
 * in ms; 0 within {@link LAG_TOLERANCE_MS}. A shop clock set back during a pass would stamp what changes
 * next with times the pass has read past; the pass's watermark must then stay where it was: the next
 * pass, reading by the new lag from the previous watermark, covers every time stamped since the
 * change (the previous watermark lies before it: a pass that saw a change kept its own).
 */
export function shopClockSetBack(client: ShopRenterClient, usedMs: number): number {
  const behind = Math.max(0, client.serverClock.last()?.behindMs ?? 0);
  return behind - usedMs > LAG_TOLERANCE_MS ? behind - usedMs : 0;
}

export interface ShopClockLag {
  /** How far the shop's clock is behind this receiver's in ms (0: none worth moving the window for). */
  behindMs: number;
  /** Which read this took (none: a fresh reading was there, or the pass reads nothing). */
  probe: 'orders' | 'subscribers' | null;
}

/** The shop's lag; `reads` says what the pass will read (the probe uses the same resource and scope). */
export async function shopClockLag(
  client: ShopRenterClient,
  reads: { orders: boolean; subscribers: boolean },
  now: () => number,
  signal?: AbortSignal,
): Promise<ShopClockLag> {
  let reading = client.serverClock.last();
  let probe: ShopClockLag['probe'] = null;
  if ((reading === null || now() - reading.at > READING_FRESH_MS) && (reads.orders || reads.subscribers)) {
    const tomorrow = new Date(now() + 86_400_000);
    const call = signal ? { signal } : {};
    if (reads.orders) {
      probe = 'orders';
      await client.orders.search({ updatedAtMin: shopApiDateTime(tomorrow), limit: 1 }, call);
    } else {
      probe = 'subscribers';
      await client.newsletterSubscribers.all(
        { status: 1, subscribedAt: shopDateTime(tomorrow).slice(0, 10) },
        call,
      );
    }
    reading = client.serverClock.last();
  }
  const lag = reading?.behindMs ?? 0;
  return { behindMs: lag > LAG_TOLERANCE_MS ? lag : 0, probe };
}
