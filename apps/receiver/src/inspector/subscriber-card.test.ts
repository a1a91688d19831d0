/**
 * The subscriber card showed the language as the bare value the shop sent ("1"), which reads like a
 * count or a flag. It says what the value is: the shop's language id for a number (the documented
 * delivery example sends "1"), the language's name for a language tag.
 */
import { sampleSubscriber } from '@srhooks/contracts';
import { describe, expect, it } from 'vitest';
import { formatLanguage } from './display-format.js';
import { payloadCard } from './order-card.js';

function card(language: string): string {
  return String(payloadCard('newsletter_subscribe', { ...sampleSubscriber(7), language }, { reveal: false }));
}

describe('subscriber card: the language', () => {
  it('a number is the shop language id, a language tag gets its name, anything else is shown as sent', () => {
    expect(card('1')).toContain('1 (shop language id)');
    expect(card('hu')).toContain('Hungarian (hu)');
    expect(card('de')).toContain('German (de)');
    expect(formatLanguage('hu_HU')).toBe('hu_HU');
    expect(formatLanguage('xx')).toBe('xx');
    expect(formatLanguage(' 2 ')).toBe('2 (shop language id)');
  });
});
