import { spawn } from 'node:child_process';
import { freePort } from '@srhooks/sandbox';
import { afterAll, describe, expect, it } from 'vitest';
import { CLI_PATH, cliEnv, runCli, seenOutput, tempConfigDir } from './test-support/run-cli.js';

const config = tempConfigDir();
afterAll(() => config.cleanup());

/** A module hook that prints every module URL node loads on stderr (`LOADED <url>`). */
const LOAD_LOGGER = `data:text/javascript,${encodeURIComponent(
  `import { register } from 'node:module';
register('data:text/javascript,' + encodeURIComponent('export async function load(url, context, next) { process.stderr.write("LOADED " + url + "\\\\n"); return next(url, context); }'));`,
)}`;

/** Runs `node dist/cli.js …args` and returns the URLs of every module it loaded. */
function loadedModules(args: string[], env: Record<string, string> = {}): Promise<string[]> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['--import', LOAD_LOGGER, CLI_PATH, ...args], {
      env: cliEnv(config.dir, env),
      stdio: ['ignore', 'ignore', 'pipe'],
    });
    let stderr = '';
    child.stderr.setEncoding('utf8').on('data', (chunk: string) => {
      stderr += chunk;
    });
    child.on('error', reject);
    child.on('close', () => {
      const loaded = stderr
        .split('\n')
        .filter((line) => line.startsWith('LOADED '))
        .map((line) => line.slice('LOADED '.length));
      resolve(loaded);
    });
  });
}

/** Whether `loaded` holds the whole contracts package (its index: every zod schema) or zod itself. */
function heavyModules(loaded: string[]): string[] {
  return loaded.filter((url) => /\/contracts\/dist\/index\.js$/.test(url) || /\/zod[@/]/.test(url));
}

// Every CLI command is a fresh node process (and the test suites run hundreds of them): a command
// loads what it uses, not every schema of the contracts package (its light subpaths instead:
// '@srhooks/contracts/events', '/receiver-path', '/catalogue' …). Only what talks to a shop (the
// client) or runs a receiver or sandbox loads the whole package, and only once it does.
describe('what a command loads at start-up', () => {
  it('the hook sees the modules a command loads (url loads the part of the contracts package it uses)', async () => {
    const loaded = await loadedModules(['url', '--base', 'https://hooks.example.com', '--shop', 'demo']);
    expect(loaded.some((url) => url.endsWith('/cli.js'))).toBe(true);
    expect(loaded.some((url) => /\/cli\/dist\/url-[^/]*\.js$/.test(url))).toBe(true);
    expect(loaded.some((url) => /\/contracts\/dist\/receiver-path\.js$/.test(url))).toBe(true);
    expect(heavyModules(loaded)).toEqual([]);
  });

  it('an admin command (deliveries list) loads neither the whole contracts package nor zod', async () => {
    const port = await freePort();
    const loaded = await loadedModules(['deliveries', 'list', '--receiver', `http://127.0.0.1:${port}`], {
      SRHOOKS_ADMIN_TOKEN: 'admin-token-for-the-start-up-test',
    });
    expect(loaded.some((url) => /\/cli\/dist\/list-[^/]*\.js$/.test(url))).toBe(true);
    expect(heavyModules(loaded)).toEqual([]);
  });

  // Each command runs until it reaches the network (a closed port) or a check of its own; by then its
  // command module and everything that module imports are loaded.
  it.each([
    {
      name: 'trigger',
      chunk: 'trigger',
      args: (port: number) => ['trigger', 'order_confirm', '--to', `http://127.0.0.1:${port}/hooks`],
    },
    {
      name: 'listen',
      chunk: 'listen',
      args: () => ['listen', '--events', 'order_confirm,order_nope', '--port', '0'],
    },
    {
      name: 'sandbox order',
      chunk: 'sandbox-simulate',
      args: (port: number) => ['sandbox', 'order', '--sandbox-url', `http://127.0.0.1:${port}`],
    },
    { name: 'webhooks list', chunk: 'list', args: () => ['webhooks', 'list', '--shop', 'nobody-logged-in'] },
    { name: 'fields', chunk: 'fields', args: () => ['fields', 'order_confirm'] },
    {
      name: 'events show',
      chunk: 'show',
      args: (port: number) => ['events', 'show', 'evt_x', '--receiver', `http://127.0.0.1:${port}`],
      env: { SRHOOKS_ADMIN_TOKEN: 'admin-token-for-the-start-up-test' },
    },
  ])(
    '$name loads its command module but neither the whole contracts package nor zod',
    async ({ chunk, args, env }) => {
      const loaded = await loadedModules(args(await freePort()), env);
      expect(loaded.some((url) => new RegExp(`/cli/dist/${chunk}-[^/]*\\.js$`).test(url))).toBe(true);
      expect(heavyModules(loaded)).toEqual([]);
    },
  );
});

