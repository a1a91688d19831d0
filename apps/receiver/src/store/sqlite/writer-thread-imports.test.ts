/**
 * The SQLite writer thread loads only what writing needs. Every SqliteStore starts one, and a thread
 * shares no module cache with its process: each import of the thread is paid at every start. Through
 * `@srhooks/contracts`' index (a `customerEmailHash` or an event list taken from it) the thread loaded
 * every schema and zod with them — about 0.2 s of CPU per start, more than the rest of the thread; the
 * store's modules import the sub-paths they need instead (`@srhooks/contracts/events`, …).
 */
import { spawnSync } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import { writerThreadEntry } from './writer-thread-entry.js';

/** A module resolve hook that prints every URL it resolves (one line each, on stderr). */
const PRINT_RESOLVED = `data:text/javascript,${encodeURIComponent(
  "export async function resolve(specifier, context, next) { const result = await next(specifier, context); process._rawDebug('resolved ' + result.url); return result; }",
)}`;

describe('the SQLite writer thread', () => {
  it("loads no schema: neither zod nor @srhooks/contracts' index", () => {
    const entry = writerThreadEntry().href;
    // The thread's module, imported outside a thread, refuses to run once its imports are loaded.
    const run = spawnSync(
      process.execPath,
      [
        '--no-warnings',
        '--experimental-loader',
        PRINT_RESOLVED,
        '--input-type=module',
        '-e',
        `await import(${JSON.stringify(entry)}).catch(() => {});`,
      ],
      { encoding: 'utf8', timeout: 60_000 },
    );
    const resolved = run.stderr
      .split('\n')
      .filter((line) => line.startsWith('resolved '))
      .map((line) => line.slice('resolved '.length));
    expect(resolved).toContain(entry);
    expect(resolved.some((url) => url.includes('better-sqlite3'))).toBe(true);
    expect(resolved.filter((url) => /\/zod\//.test(url))).toEqual([]);
    expect(resolved.filter((url) => /\/contracts\/dist\/index\.js$/.test(url))).toEqual([]);
  });
});
