/** The captured ShopRenter deliveries in packages/contracts/fixtures/shoprenter/deliveries, read by path. */
import { readFileSync } from 'node:fs';

const DELIVERIES = new URL('../../../../packages/contracts/fixtures/shoprenter/deliveries/', import.meta.url);

export type DeliveryFixture = 'order_confirm' | 'newsletter_subscribe';

/** The complete raw HTTP request with the token placeholder replaced (exact bytes otherwise). */
export function deliveryRequest(name: DeliveryFixture, token: string): Buffer {
  const raw = readFileSync(new URL(`${name}.multipart.http`, DELIVERIES));
  const placeholder = Buffer.from('REPLACE_WITH_TOKEN');
  const at = raw.indexOf(placeholder);
  if (at === -1) throw new Error(`${name}.multipart.http has no REPLACE_WITH_TOKEN`);
  return Buffer.concat([raw.subarray(0, at), Buffer.from(token), raw.subarray(at + placeholder.length)]);
}

/** Just the body and Content-Type of the captured request (for app.inject / fetch). */
export function deliveryBody(name: DeliveryFixture): { contentType: string; body: Buffer } {
  const raw = readFileSync(new URL(`${name}.multipart.http`, DELIVERIES));
  const headEnd = raw.indexOf('\r\n\r\n');
  const head = raw.subarray(0, headEnd).toString('latin1');
  const contentType = /\r\ncontent-type:\s*([^\r\n]+)/i.exec(head)?.[1];
  if (!contentType) throw new Error(`${name}.multipart.http has no Content-Type`);
  return { contentType, body: raw.subarray(headEnd + 4) };
}

/** The JSON payload the shop sent (deliveries/<name>.json). */
export function deliveryPayload(name: DeliveryFixture): unknown {
  return JSON.parse(readFileSync(new URL(`${name}.json`, DELIVERIES), 'utf8'));
}
