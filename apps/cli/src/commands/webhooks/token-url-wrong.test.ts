/**
 * A token URL that a server answers as no OAuth token endpoint does (404/405 without an OAuth error,
 * or 200 without a token) — a mistyped `SRHOOKS_TOKEN_URL` or a stored `--token-url` — is named as
 * such by the shop commands, with where the URL came from, as `login` names it (`token_url_wrong`).
 * (They said `the token request … was rejected (404 invalid_request)` and to check the client id and
 * secret and run `srhooks login` again, which with the variable set sends the same URL again.)
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type CaptureServer, startCaptureServer } from '../../test-support/capture-server.js';
import { runCli, tempConfigDir } from '../../test-support/run-cli.js';

const config = tempConfigDir();
let server: CaptureServer;

beforeAll(async () => {
  server = await startCaptureServer((request) =>
    request.url.startsWith('/no-token')
      ? { status: 200, body: '<html>a web page</html>' }
      : { status: 404, body: '{"ok":false,"error":{"code":"not_found","message":"Not found."}}' },
  );
});

afterAll(async () => {
  await server?.close();
  config.cleanup();
});

const env = (tokenPath: string) => ({
  SRHOOKS_SHOP: 'demo',
  SRHOOKS_CLIENT_ID: 'cid',
  SRHOOKS_CLIENT_SECRET: 'csecret',
  SRHOOKS_API_URL: `${server.url}/{shop}/api`,
  SRHOOKS_TOKEN_URL: `${server.url}${tokenPath}`,
});

describe('webhooks list with a token URL that is no token endpoint', () => {
  it('a 404 is a wrong token URL from SRHOOKS_TOKEN_URL, not refused credentials (exit 3)', async () => {
    const run = await runCli(config.dir, ['webhooks', 'list', '--json'], { env: env('/{shop}/app/tokn') });
    expect(run.code).toBe(3);
    expect(JSON.parse(run.stdout).error).toEqual({
      code: 'token_url_wrong',
      message: `the token URL ${server.url}/demo/app/tokn answered 404: it is not a ShopRenter OAuth token endpoint`,
      hint: 'it came from SRHOOKS_TOKEN_URL, which replaces the stored token URL: correct it or unset it',
      exitCode: 3,
    });
  });

  it('a 200 without a token says so, with the same fix', async () => {
    const run = await runCli(config.dir, ['webhooks', 'list'], { env: env('/no-token') });
    expect(run.code).toBe(3);
    expect(run.stderr).toBe(
      `error: the token URL ${server.url}/no-token answered 200 without a token: it is not a ShopRenter OAuth token endpoint\nit came from SRHOOKS_TOKEN_URL, which replaces the stored token URL: correct it or unset it\n`,
    );
  });
});
