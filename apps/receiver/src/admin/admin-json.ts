/** Store records → admin API JSON (dates become ISO strings through JSON; raw bodies become text + base64). */
import type { DeliveryDetail } from '../store/store.js';

export interface RawBodyJson {
  /** The body as UTF-8 text (undecodable bytes shown as U+FFFD). */
  text: string;
  /** The exact bytes. */
  base64: string;
  bytes: number;
}

export function rawBodyJson(body: Buffer): RawBodyJson {
  return {
    text: new TextDecoder('utf-8', { fatal: false }).decode(body),
    base64: body.toString('base64'),
    bytes: body.length,
  };
}

/** A delivery as `GET /admin/api/deliveries/:id` answers it (`delivery`; dates become ISO strings in JSON). */
export type AdminDeliveryDetail = Omit<DeliveryDetail, 'rawBody'> & { rawBody: RawBodyJson };

export function deliveryDetailJson(delivery: DeliveryDetail): AdminDeliveryDetail {
  return { ...delivery, rawBody: rawBodyJson(delivery.rawBody) };
}
