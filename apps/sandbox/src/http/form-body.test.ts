import { describe, expect, it } from 'vitest';
import { nestFormFields } from './form-body.js';

describe('nestFormFields (PHP bracket notation)', () => {
  it('builds the webHooks body from form fields', () => {
    expect(
      nestFormFields([
        ['event', 'order_confirm'],
        ['status', '1'],
        ['label', 'form hook'],
        ['webHookParameters[0][type]', 'json'],
        ['webHookParameters[0][url]', 'https://hooks.example.com/x'],
        ['webHookParameters[0][fields][]', 'order_innerId'],
        ['webHookParameters[0][fields][]', 'order_total'],
        ['webHookDelay[0][delay]', '2'],
        ['webHookDelay[0][delayUnit]', 'hour'],
      ]),
    ).toEqual({
      event: 'order_confirm',
      status: '1',
      label: 'form hook',
      webHookParameters: [
        { type: 'json', url: 'https://hooks.example.com/x', fields: ['order_innerId', 'order_total'] },
      ],
      webHookDelay: [{ delay: '2', delayUnit: 'hour' }],
    });
  });

  it('lets a later plain value replace an earlier one and ignores names PHP would not read', () => {
    expect(
      nestFormFields([
        ['a', '1'],
        ['a', '2'],
        ['[bad', 'x'],
        ['b]', 'y'],
        ['c[d]', 'z'],
      ]),
    ).toEqual({
      a: '2',
      c: { d: 'z' },
    });
  });
});
