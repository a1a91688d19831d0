/**
 * A misspelt handler type or event name in the config file is refused with the list of choices and,
 * when one is within two edits (three for 6+ characters), the one meant — as misspelt handler options
 * are (handler-key-typo.test.ts). The value given is never quoted back (a config value may be a secret).
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

function problemsOf(config: Record<string, unknown>): string {
  const path = writeConfigIn(dir, { secrets: [SECRET_A], ...config });
  return configError(() => loadConfig({ env: { SRHOOKS_CONFIG: path }, cwd: '/' })).message;
}

describe('a misspelt value in the config file', () => {
  it('a handler type names the type meant', () => {
    const message = problemsOf({ handlers: { h: { type: 'modul', path: 'h.mjs' } } });
    expect(message).toContain(
      'must have "type": "forward", "module", "log", "nats", "amqp" or "redis-stream" (did you mean "module"?)',
    );
    expect(message).not.toContain('modul"');
  });

  it("a handler's event and a shop's event name the event meant", () => {
    const message = problemsOf({
      handlers: { h: { type: 'log', events: ['order_confrim'] } },
      shops: [{ name: 'demo', handlers: ['h'], events: ['Order_Status_Chnage'] }],
    });
    expect(message).toMatch(
      /handlers\.h\.events\[0\].*: must be one of order_confirm, .*payment_card_change \(did you mean "order_confirm"\?\)/,
    );
    expect(message).toMatch(
      /shops\[0\]\.events\[0\].*: must be one of order_confirm, .* \(did you mean "order_status_change"\?\)/,
    );
    expect(message).not.toContain('confrim');
    expect(message).not.toContain('Chnage');
  });

  it('a value near none of the choices gets the list alone', () => {
    const message = problemsOf({ handlers: { h: { type: 'webhook-relay', path: 'h.mjs' } } });
    expect(message).toContain(
      'must have "type": "forward", "module", "log", "nats", "amqp" or "redis-stream"',
    );
    expect(message).not.toContain('did you mean');
  });
});
