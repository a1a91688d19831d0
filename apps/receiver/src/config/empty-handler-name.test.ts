/**
 * An empty handler name (`"handlers": {"": …}`) is named as such in its problems — `handlers[""]`, "a
 * handler name must not be empty" — not as the key `handlers.` (nor its fields as `handlers..url`).
 */
import { describe, expect, it } from 'vitest';
import { ConfigError } from './config-error.js';
import { defineReceiverConfig, formatConfigPath } from './load-config.js';

function problems(input: unknown): string[] {
  try {
    defineReceiverConfig(input as never);
  } catch (error) {
    if (error instanceof ConfigError) return error.issues.map((issue) => `${issue.key}: ${issue.message}`);
    throw error;
  }
  throw new Error('expected a ConfigError');
}

describe('an empty handler name', () => {
  it('is named handlers[""] and said to be empty, its fields under it', () => {
    expect(
      problems({ secrets: ['a-very-secret-value-0001'], handlers: { '': { type: 'forward', url: 'nope' } } }),
    ).toEqual([
      'handlers[""].url: must be an http(s) URL',
      expect.stringMatching(/^handlers\[""\]\.secret: is missing: the Standard Webhooks secret/),
      'handlers[""]: a handler name must not be empty: name it with 1 to 63 letters, digits, "_", "." and "-", starting with a letter or digit',
    ]);
  });

  it('formatConfigPath writes an empty key as [""] wherever it is', () => {
    expect(formatConfigPath(['handlers', ''])).toBe('handlers[""]');
    expect(formatConfigPath(['', 'url'])).toBe('[""].url');
    expect(formatConfigPath(['shops', 0, 'events', 1])).toBe('shops[0].events[1]');
  });
});
