/**
 * What app-mode tests read from the receiver's admin area with the fixture's admin token: a shop's row of
 * `GET /admin/api/shops` (now, or once it is as a test waits for), and an inspector page's HTML.
 */
import { ADMIN_TOKEN, eventually } from './app-mode-fixture.js';

/** A shop's row in `GET /admin/api/shops`: the fields these tests read. */
export interface ShopRow {
  name: string;
  status: string;
  subscriptions: Array<{ event: string; id?: string }>;
  pendingReason: string | null;
  attempts: number;
  nextAttemptAt: string | null;
}

/** `shop`'s row in `GET {baseUrl}/admin/api/shops`, or undefined when the receiver lists no such shop. */
export async function shopRow(baseUrl: string, shop: string): Promise<ShopRow | undefined> {
  const response = await fetch(`${baseUrl}/admin/api/shops`, {
    headers: { authorization: `Bearer ${ADMIN_TOKEN}` },
  });
  return ((await response.json()).items as ShopRow[]).find((item) => item.name === shop);
}

/** Polls `shop`'s row until `until` holds for it, and answers it (throws after `timeoutMs`). */
export function shopRowWhen(
  baseUrl: string,
  shop: string,
  until: (row: ShopRow) => boolean,
  timeoutMs = 30_000,
): Promise<ShopRow> {
  return eventually(async () => {
    const row = await shopRow(baseUrl, shop);
    return row && until(row) ? row : undefined;
  }, timeoutMs);
}

/** An inspector page's HTML (`GET {baseUrl}{path}` with the admin token), whatever its status. */
export async function inspectorPage(baseUrl: string, path: string): Promise<string> {
  return (await fetch(`${baseUrl}${path}`, { headers: { authorization: `Bearer ${ADMIN_TOKEN}` } })).text();
}
