import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { DEMO_CLIENT, type RunningSandbox, startSandbox } from '@srhooks/sandbox';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCli, tempConfigDir } from '../test-support/run-cli.js';
import { loginArgs } from '../test-support/test-sandbox.js';
import { sandboxOfLogin } from './sandbox-url.js';

// The sandbox commands (`sandbox order|…`, `app install|uninstall`) talk to the sandbox the stored
// login points at when neither --sandbox-url nor SRHOOKS_SANDBOX_URL names one: a sandbox started on
// another port than 8787 and logged in to needs no flag on every command.

const config = tempConfigDir();
let sandbox: RunningSandbox;

beforeAll(async () => {
  // port 0: never 8787, so the built-in default cannot be what answers
  sandbox = await startSandbox({ rateLimit: false });
  const login = await runCli(config.dir, loginArgs(sandbox, 'demo', DEMO_CLIENT));
  if (login.code !== 0) throw new Error(login.stderr);
});
afterAll(async () => {
  await sandbox.close();
  config.cleanup();
});

const using = (url: string, shop = 'demo') =>
  `using the sandbox at ${url}, which the login of shop ${shop} points at (--sandbox-url picks another)\n`;

describe('the sandbox URL of the sandbox commands', () => {
  it('sandbox order without --sandbox-url uses the logged-in sandbox and says so', async () => {
    const run = await runCli(config.dir, ['sandbox', 'order', '--no-wait', '--json']);
    expect(run.stderr).toBe(using(sandbox.url));
    expect(run.code).toBe(0);
    expect(JSON.parse(run.stdout)).toMatchObject({ action: 'order', shop: 'demo' });
    expect(sandbox.url).not.toContain(':8787');
  });

  it('another shop with no login of its own: the current login (the default shop) points at the sandbox', async () => {
    const run = await runCli(config.dir, ['sandbox', 'order', '--shop', 'nope', '--no-wait']);
    expect(run.stderr).toContain(using(sandbox.url));
    // the logged-in sandbox was asked: it does not serve that shop (not "cannot reach … :8787")
    expect(run.stderr).toContain('error: the sandbox answered 404');
    expect(run.code).toBe(3);
  });

  it('app install|uninstall use it too', async () => {
    const run = await runCli(config.dir, ['app', 'uninstall', '--shop', 'demo']);
    expect(run.stderr).toContain(using(sandbox.url));
    expect(run.stderr).not.toContain('cannot reach');
  });

  it('--sandbox-url wins, and nothing is said about the login', async () => {
    const run = await runCli(config.dir, ['sandbox', 'order', '--sandbox-url', 'http://127.0.0.1:1']);
    expect(run.code).toBe(3);
    expect(run.stderr).toMatch(/^error: cannot reach the sandbox at http:\/\/127\.0\.0\.1:1\n/);
    expect(run.stderr).not.toContain('using the sandbox');
  });

  it('SRHOOKS_SANDBOX_URL wins over the login', async () => {
    const run = await runCli(config.dir, ['sandbox', 'order'], {
      env: { SRHOOKS_SANDBOX_URL: 'http://127.0.0.1:1' },
    });
    expect(run.code).toBe(3);
    expect(run.stderr).toMatch(/^error: cannot reach the sandbox at http:\/\/127\.0\.0\.1:1\n/);
  });

  it("a logged-in sandbox that is down: the hint starts it on the login's port", async () => {
    const stopped = await startSandbox({ rateLimit: false });
    const other = tempConfigDir();
    try {
      const login = await runCli(other.dir, loginArgs(stopped, 'demo', DEMO_CLIENT));
      expect(login.code, login.stderr).toBe(0);
      await stopped.close();
      const port = new URL(stopped.url).port;
      const run = await runCli(other.dir, ['sandbox', 'order', '--no-wait']);
      expect(run.code).toBe(3);
      // before: "start it with srhooks sandbox", which listens on 8787, not where the login points
      expect(run.stderr).toContain(
        `nothing listens there (ECONNREFUSED); start it with srhooks sandbox --port ${port} (or pass --sandbox-url / set SRHOOKS_SANDBOX_URL)\n`,
      );
    } finally {
      other.cleanup();
    }
  });

  it('SRHOOKS_API_URL and SRHOOKS_TOKEN_URL alone (no credentials file) name the sandbox, as for every command', async () => {
    const empty = tempConfigDir();
    try {
      const run = await runCli(empty.dir, ['sandbox', 'order', '--no-wait', '--json'], {
        env: {
          SRHOOKS_API_URL: `${sandbox.url}/{shop}/api`,
          SRHOOKS_TOKEN_URL: `${sandbox.url}/{shop}/app/token`,
        },
      });
      expect(run.stderr).toBe(
        `using the sandbox at ${sandbox.url}, which SRHOOKS_API_URL and SRHOOKS_TOKEN_URL point at (--sandbox-url picks another)\n`,
      );
      expect(run.code).toBe(0);
      expect(JSON.parse(run.stdout)).toMatchObject({ action: 'order', shop: 'demo' });
    } finally {
      empty.cleanup();
    }
  });

  it("SRHOOKS_API_URL over a sandbox login's URL: the login no longer names a sandbox (its API is elsewhere)", async () => {
    const run = await runCli(config.dir, ['sandbox', 'order', '--timeout', '2s'], {
      env: { SRHOOKS_API_URL: 'https://{shop}.api2.myshoprenter.hu/api' },
    });
    expect(run.stderr).not.toContain('using the sandbox');
    if (run.code === 3) expect(run.stderr).toContain('http://127.0.0.1:8787');
  });

  it('a malformed SRHOOKS_API_URL is a usage error, as in every other command (not a silent fall-back to :8787)', async () => {
    const run = await runCli(config.dir, ['sandbox', 'order', '--timeout', '2s'], {
      env: { SRHOOKS_API_URL: 'ftp://{shop}.example/api' },
    });
    expect(run.code).toBe(2);
    expect(run.stderr).toMatch(/^error: SRHOOKS_API_URL must be .*, got "ftp:\/\/\{shop\}\.example\/api"\n/);
    expect(run.stderr).not.toContain('8787');
  });

  it('a credentials file that cannot be read: says so, and uses the default', async () => {
    const broken = tempConfigDir();
    try {
      mkdirSync(broken.dir, { recursive: true });
      writeFileSync(join(broken.dir, 'credentials.json'), '{"shops": ');
      const run = await runCli(broken.dir, ['sandbox', 'order', '--timeout', '2s']);
      expect(run.stderr).toMatch(
        /^the credentials file cannot be read, so no login's sandbox is used: .*credentials\.json/,
      );
      expect(run.stderr).not.toContain('using the sandbox');
      if (run.code === 3) expect(run.stderr).toContain('http://127.0.0.1:8787');
    } finally {
      broken.cleanup();
    }
  });

  it('with no login the default is still http://127.0.0.1:8787', async () => {
    const empty = tempConfigDir();
    try {
      const run = await runCli(empty.dir, ['sandbox', 'order', '--timeout', '2s']);
      expect(run.stderr).not.toContain('using the sandbox');
      // nothing of a test listens on 8787 (a developer's own sandbox there would answer)
      if (run.code === 3) expect(run.stderr).toContain('http://127.0.0.1:8787');
    } finally {
      empty.cleanup();
    }
  });
});

