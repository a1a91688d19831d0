/**
 * `srhooks listen --body-limit SIZE`, and what listen says of a delivery over its body limit: the advice
 * names --body-limit (which listen takes), never the receiver's SRHOOKS_BODY_LIMIT or "bodyLimit" (which
 * listen does not read) — in listen's lines, in the receiver's answers to the sender (400, 413) and in
 * the reason it stores. Real `srhooks listen` processes (port 0), deliveries over real HTTP.
 */
import { request as httpRequest } from 'node:http';
import { describe, expect, it } from 'vitest';
import { runCli, startCli, tempConfigDir } from '../test-support/run-cli.js';

interface Started {
  url: string;
  bodyLimit: number;
  urls: { shop: string; event: string; url: string }[];
}

interface DeliveryLineJson {
  type: 'delivery';
  deliveryId: string;
  status: string;
  error?: string;
}

/** POSTs `bytes` bytes to a signed URL (an authentic delivery: its size is checked before its form). */
async function postBytes(url: string, bytes: number): Promise<Response> {
  return fetch(url, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: Buffer.alloc(bytes, 'x'),
  });
}

/** Announces a body of `bytes` (Content-Length, Expect: 100-continue) and sends none: the answer to that. */
function announceBody(url: string, bytes: number): Promise<{ status: number; message: string }> {
  return new Promise((resolve, reject) => {
    const request = httpRequest(url, {
      method: 'POST',
      headers: {
        'content-type': 'application/json',
        'content-length': String(bytes),
        expect: '100-continue',
      },
    });
    request.on('continue', () => reject(new Error('the receiver asked for the body (100 Continue)')));
    request.on('response', (response) => {
      let text = '';
      response.setEncoding('utf8');
      response.on('data', (chunk: string) => {
        text += chunk;
      });
      response.on('end', () => {
        request.destroy();
        resolve({
          status: response.statusCode ?? 0,
          message: (JSON.parse(text) as { error: { message: string } }).error.message,
        });
      });
    });
    request.on('error', reject);
    request.flushHeaders();
  });
}

