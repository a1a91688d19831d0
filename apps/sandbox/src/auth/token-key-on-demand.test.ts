/**
 * A new RS256 key costs about 0.2 s of CPU (a 2048-bit RSA key pair), and every `srhooks sandbox`
 * and every test sandbox starts one: the key is made when first needed (a token, the key set, a
 * token check, saving the data file), not at start, and then stays the same.
 */
import crypto from 'node:crypto';
import { syncBuiltinESMExports } from 'node:module';
import { createRemoteJWKSet, jwtVerify } from 'jose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { JWKS_PATH } from '../assumptions.js';
import { DEMO_CLIENT } from '../index.js';
import { startTestSandbox, type TestSandbox } from '../test-support/test-sandbox.js';

// Counts the RSA key pairs made: node:crypto's generateKeyPairSync wrapped, and the wrapper synced
// into the ES module bindings (jwt.ts imports it by name), restored after the file. (A module mock
// would not do: the test files share one module cache, so jwt.ts is already loaded.)
const generateKeyPairSync = crypto.generateKeyPairSync;
let rsaKeysMade = 0;
beforeAll(() => {
  const original = generateKeyPairSync as (...args: unknown[]) => unknown;
  crypto.generateKeyPairSync = ((...args: unknown[]) => {
    if (args[0] === 'rsa') rsaKeysMade += 1;
    return original(...args);
  }) as typeof generateKeyPairSync;
  syncBuiltinESMExports();
});
afterAll(() => {
  crypto.generateKeyPairSync = generateKeyPairSync;
  syncBuiltinESMExports();
});

describe('the token key of a sandbox without a data file', () => {
  let sb: TestSandbox;
  beforeAll(async () => {
    rsaKeysMade = 0;
    sb = await startTestSandbox({ shops: [{ name: 'demo', clients: [DEMO_CLIENT] }] });
  });
  afterAll(() => sb.close());

  it('is not made at start', () => {
    expect(rsaKeysMade).toBe(0);
  });

  it('is made once, on the first token, and signs the tokens the key set verifies', async () => {
    const token = async () => {
      const res = await sb.call('POST', '/demo/app/token', {
        body: {
          grant_type: 'client_credentials',
          client_id: DEMO_CLIENT.clientId,
          client_secret: DEMO_CLIENT.clientSecret,
        },
      });
      expect(res.status).toBe(200);
      return res.json().access_token as string;
    };
    const first = await token();
    expect(rsaKeysMade).toBe(1);
    const second = await token();
    expect(rsaKeysMade).toBe(1);
    const keySet = createRemoteJWKSet(new URL(`${sb.url}${JWKS_PATH}`));
    for (const access of [first, second]) await expect(jwtVerify(access, keySet)).resolves.toBeTruthy();
  });
});