describe('sandboxOfLogin', () => {
  const saved = { auth: { clientId: 'c', clientSecret: 's' }, savedAt: '' };

  it('is the origin of a login made with the URLs srhooks sandbox prints (any host, port)', () => {
    expect(
      sandboxOfLogin('demo', {
        ...saved,
        apiUrl: 'http://127.0.0.1:4700/{shop}/api',
        tokenUrl: 'http://127.0.0.1:4700/{shop}/app/token',
      }),
    ).toBe('http://127.0.0.1:4700');
    expect(
      sandboxOfLogin('demo', {
        ...saved,
        apiUrl: 'http://[::1]:4700/demo/api/',
        tokenUrl: 'http://[::1]:4700/demo/app/token',
      }),
    ).toBe('http://[::1]:4700');
  });

  it("is none for ShopRenter's own URLs (the defaults, absent from the login, or given), nor for mixed origins", () => {
    expect(sandboxOfLogin('demo', saved)).toBeUndefined();
    expect(
      sandboxOfLogin('demo', {
        ...saved,
        apiUrl: 'https://{shop}.api2.myshoprenter.hu/api',
        tokenUrl: 'https://oauth.app.shoprenter.net/{shop}/app/token',
      }),
    ).toBeUndefined();
    expect(
      sandboxOfLogin('demo', {
        ...saved,
        apiUrl: 'http://127.0.0.1:4700/{shop}/api',
        tokenUrl: 'http://127.0.0.1:4701/{shop}/app/token',
      }),
    ).toBeUndefined();
  });
});
