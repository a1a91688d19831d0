/**
 * `signingKeyPem`: the RS256 key a sandbox signs its tokens with, given instead of made (a process that
 * starts many sandboxes gives each the same one: processSigningKeyPem). Checked against the key set the
 * sandbox publishes, a second sandbox, and the data file.
 */
import { generateKeyPairSync } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createRemoteJWKSet, jwtVerify } from 'jose';
import { afterAll, describe, expect, it } from 'vitest';
import { JWKS_PATH } from '../assumptions.js';
import { processSigningKeyPem, SandboxConfigError } from '../index.js';
import { startTestSandbox, type TestSandbox } from '../test-support/test-sandbox.js';
import { signingKeyFromPem } from './jwt.js';

const dir = mkdtempSync(join(tmpdir(), 'srhooks-sandbox-key-'));
const started: TestSandbox[] = [];
afterAll(async () => {
  await Promise.all(started.map((sandbox) => sandbox.close()));
  rmSync(dir, { recursive: true, force: true });
});

async function sandboxWith(options: Parameters<typeof startTestSandbox>[0]): Promise<TestSandbox> {
  const sandbox = await startTestSandbox(options);
  started.push(sandbox);
  return sandbox;
}

const publicPem = (pem: string) =>
  signingKeyFromPem(pem).publicKey.export({ type: 'spki', format: 'pem' }).toString();

describe('a sandbox given signingKeyPem', () => {
  it('signs its tokens with that key, and two sandboxes given it accept each other’s tokens', async () => {
    const pem = processSigningKeyPem();
    expect(processSigningKeyPem()).toBe(pem); // made once per process
    const first = await sandboxWith({ signingKeyPem: pem });
    const second = await sandboxWith({ signingKeyPem: pem });
    const token = await first.token();
    for (const sandbox of [first, second]) {
      const keySet = createRemoteJWKSet(new URL(`${sandbox.url}${JWKS_PATH}`));
      await expect(jwtVerify(token, keySet)).resolves.toBeTruthy();
    }
    expect((await second.api('GET', '/webHooks', { token })).status).toBe(200);
    // a sandbox with a key of its own refuses it
    const own = await sandboxWith({});
    expect((await own.api('GET', '/webHooks', { token })).status).toBe(401);
  });

  it('wins over the data file’s key, and the data file keeps it from then on', async () => {
    const dataFile = join(dir, 'sandbox.json');
    const before = await sandboxWith({ dataFile });
    await before.token();
    await before.close();
    const kept = () =>
      (JSON.parse(readFileSync(dataFile, 'utf8')) as { signingKeyPem: string }).signingKeyPem;
    const made = kept();
    expect(publicPem(made)).not.toBe(publicPem(processSigningKeyPem()));

    const given = await sandboxWith({ dataFile, signingKeyPem: processSigningKeyPem() });
    const token = await given.token();
    const keySet = createRemoteJWKSet(new URL(`${given.url}${JWKS_PATH}`));
    await expect(jwtVerify(token, keySet)).resolves.toBeTruthy();
    const { publicKey } = signingKeyFromPem(processSigningKeyPem());
    await expect(jwtVerify(token, publicKey)).resolves.toBeTruthy();
    await given.close();
    expect(publicPem(kept())).toBe(publicPem(processSigningKeyPem()));
  });
});

describe('a signingKeyPem that cannot sign RS256 tokens', () => {
  const refusal = async (signingKeyPem: string) => {
    const error = await startTestSandbox({ signingKeyPem }).then(
      async (sandbox) => {
        await sandbox.close();
        return undefined;
      },
      (thrown: unknown) => thrown,
    );
    expect(error).toBeInstanceOf(SandboxConfigError);
    return (error as SandboxConfigError).message;
  };

  it('not a PEM private key: says what to give, and quotes nothing of it', async () => {
    const message = await refusal('secret-looking-text-not-a-key');
    expect(message).toContain('signingKeyPem is not a PEM private key');
    expect(message).toContain('PKCS#8 PEM');
    expect(message).not.toContain('secret-looking-text');
  });

  it('an EC key: says tokens are RS256 and need an RSA key', async () => {
    const { privateKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' });
    const message = await refusal(privateKey.export({ type: 'pkcs8', format: 'pem' }).toString());
    expect(message).toBe(
      "signingKeyPem is an ec key; tokens are signed RS256 (as ShopRenter's), which takes an RSA key.",
    );
  });
});
