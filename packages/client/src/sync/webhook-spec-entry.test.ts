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

  it('refuses a delay over the contracts’ limit (A24) as the client and the sandbox do', () => {
    const result = WebhookSpecEntrySchema.safeParse({
      event: 'order_confirm',
      delay: { value: 36_501, unit: 'day' },
    });
    expect(result.error?.issues[0]).toMatchObject({
      path: ['delay'],
      message: '36501 day is too long; the delays of a webHook add up to at most 36500 days (876000 hours)',
    });
    expect(
      WebhookSpecEntrySchema.safeParse({ event: 'order_confirm', delay: { value: 876_000, unit: 'hour' } })
        .success,
    ).toBe(true);
  });
});
