/**
 * Handler objects are loose (options a later version adds do not break an older receiver's file), so a
 * misspelt option — `timeoutMS`, `allowPrivateTarget`, `paht`, `retries` — used to be dropped without a
 * word: the handler ran with the default (a 30 s limit, private targets refused, "path is missing"). A
 * key within two edits of one its handler type takes is now refused naming the key meant; other
 * unknown keys are still kept.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { loadConfig } from './load-config.js';
import { configError, SECRET_A, writeConfigIn } from './test-support/config-files.js';

let dir: string;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'srhooks-config-'));
});
afterEach(() => {
  rmSync(dir, { recursive: true, force: true });
});

const FORWARD = {
  type: 'forward',
  url: 'https://erp.example.com/hooks',
  secret: 'whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw',
};

describe('a misspelt handler option', () => {
  it.each([
    ['module', { type: 'module', path: 'h.mjs', timeoutMS: 5000 }, 'timeoutMS', 'timeoutMs'],
    ['module', { type: 'module', paht: 'h.mjs' }, 'paht', 'path'],
    ['module', { type: 'module', path: 'h.mjs', retries: { delays: [] } }, 'retries', 'retry'],
    ['forward', { ...FORWARD, allowPrivateTarget: true }, 'allowPrivateTarget', 'allowPrivateTargets'],
    ['log', { type: 'log', event: ['order_confirm'] }, 'event', 'events'],
  ])('%s handler: %j is refused naming the key meant', (_type, handler, given, meant) => {
    const path = writeConfigIn(dir, { secrets: [SECRET_A], handlers: { h: handler } });
    const error = configError(() => loadConfig({ env: { SRHOOKS_CONFIG: path }, cwd: '/' }));
    expect(error.message).toContain(
      `handlers.h.${given} (in ${path}): unknown key; did you mean "${meant}"?`,
    );
  });

  it('keeps an unknown option that is no near miss (a later version may read it)', () => {
    const path = writeConfigIn(dir, {
      secrets: [SECRET_A],
      handlers: { h: { type: 'module', path: 'h.mjs', futureOption: 1 } },
    });
    expect(loadConfig({ env: { SRHOOKS_CONFIG: path }, cwd: '/' }).handlers.h).toMatchObject({
      futureOption: 1,
    });
  });
});
