/**
 * The commands a message tells the user to run are written the way the CLI was started: a clone runs
 * it as `npm run srhooks -- …` (the root README) and has no `srhooks` on its PATH, so the fix line of
 * an error and the hints of a result name `npm run srhooks -- login …` there, and `srhooks login …`
 * from the installed bin. JSON stays as it is.
 */
import { writeFileSync } from 'node:fs';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { CLI_PATH, runCli, startCli, tempConfigDir } from './test-support/run-cli.js';

const config = tempConfigDir();

describe('commands named in messages', () => {
  it('from the checkout (node apps/cli/dist/cli.js): the fix line and a result hint say npm run srhooks --', async () => {
    const error = await runCli(config.dir, ['webhooks', 'list', '--shop', 'acme'], { script: CLI_PATH });
    expect(error.code).not.toBe(0);
    expect(error.stderr).toContain('run npm run srhooks -- login --shop acme --client-id');
    expect(error.stderr).not.toMatch(/(?<!run )srhooks login/);

    const shops = await runCli(config.dir, ['shops'], { script: CLI_PATH });
    expect(shops.stdout + shops.stderr).toContain('run npm run srhooks -- login --shop NAME');
  });

  it('through the npm script (npm run srhooks -- …, npm_lifecycle_event=srhooks) likewise', async () => {
    const error = await runCli(config.dir, ['webhooks', 'list', '--shop', 'acme'], {
      env: { npm_lifecycle_event: 'srhooks' },
    });
    expect(error.stderr).toContain('run npm run srhooks -- login --shop acme');
  });

  it('from the installed srhooks bin: srhooks login; under --json the error document is unchanged', async () => {
    const error = await runCli(config.dir, ['webhooks', 'list', '--shop', 'acme']);
    expect(error.stderr).toContain('run srhooks login --shop acme --client-id');
    const json = await runCli(config.dir, ['webhooks', 'list', '--shop', 'acme', '--json'], {
      script: CLI_PATH,
    });
    const document = JSON.parse(json.stdout) as { error: { hint?: string } };
    expect(document.error.hint).toContain('run srhooks login --shop acme');
  });
});

