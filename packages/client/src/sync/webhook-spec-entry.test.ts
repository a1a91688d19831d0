import { describe, expect, it } from 'vitest';
import { specFromEntry, WebhookSpecEntrySchema } from './webhook-spec-entry.js';

describe('WebhookSpecEntrySchema', () => {
  it('reads a full entry and fills the URL in', () => {
    const entry = WebhookSpecEntrySchema.parse({
      event: 'abandoned_cart',
      type: 'xml',
      fields: ['order_innerId'],
      delay: { value: 2, unit: 'hour' },
      label: 'carts',
      enabled: false,
    });
    expect(specFromEntry(entry, 'https://hooks.example.com/x')).toEqual({
      event: 'abandoned_cart',
      url: 'https://hooks.example.com/x',
      type: 'xml',
      fields: ['order_innerId'],
      delay: { value: 2, unit: 'hour' },
      label: 'carts',
      enabled: false,
    });
    expect(
      specFromEntry(WebhookSpecEntrySchema.parse({ event: 'order_confirm' }), 'https://h.example/y'),
    ).toEqual({
      event: 'order_confirm',
      url: 'https://h.example/y',
    });
  });

  it.each([
    [{ event: 'order_paid' }, 'event'],
    [{ event: 'order_confirm', url: 'ftp://x' }, 'url'],
    [{ event: 'order_confirm', delay: { value: 0, unit: 'day' } }, 'delay.value'],
    [{ event: 'order_confirm', extra: 1 }, ''],
  ])('rejects %j (at %s)', (input, path) => {
    const result = WebhookSpecEntrySchema.safeParse(input);
    expect(result.success).toBe(false);
    expect(result.error?.issues[0]?.path.join('.')).toBe(path);
  });
});