describe('srhooks listen --body-limit', () => {
  it('sets the limit (bytes as the receiver reads SRHOOKS_BODY_LIMIT); a body over it is quarantined with advice naming --body-limit', async () => {
    const config = tempConfigDir();
    const listen = startCli(config.dir, [
      'listen',
      '--port',
      '0',
      '--shop',
      'demo',
      '--events',
      'order_confirm',
      '--body-limit',
      '64kb',
      '--json',
    ]);
    try {
      const started = JSON.parse(await listen.waitForLine(/"type":"listening"/)) as Started;
      expect(started.bodyLimit).toBe(64 * 1024);
      const url = started.urls[0]?.url ?? '';

      // within the limit: decoded and stored as always
      const sent = await runCli(config.dir, ['trigger', 'order_confirm', '--to', url, '--seed', '1']);
      expect(sent.code).toBe(0);

      // over it (100 KiB, under the receiver's default 2 MiB): quarantined too_large
      const answer = await postBytes(url, 100 * 1024);
      expect(answer.status).toBe(400);
      // the sender's answer (what trigger prints), as the receiver stored the reason: listen's flag
      const refusal = ((await answer.json()) as { error: { message: string } }).error.message;
      expect(refusal).toBe(
        "The body is 102400 bytes, over the receiver's body limit of 65536 bytes: stored raw, not decoded. Restart srhooks listen with a larger --body-limit (at most 64mb) and re-process it.",
      );
      const line = JSON.parse(await listen.waitForLine(/"status":"quarantined"/)) as DeliveryLineJson;
      expect(line.error).toBe(
        `too_large: The body is 102400 bytes, over the receiver's body limit of 65536 bytes: stored raw, not decoded. To take bodies this large as they arrive, restart srhooks listen with --body-limit 1mb (or larger, at most 64mb). This one is kept: srhooks deliveries reprocess ${line.deliveryId} decodes it now.`,
      );
      expect(listen.stdout()).not.toContain('SRHOOKS_BODY_LIMIT');

      // over the hard limit (64 MiB, announced with Expect: 100-continue): refused before the upload, in
      // listen's words (it has no setting for that limit)
      const hard = await announceBody(url, 65 * 1024 * 1024);
      expect(hard.status).toBe(413);
      expect(hard.message).toBe(
        "The body is larger than the receiver's limit of 67108864 bytes; nothing was stored. srhooks listen takes bodies up to 64 MiB (--body-limit at most 64mb); a receiver run on its own takes larger ones with SRHOOKS_BODY_HARD_LIMIT.",
      );

      // deliveries show through this listen gives the same advice
      const shown = await runCli(config.dir, ['deliveries', 'show', line.deliveryId, '--json']);
      expect(JSON.parse(shown.stdout).delivery.decodeError.message).toBe(
        (line.error ?? '').slice('too_large: '.length),
      );
      // the advice holds: re-processing decodes the kept body whatever the limit (here it is no delivery
      // form, so it stays quarantined, now as undecodable, no longer too_large)
      const reprocessed = await runCli(config.dir, ['deliveries', 'reprocess', line.deliveryId, '--json']);
      expect(reprocessed.stdout).not.toBe('');
      expect(reprocessed.stdout).not.toContain('too_large');
    } finally {
      expect(await listen.interrupt()).toBe(0);
      config.cleanup();
    }
  });

  it("without --body-limit the receiver's 2 MiB holds, and a body over it is advised in listen's words (human lines)", async () => {
    const config = tempConfigDir();
    const listen = startCli(config.dir, [
      'listen',
      '--port',
      '0',
      '--shop',
      'demo',
      '--events',
      'order_confirm',
    ]);
    try {
      const urlLine = await listen.waitForLine(/\/hooks\/demo\/order_confirm\//);
      const url = urlLine.trim().split(/\s+/).at(-1) ?? '';
      await listen.waitForLine(/waiting for deliveries/);
      const answer = await postBytes(url, 2 * 1024 * 1024 + 100);
      expect(answer.status).toBe(400);
      const line = await listen.waitForLine(/ {2}quarantined {2}/);
      expect(line).toMatch(
        /quarantined {2}too_large: The body is 2097252 bytes, over the receiver's body limit of 2097152 bytes: stored raw, not decoded\. To take bodies this large as they arrive, restart srhooks listen with --body-limit 3mb \(or larger, at most 64mb\)\. This one is kept: srhooks deliveries reprocess dlv_\w+ decodes it now\.$/,
      );
      expect(line).not.toContain('SRHOOKS_BODY_LIMIT');
      expect(line).not.toContain('bodyLimit');
      // the start said the limit, and how to change it
      expect(listen.stdout()).toContain(
        'bodies over 2 MiB are stored raw, quarantined too_large (--body-limit changes it)',
      );
    } finally {
      expect(await listen.interrupt()).toBe(0);
      config.cleanup();
    }
  });

  it('refuses a size it cannot read, or one out of the receiver’s range, naming the flag (exit 2, invalid_body_limit)', async () => {
    const config = tempConfigDir();
    try {
      const cases: [string, string][] = [
        ['2xb', '--body-limit must be a size in bytes such as 2097152, 512kb, 2mb or 1gb, got "2xb"'],
        ['100mb', '--body-limit 100mb must be at most 64 MiB (it is 104857600 bytes)'],
        ['512', '--body-limit 512 must be at least 1024 bytes (it is 512 bytes)'],
      ];
      for (const [value, message] of cases) {
        const run = await runCli(config.dir, ['listen', '--port', '0', '--body-limit', value, '--json']);
        expect(run.code).toBe(2);
        expect(JSON.parse(run.stdout).error).toMatchObject({ code: 'invalid_body_limit', message });
      }
      const human = await runCli(config.dir, ['listen', '--port', '0', '--body-limit', '2xb']);
      expect(human.stderr).toBe(
        'error: --body-limit must be a size in bytes such as 2097152, 512kb, 2mb or 1gb, got "2xb"\n' +
          'give a size such as 2097152 (bytes), 512kb or 8mb (binary units: 1kb = 1024 bytes), from 1kb to 64mb; default 2mb\n',
      );
    } finally {
      config.cleanup();
    }
  });
});
