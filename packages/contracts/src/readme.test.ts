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
