/**
 * A delivery's request headers other than the protocol's own are text from outside, like its body
 * (found by the receiver QA: a sender's `X-Customer`, `Referer` and `User-Agent` carried a name, an
 * e-mail address and a phone number): the inspector shows their values only with "Show personal data",
 * an erasure keeps only the protocol headers, credential-named headers are never stored, and UTF-8
 * values are stored as UTF-8 (they were read as Latin-1: `RÃ³zsa`). Real receiver over HTTP, on both
 * stores.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  type BrowserSession,
  bearer,
  loginAsBrowser,
  order,
  orderDelivery,
  pageText,
  startAdminReceiver,
} from '../admin/test-support/admin-test-receiver.js';
import type { ReceiverConfigInput } from '../config/config-schema.js';
import { TEST_DATABASE_URL, testSchemas } from '../test-support/postgres-schema.js';
import type { TestReceiver } from '../test-support/test-receiver.js';

const newSchema = testSchemas('rcv_headers');
const CUSTOMER = 'Rózsa Vilmos vilmos.rozsa@pmail.hu 06-20-765-4321';
/** Header values are bytes; Node's fetch writes a string's characters as Latin-1 bytes, so UTF-8 goes as its bytes. */
const utf8Bytes = (text: string): string => Buffer.from(text, 'utf8').toString('latin1');

describe.each<[string, () => Partial<ReceiverConfigInput>]>([
  ['SQLite', () => ({})],
  ['PostgreSQL', () => ({ databaseUrl: TEST_DATABASE_URL, databaseSchema: newSchema() })],
])("a delivery's request headers on %s", (_engine, storeConfig) => {
  let receiver: TestReceiver;
  let browser: BrowserSession;
  let deliveryId = '';

  beforeAll(async () => {
    receiver = await startAdminReceiver(storeConfig());
    browser = await loginAsBrowser(receiver);
    const { contentType, body } = orderDelivery([order(1, { innerId: '7002' })]);
    const response = await fetch(`${receiver.baseUrl}${receiver.path('demo', 'order_confirm')}`, {
      method: 'POST',
      headers: {
        'content-type': contentType,
        'user-agent': 'ShopRenter',
        'x-customer': utf8Bytes(CUSTOMER),
        referer: 'http://x/?email=hdr.leak@pmail.hu',
        'x-access-token': 'tok-123456',
        'api-key': 'key-123456',
        'x-webhook-secret': 'sec-123456',
        'x-amz-security-token': 'amz-123456',
      },
      body: new Uint8Array(body),
    });
    expect(response.status).toBe(200);
    deliveryId = ((await response.json()) as { deliveryId: string }).deliveryId;
  });

  afterAll(async () => {
    await receiver?.close();
  });

  const page = (path: string): Promise<string> => pageText(receiver.baseUrl, browser.cookie, path);

  it('stores UTF-8 values as UTF-8, and no header named as a credential', async () => {
    const stored = (await receiver.app.store.getDelivery(deliveryId))?.headers ?? {};
    expect(stored['x-customer']).toBe(CUSTOMER);
    for (const credential of ['x-access-token', 'api-key', 'x-webhook-secret', 'x-amz-security-token']) {
      expect(stored, credential).not.toHaveProperty(credential);
    }
    expect(stored).toMatchObject({ 'user-agent': 'ShopRenter', host: expect.any(String) });
  });

  it("shows other headers' values only with Show personal data", async () => {
    const masked = await page(`/ui/deliveries/${deliveryId}`);
    for (const personal of ['Rózsa', 'vilmos.rozsa', '765-4321', 'hdr.leak']) {
      expect(masked, personal).not.toContain(personal);
    }
    expect(masked).toContain('x-customer');
    expect(masked).toContain(`hidden (${Array.from(CUSTOMER).length} characters)`);
    expect(masked).toContain('ShopRenter'); // the documented User-Agent, and the protocol's headers, stay
    expect(masked).toContain('multipart/form-data');
    const revealed = await page(`/ui/deliveries/${deliveryId}?reveal=1`);
    expect(revealed).toContain('Rózsa Vilmos vilmos.rozsa@pmail.hu 06-20-765-4321');
    expect(revealed).toContain('hdr.leak@pmail.hu');
  });

  it('keeps only the protocol headers of an erased delivery', async () => {
    const erase = await fetch(`${receiver.baseUrl}/admin/api/personal-data/erase`, {
      method: 'POST',
      headers: { ...bearer(), 'content-type': 'application/json' },
      body: JSON.stringify({
        shop: 'demo',
        orderId: '7002',
        reason: 'GDPR-2026-77',
        includeUnfinished: true,
      }),
    });
    expect(erase.status).toBe(200);
    const stored = (await receiver.app.store.getDelivery(deliveryId))?.headers ?? {};
    expect(stored).not.toHaveProperty('x-customer');
    expect(stored).not.toHaveProperty('referer');
    expect(stored).toMatchObject({
      'user-agent': 'ShopRenter',
      'content-type': expect.stringContaining('multipart'),
    });
    const revealed = await page(`/ui/deliveries/${deliveryId}?reveal=1`);
    expect(revealed).not.toContain('Rózsa');
    expect(revealed).not.toContain('hdr.leak');
  });
});