describe('names of things are not commands', () => {
  it('a server that is not the sandbox: "not a srhooks sandbox" from the checkout too, not the command path', async () => {
    const server = createServer((_request, response) => {
      response.writeHead(404, { 'content-type': 'text/plain' }).end('no such page');
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    try {
      const run = await runCli(config.dir, ['sandbox', 'order', '--sandbox-url', base], { script: CLI_PATH });
      expect(run.code).toBe(3);
      expect(run.stderr).toContain(`error: ${base} is not a srhooks sandbox (it answered`);
      expect(run.stderr).toContain('at a running srhooks sandbox (default');
      expect(run.stderr).not.toContain('npm run srhooks -- sandbox');
      const json = await runCli(config.dir, ['sandbox', 'order', '--sandbox-url', base, '--json'], {
        script: CLI_PATH,
      });
      const document = JSON.parse(json.stdout) as { error: { message: string; hint: string } };
      expect(document.error.message).toContain('is not a srhooks sandbox (it answered');
      expect(document.error.hint).toContain('at a running srhooks sandbox');
    } finally {
      server.close();
    }
  });

  it('trigger answered 404: the URL srhooks listen printed (a name), or npm run srhooks -- url (a command)', async () => {
    const server = createServer((_request, response) => {
      response.writeHead(404, { 'content-type': 'text/plain' }).end('not found');
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    try {
      const run = await runCli(
        config.dir,
        ['trigger', 'order_confirm', '--to', `${base}/hooks/demo/order_confirm/AbCdEfGhIjKlMnOp`],
        { script: CLI_PATH },
      );
      expect(run.stderr).toContain(
        'use a URL srhooks listen printed, or make one with npm run srhooks -- url and the receiver',
      );
    } finally {
      server.close();
    }
  });

  it('listen from the checkout: "from srhooks login" and events show\'s "srhooks listen verifies no order" name things', async () => {
    const own = tempConfigDir();
    const login = await runCli(
      own.dir,
      [
        'login',
        '--shop',
        'demo',
        '--client-id',
        'mentions-client',
        '--client-secret',
        'mentions-secret-1f0e',
        '--no-verify',
      ],
      { script: CLI_PATH },
    );
    expect(login.code).toBe(0);
    const listen = startCli(
      own.dir,
      ['listen', '--port', '0', '--shop', 'demo', '--events', 'order_confirm'],
      {
        script: CLI_PATH,
      },
    );
    try {
      await listen.waitForLine(/waiting for deliveries/);
      expect(listen.stdout()).toContain(
        'API credentials for demo (OAuth client credentials, from srhooks login): npm run srhooks -- recover reads',
      );
      const url =
        (await listen.waitForLine(/\/hooks\/demo\/order_confirm\//)).trim().split(/\s+/).at(-1) ?? '';
      expect((await runCli(own.dir, ['trigger', 'order_confirm', '--to', url])).code).toBe(0);
      await listen.waitForLine(/→ console succeeded$/);
      const listed = await runCli(own.dir, ['events', 'list', '--json']);
      const [event] = JSON.parse(listed.stdout).items as { id: string }[];
      const shown = await runCli(own.dir, ['events', 'show', event?.id ?? ''], { script: CLI_PATH });
      expect(shown.stdout).toContain("not checked against the shop's API — srhooks listen verifies no order");
      expect(shown.stdout).not.toContain('npm run srhooks -- listen verifies');
      // shops --receiver: why listen's shop has no known subscriptions names listen, the thing
      const shops = await runCli(own.dir, ['shops', '--receiver'], { script: CLI_PATH });
      expect(shops.stdout).toContain(
        '(no "events" or "webhooks" configured for it; srhooks listen makes none)',
      );
      expect(shops.stdout).toContain('  npm run srhooks -- webhooks list --shop demo');
      // app mark-uninstalled: the shops listen took from srhooks login (a thing); restarting it is a command
      const marked = await runCli(own.dir, ['app', 'mark-uninstalled', 'demo'], { script: CLI_PATH });
      expect(marked.code).toBe(2);
      expect(marked.stderr).toContain(
        "(--shop, SRHOOKS_SHOP or srhooks login's): to stop serving demo, restart npm run srhooks -- listen without it",
      );
    } finally {
      expect(await listen.interrupt()).toBe(0);
      own.cleanup();
    }
  });

  it('refusals from the checkout name srhooks login and srhooks listen as things: the logins it stored, an earlier listen', async () => {
    const own = tempConfigDir();
    const server = createServer((_request, response) => {
      response.writeHead(404, { 'content-type': 'text/plain' }).end('no such page');
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    try {
      for (const shop of ['alpha', 'beta']) {
        const login = await runCli(own.dir, [
          'login',
          '--shop',
          shop,
          '--client-id',
          `names-${shop}`,
          '--client-secret',
          'names-secret-8277e091',
          '--token-url',
          `${base}/{shop}/tokn`,
          '--no-verify',
        ]);
        expect(login.code).toBe(0);
      }
      const env = { SRHOOKS_CLIENT_ID: 'env-client', SRHOOKS_CLIENT_SECRET: 'env-secret-1679091c' };
      const listen = await runCli(own.dir, ['listen', '--port', '0'], { script: CLI_PATH, env });
      expect(listen.code).toBe(2);
      expect(listen.stderr).toContain('or unset them to serve the logins srhooks login stored\n');
      const file = join(own.dir, 'srhooks.config.json');
      writeFileSync(file, JSON.stringify({ shops: [{ name: 'alpha' }, { name: 'beta' }] }));
      const sync = await runCli(own.dir, ['webhooks', 'sync', '-f', file], { script: CLI_PATH, env });
      expect(sync.code).toBe(2);
      expect(sync.stderr).toContain('or unset them to use the logins srhooks login stored\n');
      const notDb = join(own.dir, 'not-a-db.txt');
      writeFileSync(notDb, 'plain text, no SQLite database\n'.repeat(200));
      const db = await runCli(own.dir, ['listen', '--port', '0', '--shop', 'alpha', '--db', notDb], {
        script: CLI_PATH,
      });
      expect(db.code).toBe(2);
      expect(db.stderr).toContain('or one an earlier srhooks listen wrote');
      const token = await runCli(own.dir, ['webhooks', 'list', '--shop', 'alpha'], { script: CLI_PATH });
      expect(token.code).toBe(3);
      expect(token.stderr).toContain(
        "check the token URL srhooks login stored (--token-url; leave it out for ShopRenter's own), then run npm run srhooks -- login again",
      );
    } finally {
      server.close();
      own.cleanup();
    }
  });

  it('a server flag given to sandbox order: the server is named srhooks sandbox, the command to start it is rewritten', async () => {
    const run = await runCli(config.dir, ['sandbox', 'order', '--port', '4700'], { script: CLI_PATH });
    expect(run.code).toBe(2);
    expect(run.stderr).toContain(
      'error: --port is an option of srhooks sandbox (the server), not of sandbox order',
    );
    expect(run.stderr).toContain('start the server with npm run srhooks -- sandbox --port PORT and point');
    const json = await runCli(config.dir, ['sandbox', 'order', '--port', '4700', '--json'], {
      script: CLI_PATH,
    });
    const document = JSON.parse(json.stdout) as { error: { message: string; hint: string } };
    expect(document.error.message).toBe(
      '--port is an option of srhooks sandbox (the server), not of sandbox order',
    );
    expect(document.error.hint).toContain('start the server with srhooks sandbox --port PORT');
  });
});
