/** POSTing to a test receiver's /hooks routes (hooks-*.test.ts). */
import type { TestReceiver } from '../../../test-support/test-receiver.js';

/** The answer body of POST /hooks. */
export interface IngestAnswer {
  ok: boolean;
  deliveryId: string;
  events: number;
  duplicates: number;
  error?: { code: string; message: string; part?: string; path?: string };
}

export async function post(
  receiver: TestReceiver,
  path: string,
  body: Buffer | string,
  headers: Record<string, string> = {},
): Promise<{ status: number; json: IngestAnswer }> {
  const payload = typeof body === 'string' ? body : new Uint8Array(body);
  const response = await fetch(receiver.baseUrl + path, { method: 'POST', body: payload, headers });
  return { status: response.status, json: (await response.json()) as IngestAnswer };
}

export async function deliveryCount(receiver: TestReceiver): Promise<number> {
  return (await receiver.app.store.listDeliveries({ limit: 500 })).items.length;
}
