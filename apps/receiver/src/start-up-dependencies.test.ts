/**
 * What a receiver process loads at start-up (`node dist/main.js`, rebuilt first when src/ is newer):
 * a receiver on SQLite without broker handlers evaluates neither the PostgreSQL driver nor a broker
 * client (`pg`, `ioredis`, `amqplib`, the NATS client); a receiver on PostgreSQL does load `pg`
 * (which shows the check sees a dependency loaded the lazy way). Every `srhooks listen` pays for what
 * the receiver loads, and the CLI's tests start hundreds of them.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ensureBuiltMain } from './test-support/built-main.js';
import { TEST_DATABASE_URL, testSchemas } from './test-support/postgres-schema.js';

/**
 * Preloaded with `--import`: at exit, writes every CommonJS module the process loaded (the drivers are
 * CommonJS, whether they were imported or required) to the file `LOADED_MODULES_FILE` names, one path
 * a line (a file: written synchronously, so nothing is lost when the process ends), and every ES
 * module URL a load hook saw on stderr as `LOADED <url>`.
 */
const LOAD_RECORDER = `data:text/javascript,${encodeURIComponent(
  `import Module, { register } from 'node:module';
import { writeFileSync } from 'node:fs';
register('data:text/javascript,' + encodeURIComponent('export async function load(url, context, next) { process.stderr.write("LOADED " + url + "\\\\n"); return next(url, context); }'));
process.on('exit', () => writeFileSync(process.env.LOADED_MODULES_FILE, Object.keys(Module._cache).join('\\n')));`,
)}`;

/** The optional drivers, as package directories in a loaded module's path or URL. */
const OPTIONAL_DRIVERS: Record<string, RegExp> = {
  pg: /node_modules\/pg\//,
  ioredis: /node_modules\/ioredis\//,
  amqplib: /node_modules\/amqplib\//,
  nats: /node_modules\/@nats-io\//,
};

let main = '';
let cwd = '';
const children: ChildProcess[] = [];
const newSchema = testSchemas('startdeps');

beforeAll(() => {
  main = ensureBuiltMain();
  cwd = mkdtempSync(join(tmpdir(), 'srhooks-start-deps-'));
}, 120_000);
afterAll(() => {
  for (const child of children)
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
  rmSync(cwd, { recursive: true, force: true });
});

/** Starts `node dist/main.js` with the recorder, stops it with SIGTERM once it listens; the drivers it loaded. */
async function driversLoaded(env: Record<string, string>): Promise<string[]> {
  const loadedFile = join(cwd, `loaded-${children.length}.txt`);
  const child = spawn(process.execPath, ['--import', LOAD_RECORDER, main], {
    cwd,
    env: {
      PATH: process.env.PATH,
      SRHOOKS_SECRETS: 'start-deps-secret-0123456789',
      PORT: '0',
      HOST: '127.0.0.1',
      LOG_LEVEL: 'info',
      LOADED_MODULES_FILE: loadedFile,
      ...env,
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  children.push(child);
  let stdout = '';
  let stderr = '';
  let stopping = false;
  child.stdout?.on('data', (chunk: Buffer) => {
    stdout += chunk.toString('utf8');
    // once: a second signal makes the receiver exit at once (130)
    if (!stopping && stdout.includes('Server listening')) {
      stopping = true;
      child.kill('SIGTERM');
    }
  });
  child.stderr?.on('data', (chunk: Buffer) => {
    stderr += chunk.toString('utf8');
  });
  const code = await new Promise<number | null>((resolve) => child.once('close', (exit) => resolve(exit)));
  const loaded = [
    ...stderr
      .split('\n')
      .filter((line) => line.startsWith('LOADED '))
      .map((line) => line.slice('LOADED '.length)),
    ...(existsSync(loadedFile) ? readFileSync(loadedFile, 'utf8').split('\n') : []),
  ];
  expect(stdout, `the receiver never listened (exit ${code}): ${stderr.slice(-2000)}`).toContain(
    'Server listening',
  );
  expect(code).toBe(0);
  // the recorder ran: the receiver's own modules and its CommonJS dependencies are in the lists
  expect(loaded.some((path) => path.endsWith('/dist/main.js'))).toBe(true);
  expect(loaded.some((path) => /node_modules\/fastify\//.test(path))).toBe(true);
  return Object.entries(OPTIONAL_DRIVERS)
    .filter(([, pattern]) => loaded.some((path) => pattern.test(path)))
    .map(([name]) => name);
}

describe('the drivers a receiver loads at start-up (real processes)', () => {
  it('on SQLite without broker handlers: neither pg nor a broker client', async () => {
    expect(await driversLoaded({ SRHOOKS_DB: join(cwd, 'srhooks.db') })).toEqual([]);
  });

  it('on PostgreSQL: pg (and still no broker client)', async () => {
    const loaded = await driversLoaded({ DATABASE_URL: TEST_DATABASE_URL, SRHOOKS_DB_SCHEMA: newSchema() });
    expect(loaded).toEqual(['pg']);
  });
});
