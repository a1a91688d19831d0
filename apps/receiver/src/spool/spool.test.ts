/**
 * The spool folder: the file format round trip, the atomic write (temp name, rename), the refusal over
 * SRHOOKS_SPOOL_MAX_BYTES, damaged files detected, stale temporary files removed, unreadable files moved
 * aside, and the figures a restarted receiver finds. Real files in a tmp folder.
 */
import { createHash } from 'node:crypto';
import {
  existsSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  utimesSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { WebhookEvent } from '@srhooks/contracts';
import { afterEach, describe, expect, it } from 'vitest';
import { newId } from '../store/sortable-id.js';
import type { SpooledDelivery } from '../store/store.js';
import { Spool } from './spool.js';
import { SpoolDirError, SpoolFileUnreadableError, SpoolFullError } from './spool-errors.js';
import { decodeSpoolFile, encodeSpoolFile } from './spool-format.js';
import { STALE_TEMP_MS, UNREADABLE_DIR } from './spool-reader.js';

const dirs: string[] = [];
function tmp(): string {
  const dir = mkdtempSync(join(tmpdir(), 'srhooks-spool-'));
  dirs.push(dir);
  return dir;
}
afterEach(() => {
  for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
});

function spooled(overrides: Partial<SpooledDelivery> = {}): SpooledDelivery {
  const receivedAt = overrides.receivedAt ?? new Date('2026-12-05T04:00:00.123Z');
  return {
    id: newId('dlv', receivedAt.getTime()),
    shop: 'demo',
    event: 'order_confirm',
    receivedAt,
    remoteAddress: '203.0.113.7',
    headers: { 'content-type': 'multipart/form-data; boundary=x', 'user-agent': 'ShopRenter' },
    contentType: 'multipart/form-data; boundary=x',
    // every byte value, and a newline: the body is raw bytes, not text
    rawBody: Buffer.concat([Buffer.from('--x\r\n\n'), Buffer.from(Array.from({ length: 256 }, (_, i) => i))]),
    ...overrides,
  };
}

describe('spool file format', () => {
  it('round-trips a delivery byte for byte', () => {
    const delivery = spooled();
    const { source, delivery: decoded } = decodeSpoolFile(Buffer.concat(encodeSpoolFile(delivery)));
    expect(source).toBe('webhook');
    expect(decoded).toEqual(delivery);
    expect(decoded.rawBody.equals(delivery.rawBody)).toBe(true);
    expect(decoded.receivedAt.toISOString()).toBe('2026-12-05T04:00:00.123Z');
  });

  it('reads a file in format 1 as the previous version wrote it, and writes webhook deliveries the same way', () => {
    const body = Buffer.from('{"orders":{"order":[]}}');
    const header = {
      deliveryId: newId('dlv', Date.parse('2026-12-05T04:00:00.123Z')),
      shop: 'demo',
      event: 'order_confirm',
      receivedAt: '2026-12-05T04:00:00.123Z',
      remoteAddress: '203.0.113.7',
      contentType: 'application/json',
      headers: { 'content-type': 'application/json' },
      bodyBytes: body.length,
      bodySha256: createHash('sha256').update(body).digest('hex'),
    };
    // the bytes of a file an earlier receiver left (format 1, written before format 2 existed)
    const earlier = Buffer.concat([Buffer.from(`srhooks-spool 1\n${JSON.stringify(header)}\n`), body]);
    const { source, delivery } = decodeSpoolFile(earlier);
    expect(source).toBe('webhook');
    expect(delivery).toMatchObject({ id: header.deliveryId, shop: 'demo', event: 'order_confirm' });
    expect(Buffer.concat(encodeSpoolFile(delivery)).equals(earlier)).toBe(true);
  });

  it('writes a payment notification in format 2, naming its source, and reads it back', () => {
    const notification = spooled({
      shop: 'payment-api',
      event: 'payment_status' as unknown as WebhookEvent,
      rawBody: Buffer.from('{"id":69,"status":"pending","time":1764900000}'),
    });
    const file = Buffer.concat(encodeSpoolFile(notification, 'payment_notification'));
    expect(file.subarray(0, 16).toString()).toBe('srhooks-spool 2\n');
    expect(decodeSpoolFile(file)).toEqual({ source: 'payment_notification', delivery: notification });
    // a format line that does not match its content is damage
    const asV1 = Buffer.from(file);
    asV1.write('1', 14);
    expect(() => decodeSpoolFile(asV1)).toThrow(/event/);
    const webhookAsV2 = Buffer.concat(encodeSpoolFile(spooled(), 'payment_notification'));
    expect(() => decodeSpoolFile(webhookAsV2)).toThrow(/event/);
  });

  it('writes an app uninstall call in format 2 (source app_uninstall), reads it back, and still reads a payment file as the previous version wrote it', () => {
    const call = spooled({
      shop: 'demo',
      event: 'app_uninstalled' as unknown as WebhookEvent,
      contentType: 'application/x-www-form-urlencoded',
      headers: { 'user-agent': 'ShopRenter' },
      rawBody: Buffer.from('shopname=demo&code=abc&timestamp=1764900000&hmac=00ff'),
    });
    const file = Buffer.concat(encodeSpoolFile(call, 'app_uninstall'));
    expect(file.subarray(0, 16).toString()).toBe('srhooks-spool 2\n');
    expect(file.toString()).toContain('"source":"app_uninstall"');
    expect(decodeSpoolFile(file)).toEqual({ source: 'app_uninstall', delivery: call });
    // an uninstall call's source with another event, or a webhook event: damage
    expect(() => decodeSpoolFile(Buffer.concat(encodeSpoolFile(spooled(), 'app_uninstall')))).toThrow(
      /event/,
    );

    // the bytes of a payment notification file the version before uninstall calls were spooled wrote
    const body = Buffer.from('{"id":69,"status":"pending","time":1764900000}');
    const header = {
      source: 'payment_notification',
      deliveryId: newId('dlv', Date.parse('2026-12-05T04:00:00.123Z')),
      shop: 'payment-api',
      event: 'payment_status',
      receivedAt: '2026-12-05T04:00:00.123Z',
      remoteAddress: '203.0.113.7',
      contentType: 'application/json',
      headers: { 'content-type': 'application/json' },
      bodyBytes: body.length,
      bodySha256: createHash('sha256').update(body).digest('hex'),
    };
    const earlier = Buffer.concat([Buffer.from(`srhooks-spool 2\n${JSON.stringify(header)}\n`), body]);
    const read = decodeSpoolFile(earlier);
    expect(read.source).toBe('payment_notification');
    expect(read.delivery).toMatchObject({
      id: header.deliveryId,
      shop: 'payment-api',
      event: 'payment_status',
    });
    expect(Buffer.concat(encodeSpoolFile(read.delivery, 'payment_notification')).equals(earlier)).toBe(true);
  });

  it('refuses a truncated, altered or foreign file', () => {
    const file = Buffer.concat(encodeSpoolFile(spooled()));
    const unreadable = (bytes: Buffer) => {
      try {
        decodeSpoolFile(bytes);
      } catch (error) {
        expect(error).toBeInstanceOf(SpoolFileUnreadableError);
        return (error as SpoolFileUnreadableError).detail;
      }
      throw new Error('decoded');
    };
    expect(unreadable(file.subarray(0, file.length - 1))).toContain('truncated');
    const altered = Buffer.from(file);
    altered[altered.length - 1] = (altered[altered.length - 1] ?? 0) ^ 1;
    expect(unreadable(altered)).toContain('SHA-256');
    expect(unreadable(file.subarray(0, 30))).toContain('header line is incomplete');
    expect(unreadable(Buffer.from('{"deliveryId":"x"}\n'))).toContain('format line');
    const badHeader = Buffer.from('srhooks-spool 1\n{"deliveryId":"dlv_nope","shop":"demo"}\n');
    expect(unreadable(badHeader)).toContain('deliveryId');
  });
});

describe('Spool', () => {
  it('writes a delivery under its final name only once it is complete, and counts it', async () => {
    const dir = tmp();
    const spool = await Spool.open(join(dir, 'spool'), 1024 * 1024);
    const delivery = spooled();
    const written = await spool.write(delivery);
    expect(written.file).toBe(`${delivery.id}.delivery`);
    expect(readdirSync(join(dir, 'spool'))).toEqual([written.file]);
    expect(decodeSpoolFile(readFileSync(join(dir, 'spool', written.file)))).toEqual({
      source: 'webhook',
      delivery,
    });
    expect(spool.figures()).toEqual({
      deliveries: 1,
      bytes: written.bytes,
      unreadableFiles: 0,
      unreadableBytes: 0,
    });
    expect(await spool.read(written.file)).toEqual({ source: 'webhook', delivery });
    await spool.remove(written.file);
    expect(spool.figures()).toEqual({ deliveries: 0, bytes: 0, unreadableFiles: 0, unreadableBytes: 0 });
    expect(readdirSync(join(dir, 'spool'))).toEqual([]);
  });

  it('lists deliveries oldest first, and a reopened spool counts what an earlier run left', async () => {
    const dir = tmp();
    const spool = await Spool.open(dir, 1024 * 1024);
    const later = spooled({ receivedAt: new Date('2026-12-05T04:00:02Z') });
    const earlier = spooled({ receivedAt: new Date('2026-12-05T04:00:01Z') });
    await spool.write(later);
    await spool.write(earlier);
    expect(await spool.list()).toEqual([`${earlier.id}.delivery`, `${later.id}.delivery`]);
    const reopened = await Spool.open(dir, 1024 * 1024);
    expect(reopened.figures()).toEqual(spool.figures());
    expect(reopened.figures().deliveries).toBe(2);
  });

  it('refuses a delivery that does not fit in max bytes, and writes nothing of it', async () => {
    const dir = tmp();
    const spool = await Spool.open(dir, 1024 * 1024);
    const first = await spool.write(spooled({ rawBody: Buffer.alloc(600 * 1024, 1) }));
    // the second write is refused while reserved room of concurrent writes counts too
    const big = spooled({ rawBody: Buffer.alloc(500 * 1024, 2) });
    await expect(spool.write(big)).rejects.toBeInstanceOf(SpoolFullError);
    await expect(spool.write(big)).rejects.toThrow(/spool is full/);
    expect(readdirSync(dir)).toEqual([first.file]);
    expect(spool.figures().deliveries).toBe(1);
    const writes = await Promise.allSettled([
      spool.write(spooled({ rawBody: Buffer.alloc(250 * 1024, 3) })),
      spool.write(spooled({ rawBody: Buffer.alloc(250 * 1024, 4) })),
    ]);
    expect(writes.map((write) => write.status).sort()).toEqual(['fulfilled', 'rejected']);
    expect(spool.figures().bytes).toBeLessThanOrEqual(1024 * 1024);
  });

  it('removes temporary files older than a minute (a crash mid-write), not younger ones', async () => {
    const dir = tmp();
    const spool = await Spool.open(dir, 1024 * 1024);
    const delivery = spooled();
    const [header, body] = encodeSpoolFile(delivery);
    const stale = join(dir, `${newId('dlv', Date.now())}.delivery.tmp`);
    const young = join(dir, `${newId('dlv', Date.now())}.delivery.tmp`);
    writeFileSync(stale, Buffer.concat([header, body.subarray(0, 10)]));
    writeFileSync(young, header);
    const old = (Date.now() - STALE_TEMP_MS - 5000) / 1000;
    utimesSync(stale, old, old);
    expect(await spool.list()).toEqual([]);
    expect(await spool.removeStaleTemp()).toBe(1);
    expect(existsSync(stale)).toBe(false);
    expect(existsSync(young)).toBe(true);
  });

  it('moves an unreadable file aside into unreadable/', async () => {
    const dir = tmp();
    const spool = await Spool.open(dir, 1024 * 1024);
    const { file } = await spool.write(spooled());
    writeFileSync(join(dir, file), readFileSync(join(dir, file)).subarray(0, 40));
    await expect(spool.read(file)).rejects.toBeInstanceOf(SpoolFileUnreadableError);
    const target = await spool.moveAside(file);
    expect(target).toBe(join(dir, UNREADABLE_DIR, file));
    expect(await spool.list()).toEqual([]);
    expect(spool.figures().deliveries).toBe(0);
  });

  it('counts the files in unreadable/ against max bytes and reports them, keeps them, and gives the room back once an operator removed them', async () => {
    const dir = tmp();
    const probe = await Spool.open(tmp(), 1024 * 1024);
    const size = (await probe.write(spooled({ rawBody: Buffer.alloc(1000, 7) }))).bytes;
    // room for two files, not three
    const spool = await Spool.open(dir, Math.floor(size * 2.5));
    const damaged = await spool.write(spooled({ rawBody: Buffer.alloc(1000, 1) }));
    await spool.write(spooled({ rawBody: Buffer.alloc(1000, 2) }));
    const bytes = readFileSync(join(dir, damaged.file));
    bytes[bytes.length - 1] = (bytes[bytes.length - 1] ?? 0) ^ 1; // same size, body altered
    writeFileSync(join(dir, damaged.file), bytes);
    await expect(spool.read(damaged.file)).rejects.toBeInstanceOf(SpoolFileUnreadableError);
    await spool.moveAside(damaged.file);
    expect(spool.figures()).toEqual({
      deliveries: 1,
      bytes: size,
      unreadableFiles: 1,
      unreadableBytes: size,
    });

    // the damaged file still takes its room on disk: a third delivery does not fit
    const third = spooled({ rawBody: Buffer.alloc(1000, 3) });
    await expect(spool.write(third)).rejects.toBeInstanceOf(SpoolFullError);
    await expect(spool.write(third)).rejects.toThrow(
      `${size} of them damaged files in the spool's unreadable/ folder`,
    );
    expect(await spool.accepts(size)).toEqual({ ok: false, reason: 'full' });
    // a restarted receiver counts them too, and nothing removed them
    const reopened = await Spool.open(dir, Math.floor(size * 2.5));
    expect(reopened.figures()).toEqual(spool.figures());
    await reopened.removeStaleTemp(Date.now() + 10 * STALE_TEMP_MS);
    expect(readdirSync(join(dir, UNREADABLE_DIR))).toEqual([damaged.file]);

    // the operator dealt with it (moved it elsewhere): counted again, the room is back
    rmSync(join(dir, UNREADABLE_DIR, damaged.file));
    await spool.countUnreadable();
    expect(spool.figures()).toMatchObject({ unreadableFiles: 0, unreadableBytes: 0 });
    await spool.write(third);
  });

  it('refuses a folder it cannot create, naming SRHOOKS_SPOOL_DIR', async () => {
    const dir = tmp();
    writeFileSync(join(dir, 'a-file'), 'x');
    const opening = Spool.open(join(dir, 'a-file', 'spool'), 1024 * 1024);
    await expect(opening).rejects.toBeInstanceOf(SpoolDirError);
    await expect(opening).rejects.toThrow(/SRHOOKS_SPOOL_DIR/);
  });

  it.skipIf(process.platform !== 'linux')(
    "refuses a folder under /proc at once (node's recursive mkdir spun there for good: the receiver hung without a line)",
    async () => {
      const opening = Spool.open('/proc/srhooks-no-such/spool', 1024 * 1024);
      await expect(opening).rejects.toBeInstanceOf(SpoolDirError);
      await expect(opening).rejects.toThrow(
        /The spool folder \/proc\/srhooks-no-such\/spool \(SRHOOKS_SPOOL_DIR\) cannot be used/,
      );
    },
    10_000,
  );

  it("refuses a file where the folder should be, saying so instead of mkdir's EEXIST", async () => {
    const file = join(tmp(), 'spool');
    writeFileSync(file, 'x');
    await expect(Spool.open(file, 1024 * 1024)).rejects.toThrow(
      `The spool folder ${file} (SRHOOKS_SPOOL_DIR) cannot be used: it is a file, not a folder. Set SRHOOKS_SPOOL_DIR to a folder (created if missing) on persistent disk, writable by the receiver's user, or unset it to turn the spool off.`,
    );
  });
});
