/**
 * Broker handler settings that would fail every publish are refused at start, naming the field and what
 * to do (QA: each was taken, and its jobs failed attempt after attempt until they dead-lettered): NATS
 * credentials given by half, or both kinds at once; a RabbitMQ URL that is no URL (a port over 65535),
 * an exchange name or a routing key (placeholders filled in) over RabbitMQ's 255 bytes.
 */
import { describe, expect, it } from 'vitest';
import { ConfigError } from './config-error.js';
import { defineReceiverConfig } from './load-config.js';

const SECRET = 'broker-settings-secret-0123456789';

function problems(handler: Record<string, unknown>): string[] {
  try {
    defineReceiverConfig({
      secrets: [SECRET],
      shops: [{ name: 'demo', handlers: ['broker'] }],
      handlers: { broker: handler },
    } as unknown as Parameters<typeof defineReceiverConfig>[0]);
  } catch (error) {
    if (error instanceof ConfigError) return error.issues.map((issue) => `${issue.key}: ${issue.message}`);
    throw error;
  }
  return [];
}

describe('broker handler settings refused at start', () => {
  const nats = { type: 'nats', servers: 'nats://127.0.0.1:4222' };

  it('NATS: user without password, password without user, a token beside them', () => {
    expect(problems({ ...nats, user: 'app' })).toEqual([
      // biome-ignore lint/suspicious/noTemplateCurlyInString: ${VAR} is literal config text the message names
      'handlers.broker.password: is missing: "user" needs its password (e.g. "${NATS_PASSWORD}"), or give "token" instead of both',
    ]);
    expect(problems({ ...nats, password: 'secret-value' })).toEqual([
      'handlers.broker.user: is missing: "password" needs the user it belongs to, or give "token" instead of both',
    ]);
    const both = problems({ ...nats, user: 'app', password: 'secret-value', token: 'token-value' });
    expect(both).toEqual([
      'handlers.broker.token: is given with "user"/"password": a NATS connection uses one of them, user and password or a token; remove the other',
    ]);
    // never the values
    expect(both.join('\n')).not.toMatch(/secret-value|token-value/);
    expect(problems({ ...nats, user: 'app', password: 'secret-value' })).toEqual([]);
    expect(problems({ ...nats, token: 'token-value' })).toEqual([]);
  });

  it('RabbitMQ: a URL that is none, an exchange name or a routing key over 255 bytes', () => {
    const amqp = { type: 'amqp', url: 'amqp://guest:guest@127.0.0.1:5672/', exchange: 'orders' };
    expect(problems(amqp)).toEqual([]);
    expect(problems({ ...amqp, url: 'amqp://guest:guest@127.0.0.1:70000/' })).toEqual([
      'handlers.broker.url: is not a valid URL (a port is 1 to 65535; user and password are percent-encoded): e.g. amqp://user:password@rabbitmq.example.com:5672/vhost',
    ]);
    // an environment reference is checked once resolved
    // biome-ignore lint/suspicious/noTemplateCurlyInString: ${VAR} is literal config text
    expect(problems({ ...amqp, url: '${AMQP_URL}' })).toEqual([]);
    expect(problems({ ...amqp, exchange: 'é'.repeat(128) })).toEqual([
      'handlers.broker.exchange: is 256 bytes long: RabbitMQ takes exchange names of at most 255 bytes',
    ]);
    // {shop} may be 63 characters, {event} up to newsletter_update_subscriber (28)
    expect(problems({ ...amqp, routingKey: `${'k'.repeat(163)}.{shop}.{event}` })).toEqual([
      'handlers.broker.routingKey: can be 256 bytes long once {shop} (up to 63 characters) and {event} are filled in: RabbitMQ takes routing keys of at most 255 bytes; shorten it',
    ]);
    expect(problems({ ...amqp, routingKey: `${'k'.repeat(162)}.{shop}.{event}` })).toEqual([]);
  });
});
