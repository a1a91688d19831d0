import { DeliveryDecodeError, decodeDelivery } from '@srhooks/contracts';
import { describe, expect, it } from 'vitest';
import { tooLargeReason } from '../ingest/quarantine-reason.js';
import { CANCELLED_BY_UNINSTALL } from '../store/app-shops/app-shop-store.js';
import {
  decodeValueText,
  maskDecodeMessage,
  maskDecodeValue,
  maskHandlerError,
  maskPhone,
} from './personal-data-mask.js';

describe('maskPhone', () => {
  it('keeps the last two digits and the separators of a number', () => {
    expect(maskPhone('+36304573549')).toBe('+*********49');
    expect(maskPhone('06-1-234-5678, 209876543')).toBe('**-*-***-****, *******43');
  });

  // The phone field is free text in ShopRenter's checkout: customers write who to call, when, or an
  // e-mail address into it. Only digits were masked, so the words stood in the masked view.
  it.each([
    ['06 30 123 4567 (Kovács Éva titkárnője)', '** ** *** **67 (*** *** ***)'],
    ['+36 30 123 4567 vagy kovacs.eva@gmail.com', '+** ** *** **67 *** ***.***.***'],
    ['Győző: 06-30-999-8888', '*** **-**-***-**88'],
  ])('hides the words of a phone field too: %j', (phone, masked) => {
    expect(maskPhone(phone)).toBe(masked);
    for (const word of ['Kovács', 'Éva', 'titkár', 'kovacs', 'gmail', 'Győző', 'vagy']) {
      expect(maskPhone(phone)).not.toContain(word);
    }
  });
});

describe('maskHandlerError', () => {
  it('hides a handler error whole, saying how long it is and how to show it', () => {
    expect(maskHandlerError('customer Kovács Éva <kovacs.eva@example.com> already exists')).toBe(
      'error hidden (59 characters; Show personal data to read it)',
    );
    expect(maskHandlerError('x', 'pass --reveal', 'detail')).toBe(
      'detail hidden (1 characters; pass --reveal to read it)',
    );
  });

  it("shows the receiver's own summary of the failure before the hidden text", () => {
    const error = 'https://erp.example/orders answered 409: customer Kovács Éva already exists';
    expect(maskHandlerError(error, 'pass --reveal', 'error', 'erp.example answered 409')).toBe(
      'erp.example answered 409; the full error hidden (75 characters; pass --reveal to read it)',
    );
    // no summary (a module handler's message; an attempt stored before summaries): hidden whole as before
    expect(maskHandlerError(error, 'pass --reveal', 'error', null)).toBe(
      'error hidden (75 characters; pass --reveal to read it)',
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

describe('maskDecodeMessage', () => {
  it("keeps the receiver's own too_large advice whole: the config key it names is not the sender's data", () => {
    const { message } = tooLargeReason(2_200_092, 2_097_152).failure;
    expect(maskDecodeMessage(message)).toBe(message);
    expect(maskDecodeMessage(message)).toContain(
      'Re-process it to decode it now, whatever its size; raise SRHOOKS_BODY_LIMIT (or "bodyLimit") to decode bodies this large as they arrive.',
    );
  });

  it('keeps the Content-Type an unsupported_content_type message quotes: a protocol header, shown unmasked', () => {
    const messageOf = (contentType: string): string => {
      try {
        decodeDelivery({ event: 'order_confirm', contentType, body: 'hello' });
      } catch (error) {
        if (error instanceof DeliveryDecodeError) return error.message;
        throw error;
      }
      throw new Error('decoded');
    };
    const plain = messageOf('text/plain; charset="utf-8"');
    expect(plain).toContain('Content-Type "text/plain; charset=\\"utf-8\\"" is not accepted');
    expect(maskDecodeMessage(plain)).toBe(plain);
    // Only the header's own quoted value: a message that merely starts alike is masked as before.
    const lookalike = 'Content-Type "text/plain" is not accepted; "Kovács Éva" was found.';
    expect(maskDecodeMessage(lookalike)).toBe(
      'Content-Type "text/plain" is not accepted; [hidden] was found.',
    );
  });

  it('keeps the envelope\'s own path in a wrong_envelope message (`but "orders.order" is a string`)', () => {
    const messageOf = (event: 'order_confirm' | 'newsletter_subscribe', body: string): string => {
      try {
        decodeDelivery({ event, contentType: 'application/json', body });
      } catch (error) {
        if (error instanceof DeliveryDecodeError) return error.message;
        throw error;
      }
      throw new Error('decoded');
    };
    const orders = messageOf('order_confirm', '{"orders":{"order":"Kovács Éva"}}');
    expect(orders).toContain('but "orders.order" is a string');
    expect(maskDecodeMessage(orders)).toBe(orders);
    const subscribers = messageOf('newsletter_subscribe', '{"newsletter":{"subscriber":42}}');
    expect(subscribers).toContain('but "newsletter.subscriber" is a number');
    expect(maskDecodeMessage(subscribers)).toBe(subscribers);
  });

  it("hides the keys a wrong_envelope message names (a key can be the sender's personal data)", () => {
    let message = '';
    try {
      decodeDelivery({
        event: 'order_confirm',
        contentType: 'application/json',
        body: JSON.stringify({ 'Kovács Éva': 1, 'kovacs.eva@example.com': 2 }),
      });
    } catch (error) {
      if (!(error instanceof DeliveryDecodeError)) throw error;
      message = error.message;
    }
    expect(message).toContain('Kovács Éva');
    const masked = maskDecodeMessage(message);
    expect(masked).not.toContain('Kovács');
    expect(masked).not.toContain('kovacs.eva');
    expect(masked).toContain('got an object with keys [hidden], [hidden].');
    expect(masked).toContain('expects {"orders":{"order":[…]}}');
  });

  it('still hides what the sender sent', () => {
    expect(maskDecodeMessage('Field orders.order[0].email is invalid: got "kovacs.eva@example.com".')).toBe(
      'Field orders.order[0].email is invalid: got [hidden].',
    );
    // The config key's name sent as a value is hidden like any other value.
    expect(maskDecodeMessage('Field orders.order[0].comment is invalid: got "bodyLimit!".')).toBe(
      'Field orders.order[0].comment is invalid: got [hidden].',
    );
  });
});
