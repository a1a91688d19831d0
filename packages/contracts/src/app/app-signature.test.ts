import { describe, expect, it } from 'vitest';
import { appRequestMessage, signAppRequest, signPaymentNotification } from './app-signature.js';
import { decodePaymentNotification } from './payment-notification.js';

describe('app signatures (FACTS.md §7, §8)', () => {
  it("reproduces the Payment API documentation's worked example", () => {
    expect(
      signPaymentNotification('{"id":69,"status":"pending","time":1606740386}', 'ppmunf3z66qx6c9cpo0klmyq'),
    ).toBe('317a52549acd37817dfdf2d8989c9386b3d448faa6bc2ff597c71eaa37c76ee3');
  });

  it('signs the three app parameters in the demo apps’ order, or alphabetically', () => {
    const params = { shopname: 'example', code: '0907a61c0c8d55e99db179b68161bc00', timestamp: '1337178173' };
    expect(appRequestMessage(params)).toBe(
      'shopname=example&code=0907a61c0c8d55e99db179b68161bc00&timestamp=1337178173',
    );
    expect(appRequestMessage(params, 'alphabetical')).toBe(
      'code=0907a61c0c8d55e99db179b68161bc00&shopname=example&timestamp=1337178173',
    );
    expect(signAppRequest(params, 'secret')).toMatch(/^[0-9a-f]{64}$/);
    expect(signAppRequest(params, 'secret')).not.toBe(signAppRequest(params, 'secret', 'alphabetical'));
  });
});

describe('decodePaymentNotification', () => {
  it.each([
    [
      { id: 2, status: 'declined', time: 1606740386, reason: 'x' },
      'payment_status',
      'payment:2:declined:1606740386',
    ],
    [{ id: '2', status: 'paid', time: 1606740386 }, 'payment_status', 'payment:2:paid:1606740386'],
    [
      { changeId: 42, subscriptionId: 12, status: 'declined', paymentStatus: 'active', time: 1651662894 },
      'payment_card_change',
      'card-change:42:declined:1651662894',
    ],
  ])('reads %j as %s', (body, event, key) => {
    const decoded = decodePaymentNotification(body);
    expect(decoded.ok && decoded.value.event).toBe(event);
    expect(decoded.ok && decoded.value.dedupeKey).toBe(key);
  });

  it.each([
    [{ status: 'paid', time: 1 }],
    [{ id: 1, time: 1 }],
    [{ changeId: 1, status: 'x', time: 1 }],
    [{ id: 1, status: 'paid', time: '1606740386' }],
    [{ changeId: 1, subscriptionId: 2, status: 'x', time: '1651662894' }],
    [{ id: 1, status: 'paid', time: 1606740386.5 }],
    [[]],
    ['x'],
  ])('refuses %j with a reason', (body) => {
    const decoded = decodePaymentNotification(body);
    expect(decoded.ok).toBe(false);
    expect(!decoded.ok && decoded.reason).toMatch(/notification/);
  });

  // [A43] PHP's json_encode writes an absent text as null: an authentic notification is read, not quarantined.
  it.each([
    [{ id: 91, status: 'frozen', time: 1606740386, reason: null }, 'payment:91:frozen:1606740386'],
    [
      {
        changeId: 43,
        subscriptionId: 12,
        status: 'pending',
        paymentStatus: null,
        message: null,
        time: 1651662894,
      },
      'card-change:43:pending:1651662894',
    ],
  ])('reads %j with its optional texts null', (body, key) => {
    const decoded = decodePaymentNotification(body);
    expect(decoded.ok ? decoded.value.dedupeKey : decoded.reason).toBe(key);
    expect(decoded.ok && decoded.value.notification).toEqual(body);
  });

  it.each([
    [{ id: 1, status: null, time: 1606740386 }],
    [{ id: 1, status: 'paid', time: 1606740386, reason: 5 }],
  ])('still refuses %j: only the optional texts may be null', (body) => {
    expect(decodePaymentNotification(body).ok).toBe(false);
  });

  it('names `time` when it is a string: the documented time is Unix seconds as a JSON number', () => {
    const decoded = decodePaymentNotification({ id: 69, status: 'pending', time: '1606740386' });
    expect(decoded.ok).toBe(false);
    expect(!decoded.ok && decoded.reason).toMatch(/^payment status notification: time: .*number/);
  });
});
