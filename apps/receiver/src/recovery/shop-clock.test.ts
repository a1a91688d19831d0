import { ServerClock, type ShopRenterClient } from '@srhooks/client';
import { describe, expect, it } from 'vitest';
import { LAG_TOLERANCE_MS, READING_FRESH_MS, shopClockLag } from './shop-clock.js';

const NOW = Date.parse('2026-12-06T12:00:00Z');

/** A client whose every read answers with a shop clock `behindMs` behind, recording what was read. */
function shop(behindMs: number) {
  const clock = new ServerClock(() => NOW);
  const reads: string[] = [];
  const answer = () => clock.observe(new Date(NOW - behindMs).toUTCString());
  const client = {
    serverClock: clock,
    orders: {
      search: async (params: Record<string, unknown>) => {
        reads.push(`orders ${JSON.stringify(params)}`);
        answer();
        return { page: 0, items: [], hasNext: false };
      },
    },
    newsletterSubscribers: {
      all: async (params: Record<string, unknown>) => {
        reads.push(`subscribers ${JSON.stringify(params)}`);
        answer();
        return [];
      },
    },
  } as unknown as ShopRenterClient;
  return { client, clock, reads };
}

const both = { orders: true, subscribers: true };

describe('shopClockLag', () => {
  it('reads the clock with a search that finds nothing (orders changed after tomorrow) when it has no reading', async () => {
    const { client, reads } = shop(900_000);
    expect(await shopClockLag(client, both, () => NOW)).toEqual({ behindMs: 900_000, probe: 'orders' });
    expect(reads).toEqual(['orders {"updatedAtMin":"2026-12-07T13:00:00","limit":1}']);
  });

  it('uses a reading at most an hour old without a read; reads again when it is older', async () => {
    const fresh = shop(900_000);
    fresh.clock.observe(new Date(NOW - 660_000).toUTCString()); // a reading taken at NOW: 11 minutes behind
    const later = () => NOW + READING_FRESH_MS;
    expect(await shopClockLag(fresh.client, both, later)).toEqual({ behindMs: 660_000, probe: null });
    expect(fresh.reads).toEqual([]);
    expect(await shopClockLag(fresh.client, both, () => NOW + READING_FRESH_MS + 1)).toEqual({
      behindMs: 900_000,
      probe: 'orders',
    });
  });

  it('reads subscribers (subscribed tomorrow) for a pass that reads no orders; nothing for a pass that reads nothing', async () => {
    const subscribersOnly = shop(900_000);
    const lag = await shopClockLag(subscribersOnly.client, { orders: false, subscribers: true }, () => NOW);
    expect(lag).toEqual({ behindMs: 900_000, probe: 'subscribers' });
    expect(subscribersOnly.reads).toEqual(['subscribers {"status":1,"subscribedAt":"2026-12-07"}']);
    const nothing = shop(900_000);
    expect(await shopClockLag(nothing.client, { orders: false, subscribers: false }, () => NOW)).toEqual({
      behindMs: 0,
      probe: null,
    });
    expect(nothing.reads).toEqual([]);
  });

  it('counts a lag within the tolerance, or a shop ahead, as none', async () => {
    expect((await shopClockLag(shop(LAG_TOLERANCE_MS).client, both, () => NOW)).behindMs).toBe(0);
    expect((await shopClockLag(shop(LAG_TOLERANCE_MS + 1000).client, both, () => NOW)).behindMs).toBe(
      LAG_TOLERANCE_MS + 1000,
    );
    expect((await shopClockLag(shop(-600_000).client, both, () => NOW)).behindMs).toBe(0);
  });
});
