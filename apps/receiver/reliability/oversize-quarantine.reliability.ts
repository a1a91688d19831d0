/**
 * An authentic delivery is never refused for its size (issue #14 §3), against the built receiver
 * (SQLite, SRHOOKS_BODY_LIMIT=1mb, the default hard limit of 64 MiB):
 * - a genuine 5 MB order_confirm (multipart, as ShopRenter sends it) to its signed URL → 400
 *   `too_large` with a deliveryId; the raw body is in the quarantine byte for byte, and re-processing
 *   it (admin API) makes the order an event;
 * - a 70 MB body announced with `Expect: 100-continue` → 413 with the uniform error body instead of
 *   `100 Continue`: the body is never uploaded;
 * - a 100,000-character URL → 431 with the uniform error body;
 * - the process is still the same one and still stores a normal delivery.
 */

import { encodeDelivery, sampleOrder, signDeliveryPath } from '@srhooks/contracts';
import { freePort } from '@srhooks/sandbox';
import Database from 'better-sqlite3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sendRaw } from '../src/test-support/raw-http.js';
import { printFigures } from './support/figures.js';
import { ReceiverProcess } from './support/receiver-process.js';
import { type ScenarioDir, scenarioDir } from './support/scenario-dir.js';
import { RELIABILITY_ADMIN_TOKEN, RELIABILITY_SECRET } from './support/secrets.js';

const SHOP = 'oversize-shop';

interface Answer {
  status: number;
  json: { ok?: boolean; deliveryId?: string; error?: { code?: string; message?: string } };
}

describe('oversize deliveries: quarantined between the limits, refused before the upload over the cap', () => {
  let dir: ScenarioDir;
  let dbFile: string;
  let receiver: ReceiverProcess;
  let port: number;
  let failed = false;
  const path = signDeliveryPath({ shop: SHOP, event: 'order_confirm' }, RELIABILITY_SECRET);
  const order = {
    ...sampleOrder(42),
    storeName: SHOP,
    innerId: '42000',
    comment: 'Hívjon! '.repeat(400_000),
  };
  const big = encodeDelivery('order_confirm', { orders: { order: [order] } }, { format: 'json' });

  async function post(body: Buffer, contentType: string): Promise<Answer> {
    const response = await fetch(receiver.baseUrl + path, {
      method: 'POST',
      headers: { 'content-type': contentType },
      body: new Uint8Array(body),
    });
    return { status: response.status, json: (await response.json()) as Answer['json'] };
  }

  beforeAll(async () => {
    dir = scenarioDir('oversize');
    dbFile = dir.file('srhooks.db');
    port = await freePort();
    receiver = await ReceiverProcess.start({
      dir: dir.path,
      port,
      env: {
        SRHOOKS_SECRETS: RELIABILITY_SECRET,
        SRHOOKS_ADMIN_TOKEN: RELIABILITY_ADMIN_TOKEN,
        SRHOOKS_DB: dbFile,
        SRHOOKS_BODY_LIMIT: '1mb',
        LOG_LEVEL: 'warn',
      },
    });
  });

  afterAll(async () => {
    await receiver?.stop();
    dir?.remove(failed);
  });

  it('quarantines a genuine 5 MB delivery raw as too_large, re-processable', async () => {
    expect(big.body.length).toBeGreaterThan(5_000_000);
    const answer = await post(big.body, big.contentType);
    failed ||= answer.status !== 400;
    expect(answer.status).toBe(400);
    expect(answer.json.error?.code).toBe('too_large');
    const deliveryId = String(answer.json.deliveryId);
    const db = new Database(dbFile, { readonly: true });
    try {
      const row = db
        .prepare('SELECT status, decode_error_code AS code, raw_body AS body FROM deliveries WHERE id = ?')
        .get(deliveryId) as { status: string; code: string; body: Buffer } | undefined;
      expect(row?.status).toBe('quarantined');
      expect(row?.code).toBe('too_large');
      expect(row?.body.equals(big.body)).toBe(true);
    } finally {
      db.close();
    }
    const reprocessed = await fetch(`${receiver.baseUrl}/admin/api/deliveries/${deliveryId}/reprocess`, {
      method: 'POST',
      headers: { authorization: `Bearer ${RELIABILITY_ADMIN_TOKEN}` },
    });
    expect(reprocessed.status).toBe(200);
    expect(((await reprocessed.json()) as { events: unknown[] }).events).toHaveLength(1);
    printFigures('oversize-quarantine', { bodyBytes: big.body.length, status: answer.status });
  });

  it('answers 413 instead of 100 Continue for a body over the hard limit, before it is uploaded', async () => {
    const head =
      `POST ${path} HTTP/1.1\r\nHost: 127.0.0.1\r\nExpect: 100-continue\r\n` +
      `Content-Type: ${big.contentType}\r\nContent-Length: ${70 * 1024 * 1024}\r\n\r\n`;
    // sendRaw sends the body only after a 100 Continue; none comes
    const answer = await sendRaw(port, Buffer.concat([Buffer.from(head), Buffer.from('never sent')]));
    expect(answer.interim).toEqual([]);
    expect(answer.statusCode).toBe(413);
    expect(JSON.parse(answer.body)).toMatchObject({ ok: false, error: { code: 'body_too_large' } });
  });

  it('answers a 100,000-character URL with 431 and the uniform error body', async () => {
    const head = `GET /hooks/${'a'.repeat(100_000)} HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n`;
    const answer = await sendRaw(port, Buffer.from(head));
    expect(answer.statusCode).toBe(431);
    expect(JSON.parse(answer.body)).toMatchObject({ ok: false, error: { code: 'headers_too_large' } });
  });

  it('is still the same process and stores a normal delivery', async () => {
    const small = encodeDelivery(
      'order_confirm',
      { orders: { order: [{ ...sampleOrder(43), storeName: SHOP, innerId: '43000' }] } },
      { format: 'json' },
    );
    const answer = await post(small.body, small.contentType);
    expect(answer.status).toBe(200);
    expect(receiver.pids).toHaveLength(1);
    expect(receiver.alive).toBe(true);
  });
});
