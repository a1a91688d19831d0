import { describe, expect, it } from 'vitest';
import { CANCELLED_BY_UNINSTALL } from '../store/app-shops/app-shop-store.js';
import { decodeValueText, maskDecodeValue, maskHandlerError } from './personal-data-mask.js';

describe('maskHandlerError', () => {
  it('hides a handler error whole, saying how long it is and how to show it', () => {
    expect(maskHandlerError('customer Kovács Éva <kovacs.eva@example.com> already exists')).toBe(
      'error hidden (59 characters; Show personal data to read it)',
    );
    expect(maskHandlerError('x', 'pass --reveal', 'detail')).toBe(
      'detail hidden (1 characters; pass --reveal to read it)',
    );
  });

  it("shows the receiver's own cancellation text as it is (nothing from outside in it)", () => {
    expect(maskHandlerError(CANCELLED_BY_UNINSTALL)).toBe(
      'cancelled: the app was uninstalled from this shop',
    );
    // Only that exact text: a target's answer quoting it is still hidden.
    expect(maskHandlerError(`${CANCELLED_BY_UNINSTALL} by Kovács Éva`)).toMatch(/^error hidden/);
  });
});

describe('maskDecodeValue', () => {
  it('hides the value a delivery failed to decode on whole, whatever its type, saying how long it is', () => {
    expect(maskDecodeValue('Kovács Éva')).toBe('value hidden (10 characters; Show personal data to read it)');
    expect(maskDecodeValue(36705551234, 'pass --reveal')).toBe(
      'value hidden (11 characters; pass --reveal to read it)',
    );
    expect(maskDecodeValue(['payload', 'x'])).toBe(
      'value hidden (15 characters; Show personal data to read it)',
    );
    expect(decodeValueText(['payload', 'x'])).toBe('["payload","x"]');
    expect(decodeValueText('Kovács Éva')).toBe('Kovács Éva');
  });
});
