import { describe, expect, it } from 'vitest';
import { defineReceiverConfig } from '../config/load-config.js';
import { HandlerRegistry } from './handler-registry.js';

describe('HandlerRegistry', () => {
  const config = defineReceiverConfig({
    secrets: ['a-very-secret-value-0001'],
    handlers: {
      erp: {
        type: 'forward',
        url: 'https://erp.example.com/hook',
        secret: 'whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw',
      },
      review: { type: 'module', path: '/opt/review.js', events: ['order_confirm'] },
      stdout: { type: 'log', events: ['newsletter_subscribe', 'order_confirm'] },
    },
    shops: [
      { name: 'demo', handlers: ['stdout', 'erp', 'review'] },
      { name: 'other', handlers: ['erp'] },
      { name: 'quiet' },
    ],
  });
  const registry = new HandlerRegistry(config);

  it.each([
    ['demo', 'order_confirm', ['stdout', 'erp', 'review']],
    ['demo', 'newsletter_subscribe', ['stdout', 'erp']],
    ['demo', 'order_status_change', ['erp']],
    ['other', 'order_confirm', ['erp']],
    ['quiet', 'order_confirm', []],
    ['unconfigured', 'order_confirm', []],
  ] as const)('%s %s → %j', (shop, event, names) => {
    expect(registry.namesFor(shop, event)).toEqual(names);
  });

  it('gives each handler definition by name', () => {
    expect(registry.definition('review')).toEqual({
      type: 'module',
      path: '/opt/review.js',
      events: ['order_confirm'],
    });
    expect(registry.definition('missing')).toBeUndefined();
    expect(registry.entries().map(([name]) => name)).toEqual(['erp', 'review', 'stdout']);
  });
});
