/** The package README documents what the package exports that callers match on. */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { DELIVERY_DECODE_ERROR_CODES } from './index.js';

const README = readFileSync(new URL('../README.md', import.meta.url), 'utf8');

/** The `throws DeliveryDecodeError …` comment of the API block with its continuation lines (`//   …`). */
function decodeErrorEntry(): string {
  const lines = README.split('\n');
  const start = lines.findIndex((line) => line.includes('// throws DeliveryDecodeError'));
  if (start < 0) return '';
  const entry = [lines[start] ?? ''];
  for (const line of lines.slice(start + 1)) {
    if (!/^\s*\/\/ {3}/.test(line)) break;
    entry.push(line);
  }
  return entry.join(' ');
}

describe('README', () => {
  it('names DELIVERY_DECODE_ERROR_CODES at the decodeDelivery entry', () => {
    expect(decodeErrorEntry()).toContain('DELIVERY_DECODE_ERROR_CODES');
  });

  it.each(DELIVERY_DECODE_ERROR_CODES)('lists the delivery decode error code %s', (code) => {
    expect(decodeErrorEntry()).toMatch(new RegExp(`(?:^|[\\s|:])${code}(?:[\\s|,(]|$)`));
  });
});

describe('"Everything is exported from the package root"', () => {
  const manifest = JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8')) as {
    exports: Record<string, string | { default: string }>;
  };
  // Each subpath's module, by its source file (dist/x.js → src/x.ts).
  const subpaths = Object.entries(manifest.exports)
    .filter(([subpath, target]) => subpath !== '.' && typeof target === 'object')
    .map(([subpath, target]) => [
      subpath,
      (target as { default: string }).default.replace(/^\.\/dist\//, './'),
    ]);

  it.each(subpaths)('every export of %s is exported from the root too', async (_subpath, file) => {
    const root: Record<string, unknown> = await import('./index.js');
    const alone: Record<string, unknown> = await import(/* @vite-ignore */ file);
    const missing = Object.keys(alone).filter((name) => root[name] !== alone[name]);
    expect(missing).toEqual([]);
  });
});
