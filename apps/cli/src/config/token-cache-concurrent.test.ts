/**
 * Several srhooks processes writing token-cache.json at once (a script running `webhooks …` for several
 * shops in parallel): each reads the file, adds its entry and renames its copy over the file, so without
 * a lock the last rename drops the entries the others added meanwhile (an extra token request later).
 * The child processes run the bundled CLI's own token-cache module (dist/, built by the global setup),
 * start writing at the same moment, and every entry each of them stored must be there afterwards.
 */
import { spawn } from 'node:child_process';
import { readdirSync, readFileSync, utimesSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { afterEach, describe, expect, it } from 'vitest';
import { CliError } from '../cli-error.js';
import { tempConfigDir } from '../test-support/run-cli.js';
import { TOKEN_CACHE_LOCK_WAIT_MS, TokenCacheFile } from './token-cache.js';

const DIST = fileURLToPath(new URL('../../dist/', import.meta.url));

/** The dist chunk that exports TokenCacheFile (the bundle splits it out under a hashed name). */
function distTokenCacheModule(): string {
  for (const name of readdirSync(DIST)) {
    if (!name.endsWith('.js')) continue;
    const text = readFileSync(join(DIST, name), 'utf8');
    if (/export \{[^}]*\bTokenCacheFile\b[^}]*\}/.test(text) && /["']token-cache\.json["']/.test(text))
      return join(DIST, name);
  }
  throw new Error(`no chunk in ${DIST} exports TokenCacheFile: build the CLI (npm run build)`);
}

/**
 * One writer: waits for "go" on stdin, then stores `count` entries of shop `shop`, one after another.
 * It waits up to 60 s for the lock (a command waits 1 s, then skips its write: on a loaded machine ten
 * processes writing at once can make one wait that long, and a skipped write is not what this tests).
 */
const CHILD = `
const [modulePath, dir, shop, count] = process.argv.slice(1);
const { TokenCacheFile } = await import(modulePath);
const cache = new TokenCacheFile(dir, { lockWaitMs: 60_000 });
process.stdout.write('ready\\n');
await new Promise((resolve) => process.stdin.once('data', resolve));
for (let i = 0; i < Number(count); i++) {
  await cache
    .cacheFor({ shop, clientId: 'client-' + i, clientSecret: 'secret-' + i, tokenUrl: undefined })
    .write({ accessToken: shop + '-token-' + i, expiresAt: new Date(Date.now() + 3_600_000), obtainedAt: new Date(), scopes: ['product:read'] });
}
process.stdout.write('done\\n');
process.stdin.destroy();
`;

interface Writer {
  ready: Promise<void>;
  done: Promise<{ code: number | null; output: string }>;
  go: () => void;
}

function startWriter(modulePath: string, dir: string, shop: string, count: number): Writer {
  const child = spawn(
    process.execPath,
    ['--input-type=module', '-e', CHILD, pathToFileURL(modulePath).href, dir, shop, String(count)],
    { stdio: ['pipe', 'pipe', 'pipe'] },
  );
  let output = '';
  let markReady: () => void = () => {};
  const ready = new Promise<void>((resolve) => {
    markReady = resolve;
  });
  child.stdout.setEncoding('utf8').on('data', (chunk: string) => {
    output += chunk;
    if (output.includes('ready\n')) markReady();
  });
  child.stderr.setEncoding('utf8').on('data', (chunk: string) => {
    output += chunk;
  });
  const done = new Promise<{ code: number | null; output: string }>((resolve, reject) => {
    child.on('error', reject);
    child.on('close', (code) => {
      markReady();
      resolve({ code, output });
    });
  });
  return { ready, done, go: () => child.stdin.write('go\n') };
}

function cachedTokens(dir: string): Record<string, string> {
  const file = JSON.parse(readFileSync(join(dir, 'token-cache.json'), 'utf8')) as {
    tokens: Record<string, { accessToken: string }>;
  };
  return Object.fromEntries(Object.entries(file.tokens).map(([key, entry]) => [key, entry.accessToken]));
}

const identity = (shop: string, i: number) => ({
  shop,
  clientId: `client-${i}`,
  clientSecret: `secret-${i}`,
  tokenUrl: undefined,
});
const token = (accessToken: string) => ({
  accessToken,
  expiresAt: new Date(Date.now() + 3_600_000),
  obtainedAt: new Date(),
  scopes: ['product:read'],
});

const configs: Array<{ cleanup: () => void }> = [];
function configDir(): string {
  const config = tempConfigDir();
  configs.push(config);
  return config.dir;
}
afterEach(() => {
  for (const config of configs.splice(0)) config.cleanup();
});

const PROCESSES = 10;
const ENTRIES = 4;

describe('token-cache.json written by several processes at once', () => {
  it(`keeps every entry each process stored (${PROCESSES} processes × ${ENTRIES} entries, started together)`, async () => {
    const dir = configDir();
    const modulePath = distTokenCacheModule();
    const shops = Array.from({ length: PROCESSES }, (_, k) => `shop${k}`);
    const writers = shops.map((shop) => startWriter(modulePath, dir, shop, ENTRIES));
    await Promise.all(writers.map((writer) => writer.ready));
    for (const writer of writers) writer.go();
    const results = await Promise.all(writers.map((writer) => writer.done));
    for (const result of results) expect(result, result.output).toMatchObject({ code: 0 });

    const tokens = Object.values(cachedTokens(dir)).sort();
    const expected = shops
      .flatMap((shop) => Array.from({ length: ENTRIES }, (_, i) => `${shop}-token-${i}`))
      .sort();
    expect(tokens).toEqual(expected);
    // no lock and no temporary file left behind
    expect(readdirSync(dir)).toEqual(['token-cache.json']);
  });
});

describe('the token cache lock', () => {
  const lockOf = (dir: string) => join(dir, 'token-cache.json.lock');

  it('a lock left by a process that died holding it (older than a few seconds) is taken over', async () => {
    const dir = configDir();
    const cache = new TokenCacheFile(dir);
    await cache.cacheFor(identity('acme', 1)).write(token('first'));
    writeFileSync(lockOf(dir), '4242 deadbeef\n');
    const longAgo = new Date(Date.now() - 60_000);
    utimesSync(lockOf(dir), longAgo, longAgo);

    await cache.cacheFor(identity('acme', 2)).write(token('second'));
    expect(Object.values(cachedTokens(dir)).sort()).toEqual(['first', 'second']);
    expect(readdirSync(dir)).toEqual(['token-cache.json']);
  });

  it('a lock another process holds: the write is skipped after a short wait, never an error', async () => {
    const dir = configDir();
    const cache = new TokenCacheFile(dir);
    await cache.cacheFor(identity('acme', 1)).write(token('first'));
    writeFileSync(lockOf(dir), '4242 deadbeef\n');

    const started = Date.now();
    await expect(cache.cacheFor(identity('acme', 2)).write(token('second'))).resolves.toBeUndefined();
    const waited = Date.now() - started;
    expect(waited).toBeGreaterThanOrEqual(TOKEN_CACHE_LOCK_WAIT_MS - 50);
    expect(waited).toBeLessThan(TOKEN_CACHE_LOCK_WAIT_MS + 2_000);
    expect(Object.values(cachedTokens(dir))).toEqual(['first']);
    // the holder's lock is left alone; reading needs no lock
    expect(readFileSync(lockOf(dir), 'utf8')).toBe('4242 deadbeef\n');
    await expect(cache.cacheFor(identity('acme', 1)).read()).resolves.toMatchObject({ accessToken: 'first' });
  });

  it('logout cannot remove tokens while another process holds the lock: a typed error, nothing changed', async () => {
    const dir = configDir();
    const cache = new TokenCacheFile(dir);
    await cache.cacheFor(identity('acme', 1)).write(token('first'));
    writeFileSync(lockOf(dir), '4242 deadbeef\n');
    // the holder is alive: its lock never grows stale
    const keepFresh = setInterval(() => {
      const now = new Date();
      utimesSync(lockOf(dir), now, now);
    }, 200);
    try {
      const error = await cache.forgetShop('acme').catch((caught: unknown) => caught);
      expect(error).toBeInstanceOf(CliError);
      expect(error).toMatchObject({ code: 'token_cache_busy' });
      expect((error as CliError).message).toContain('token-cache.json');
    } finally {
      clearInterval(keepFresh);
    }
    expect(Object.values(cachedTokens(dir))).toEqual(['first']);
  });

  it('logout with no cache file (nor config dir) succeeds without creating anything', async () => {
    const dir = configDir();
    await new TokenCacheFile(dir).forgetShop('acme');
    await new TokenCacheFile(dir).forgetShop(undefined);
    expect(() => readdirSync(dir)).toThrow(/ENOENT/);
  });
});