// Encoding a delivery (JSON or XML) needs the XML writer, never the XML parser.
it('trigger loads the delivery encoder but not the XML parser', async () => {
  const loaded = await loadedModules([
    'trigger',
    'order_confirm',
    '--to',
    `http://127.0.0.1:${await freePort()}/hooks`,
  ]);
  expect(loaded.some((url) => /\/contracts\/dist\/codec\/encode-delivery\.js$/.test(url))).toBe(true);
  expect(
    loaded.filter((url) => /\/contracts\/dist\/codec\/xml\.js$/.test(url) || /\/fast-xml-parser\//.test(url)),
  ).toEqual([]);
});

// A command that talks to a shop needs zod (the client reads the answers with the contracts' schemas),
// but only the API client and the schemas it uses: not the client's receiver-side helpers (delivery
// verification, app requests), which load every schema, the delivery codec and its XML parser. The
// XML parser is loaded only when an API answer is XML.
describe('what a command that talks to a shop loads', () => {
  it.each([
    { name: 'webhooks list', chunk: 'list', args: () => ['webhooks', 'list', '--shop', 'demo'] },
    {
      name: 'login',
      chunk: 'login',
      args: (closed: string) => [
        'login',
        '--shop',
        'demo',
        '--client-id',
        'start-up-test-client',
        '--client-secret',
        'start-up-test-secret-0123456789',
        '--token-url',
        `${closed}/token`,
        '--api-url',
        `${closed}/api`,
      ],
    },
  ])(
    '$name loads the API client (@srhooks/client/api), not the whole client or contracts package, nor the XML parser',
    async ({ chunk, args }) => {
      const closed = `http://127.0.0.1:${await freePort()}`;
      const loaded = await loadedModules(args(closed), {
        SRHOOKS_CLIENT_ID: 'start-up-test-client',
        SRHOOKS_CLIENT_SECRET: 'start-up-test-secret-0123456789',
        SRHOOKS_API_URL: `${closed}/api`,
        SRHOOKS_TOKEN_URL: `${closed}/token`,
      });
      expect(loaded.some((url) => new RegExp(`/cli/dist/${chunk}-[^/]*\\.js$`).test(url))).toBe(true);
      expect(
        loaded.filter(
          (url) =>
            /\/(contracts|client)\/dist\/index\.js$/.test(url) ||
            /\/contracts\/dist\/codec\/xml\.js$/.test(url) ||
            /\/fast-xml-parser\//.test(url),
        ),
      ).toEqual([]);
      expect(loaded.some((url) => /\/client\/dist\/api\.js$/.test(url))).toBe(true);
    },
  );
});

// The test files share one worker and its module cache (isolate: false in vitest.config.ts); what
// a file's never-printed-a-secret checks read must be that file's output only. cli.test.ts checks
// the same, so whichever of the two runs second sees the other's output unless it is emptied.
describe('seenOutput (every output seen by this test file)', () => {
  it('holds no output of another test file', async () => {
    expect(seenOutput).toEqual([]);
    const run = await runCli(config.dir, ['--version']);
    expect(run.code).toBe(0);
    expect(seenOutput).toEqual([run.stdout, run.stderr]);
  });
});
