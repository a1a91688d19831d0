/**
 * Seed and apps files are JSON people write, and may hold names: a syntax error names the file,
 * the line and column and what to do, and quotes nothing of the file (Node's JSON.parse message
 * does: `Unexpected token 'K', "…Kiss Anna…" is not valid JSON`).
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SandboxConfigError } from './errors.js';
import { loadAppsFile, loadSeedFile, resolveOptions } from './options.js';

const PERSONAL = ['Kiss', 'Anna', 'kiss.anna', '+36301234567'];

function thrown(run: () => unknown): SandboxConfigError {
  try {
    run();
  } catch (error) {
    expect(error).toBeInstanceOf(SandboxConfigError);
    return error as SandboxConfigError;
  }
  throw new Error('nothing was thrown');
}

describe('seed and apps files that are not valid JSON', () => {
  let dir: string;
  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), 'srhooks-sandbox-options-'));
  });
  afterAll(() => {
    rmSync(dir, { recursive: true, force: true });
  });

  it('--shops: names the file, the line and column and what to do, quoting nothing of it', () => {
    const seedFile = join(dir, 'shops.json');
    writeFileSync(
      seedFile,
      '[\n  {"name": "bolt", "clients": [],\n   "basicAuth": {"username": Kiss Anna, "password": "+36301234567"}}\n]\n',
    );
    for (const error of [thrown(() => loadSeedFile(seedFile)), thrown(() => resolveOptions({ seedFile }))]) {
      expect(error.code).toBe('bad_sandbox_options');
      expect(error.message).toBe(
        `seed file ${seedFile} is not valid JSON: unexpected character at line 3, column 30; fix the JSON at line 3, column 30 (your editor shows the spot).`,
      );
      expect(error.cause).toBeUndefined();
      for (const words of PERSONAL) expect(error.message).not.toContain(words);
    }
  });

  it('--apps: the same for an apps file', () => {
    const appsFile = join(dir, 'apps.json');
    writeFileSync(appsFile, '[{"appId": "1", "contact": "kiss.anna@example.hu"');
    const error = thrown(() => loadAppsFile(appsFile));
    expect(error.code).toBe('bad_sandbox_options');
    expect(error.message).toBe(
      `apps file ${appsFile} is not valid JSON: the JSON ends too early (a closing bracket, brace or quote missing?) at line 1, column 50; fix the JSON at line 1, column 50 (your editor shows the spot).`,
    );
    for (const words of PERSONAL) expect(error.message).not.toContain(words);
  });

  it('a missing or unreadable seed or apps file is named with its flag, in words, saying what to do', () => {
    const missing = join(dir, 'missing.json');
    expect(thrown(() => loadSeedFile(missing)).message).toBe(
      `seed file ${missing} (--shops) does not exist; check the path, or leave --shops out (the default shop demo is always there).`,
    );
    expect(thrown(() => resolveOptions({ seedFile: missing })).code).toBe('bad_sandbox_options');
    expect(thrown(() => loadAppsFile(missing)).message).toBe(
      `apps file ${missing} (--apps) does not exist; check the path, or leave --apps out.`,
    );
    expect(thrown(() => loadSeedFile(dir)).message).toBe(
      `seed file ${dir} (--shops) is a directory, not a file; check the path, or leave --shops out (the default shop demo is always there).`,
    );
    const throughFile = join(dir, 'apps.json', 'x.json');
    expect(thrown(() => loadAppsFile(throughFile)).message).toBe(
      `apps file ${throughFile} (--apps) cannot be reached: a part of its path is a file, not a directory; check the path, or leave --apps out.`,
    );
    for (const path of [missing, dir, throughFile]) {
      for (const load of [loadSeedFile, loadAppsFile]) {
        expect(thrown(() => load(path)).message).not.toMatch(/ENOENT|EISDIR|ENOTDIR|open '/);
      }
    }
  });

  it('an empty seed file says so', () => {
    const seedFile = join(dir, 'empty.json');
    writeFileSync(seedFile, '');
    expect(thrown(() => loadSeedFile(seedFile)).message).toBe(
      `seed file ${seedFile} is not valid JSON: the file is empty at line 1, column 1; fix the JSON at line 1, column 1 (your editor shows the spot).`,
    );
  });
});

describe('clockOffsetSeconds', () => {
  it('defaults to 0 and takes whole seconds either way', () => {
    expect(resolveOptions({}).clockOffsetSeconds).toBe(0);
    expect(resolveOptions({ clockOffsetSeconds: -900 }).clockOffsetSeconds).toBe(-900);
  });

  it.each([1.5, Number.NaN, 8 * 86_400, -8 * 86_400])('refuses %s, saying what it takes', (value) => {
    expect(() => resolveOptions({ clockOffsetSeconds: value })).toThrow(
      /^clockOffsetSeconds must be a whole number of seconds within a week either way/,
    );
  });
});
