/**
 * A forward handler whose URL is a private, loopback or link-local IP literal, without
 * `"allowPrivateTargets": true`: the SSRF guard refuses every attempt, so every job would end a dead
 * letter. The start stops instead, before the store is opened, naming the key, the address and the
 * setting to change (the URL itself, which may carry a key, is not quoted). With the setting it starts.
 */
import { randomBytes } from 'node:crypto';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, expect, it } from 'vitest';
import { buildReceiver } from '../../app.js';
import { defineReceiverConfig } from '../../config/load-config.js';
import { ProcessingConfigError } from '../processing-errors.js';

const secret = `whsec_${randomBytes(32).toString('base64')}`;
const dirs: string[] = [];
afterEach(() => {
  for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
});

function configWith(url: string, allowPrivateTargets?: boolean) {
  const dir = mkdtempSync(join(tmpdir(), 'srhooks-forward-target-'));
  dirs.push(dir);
  const db = join(dir, 'receiver.db');
  const config = defineReceiverConfig({
    secrets: ['test-secret-0123456789abcdef'],
    db,
    logLevel: 'silent',
    handlers: {
      erp: {
        type: 'forward',
        url,
        secret,
        ...(allowPrivateTargets === undefined ? {} : { allowPrivateTargets }),
      },
    },
  });
  return { config, db };
}

it.each([
  ['http://127.0.0.1:8080/hooks?apikey=k3y', '127.0.0.1', 'loopback'],
  ['https://10.1.2.3/hooks', '10.1.2.3', 'private'],
  ['http://[::1]:9000/hooks', '::1', 'loopback'],
])('refuses %s without allowPrivateTargets', async (url, address, range) => {
  const { config, db } = configWith(url);
  const started = buildReceiver(config, { defaultMetrics: false });
  await expect(started).rejects.toBeInstanceOf(ProcessingConfigError);
  const message = await started.then(
    () => '',
    (error: Error) => error.message,
  );
  expect(message).toMatch(
    new RegExp(
      `^handlers\\.erp\\.url points at ${address.replace(/[.:]/g, '\\$&')}, a ${range}[^,]* address: forward handlers refuse such targets \\(SSRF guard\\), so every attempt would fail; set "allowPrivateTargets": true on handlers\\.erp if that target is meant, or use its public address$`,
    ),
  );
  expect(message).not.toContain('k3y');
  expect(existsSync(db)).toBe(false);
});

it('starts with allowPrivateTargets: true, and with a public address', async () => {
  for (const [url, allow] of [
    ['http://127.0.0.1:8080/hooks', true],
    ['https://93.184.216.34/hooks', undefined],
  ] as const) {
    const { config } = configWith(url, allow);
    const app = await buildReceiver(config, { defaultMetrics: false, processing: { enabled: false } });
    await app.close();
  }
});
