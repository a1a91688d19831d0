/**
 * `srhooks app install|uninstall` (--json and table) cut the credential-like query parameters of the
 * app's calls — `code`, `hmac` of the signed calls, an app's own `session` — to four characters, as
 * commands.md's Conventions cut a receiver URL's token, keeping the rest of the URL. (`install --json`
 * printed the signed install call URL whole, and the entry page excerpt with its `session=…` token.)
 */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { type RunningSandbox, startSandbox } from '@srhooks/sandbox';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCli, tempConfigDir } from '../test-support/run-cli.js';

const config = tempConfigDir();
const SESSION = 'sess-0123456789abcdef0123456789abcdef';
let sandbox: RunningSandbox;
let server: Server;
/** The values the app was sent or gave out: none may be printed whole. */
const secrets = new Set<string>([SESSION]);

beforeAll(async () => {
  // An app that sends the owner back to app_url with a session of its own, and links its pages with it.
  server = createServer((request, response) => {
    const url = new URL(request.url ?? '/', 'http://app.test');
    for (const name of ['code', 'hmac']) {
      const value = url.searchParams.get(name);
      if (value) secrets.add(value);
    }
    if (url.pathname === '/app/install') {
      response.writeHead(302, { location: `${url.searchParams.get('app_url')}?session=${SESSION}` });
      response.end();
    } else if (url.pathname === '/app/entry') {
      response.writeHead(200, { 'content-type': 'text/html' });
      response.end(`<a href="/app/orders?session=${SESSION}&amp;page=2">orders</a>`);
    } else {
      response.writeHead(200, { 'content-type': 'application/json' });
      response.end(`{"ok":true,"next":"/app/bye?hmac=${SESSION}"}`);
    }
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const app = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  sandbox = await startSandbox({ rateLimit: false, shops: [{ name: 'alpha', clients: [] }] });
  sandbox.apps.register({
    appId: '7',
    clientId: 'cli-app',
    clientSecret: 'cli-app-client-secret',
    redirectUri: `${app}/app/install`,
    entryPoint: `${app}/app/entry`,
    uninstallUri: `${app}/app/uninstall`,
  });
});

afterAll(async () => {
  await sandbox?.close();
  server?.closeAllConnections();
  await new Promise((resolve) => server?.close(resolve));
  config.cleanup();
});

const run = async (...args: string[]) => {
  const result = await runCli(config.dir, args, { env: { SRHOOKS_SANDBOX_URL: sandbox.url } });
  expect(result.code, result.stderr).toBe(0);
  return result.stdout;
};

/** Every secret the app saw or gave is absent; each named parameter's value is cut to `abcd…`. */
function expectCut(output: string): void {
  for (const secret of secrets) expect(output).not.toContain(secret);
  for (const [, value] of output.matchAll(/[?&;](?:code|hmac|session)=([^&"\s<>\\]*)/g))
    expect(value).toMatch(/^[^&]{0,4}…$/);
}

describe("app install|uninstall: the calls' credentials cut to four characters", () => {
  it('install --json: the signed call, the redirect, the entry point and its excerpt', async () => {
    const stdout = await run('app', 'install', '--shop', 'alpha', '--json');
    expect(secrets.size).toBe(5); // the session, code and hmac of the install call and of the entry point
    expectCut(stdout);
    const report = JSON.parse(stdout);
    // the rest of the URL is kept
    expect(report.call.url).toMatch(
      /\/app\/install\?shopname=alpha&code=\w{4}…&timestamp=\d+&hmac=\w{4}…&app_url=/,
    );
    expect(report.call.location).toMatch(/\/alpha\/admin\/app\/7\?session=sess…$/);
    expect(report.entryPoint.url).toMatch(
      /\/app\/entry\?shopname=alpha&code=\w{4}…&timestamp=\d+&hmac=\w{4}…&session=sess…$/,
    );
    expect(report.entryPoint.bodyExcerpt).toBe('<a href="/app/orders?session=sess…&amp;page=2">orders</a>');
  });

  it('install (table) and uninstall (--json and table)', async () => {
    expectCut(await run('app', 'install', '--shop', 'alpha', '--no-color'));
    const uninstalled = await run('app', 'uninstall', '--shop', 'alpha', '--json');
    expectCut(uninstalled);
    expect(JSON.parse(uninstalled).call.url).toMatch(
      /\/app\/uninstall\?shopname=alpha&code=\w{4}…&timestamp=\d+&hmac=\w{4}…$/,
    );
    await run('app', 'install', '--shop', 'alpha', '--json');
    expectCut(await run('app', 'uninstall', '--shop', 'alpha', '--no-color'));
  });
});
