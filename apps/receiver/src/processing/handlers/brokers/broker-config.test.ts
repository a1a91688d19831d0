// biome-ignore-all lint/suspicious/noTemplateCurlyInString: `${VAR}` is literal config text (an environment reference) in these tests
/**
 * Broker handler configuration: schema validation (messages name the key), `${VAR}` resolution from
 * the environment, secrets kept out of error texts and logs, templates and message ids.
 */
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { buildReceiver } from '../../../app.js';
import { ConfigError } from '../../../config/config-error.js';
import type { ReceiverConfigInput } from '../../../config/config-schema.js';
import { defineReceiverConfig } from '../../../config/load-config.js';
import { generatedText } from '../../../test-support/generated-text.js';
import { createHandlerRunners } from '../../handler-runners.js';
import { ProcessingConfigError } from '../../processing-errors.js';
import { ShopClients } from '../../shop-clients.js';
import { silentLogger } from '../../test-support/processing-fixtures.js';
import { brokerMessageId, renderTemplate } from './broker-message.js';
import {
  brokerSecretValues,
  checkResolvedEnvReferences,
  maskUrlUserinfo,
  redactUrl,
  resolveEnvReferences,
  scrubSecrets,
} from './env-reference.js';
import { filterCaptures, subjectFilter } from './nats.js';

function configWith(handler: Record<string, unknown>) {
  return defineReceiverConfig({
    secrets: ['test-secret-0123456789abcdef'],
    handlers: { bus: handler } as unknown as ReceiverConfigInput['handlers'],
  });
}

function issuesOf(handler: Record<string, unknown>): string[] {
  try {
    configWith(handler);
  } catch (error) {
    if (error instanceof ConfigError) return error.issues.map((issue) => `${issue.key}: ${issue.message}`);
    throw error;
  }
  return [];
}

describe('broker handler config', () => {
  it.each([
    { type: 'nats', servers: 'nats://127.0.0.1:4222' },
    {
      type: 'nats',
      servers: ['nats://a:4222', 'nats://b:4222'],
      subject: 'orders.{shop}.{event}',
      user: 'srhooks',
      password: '${NATS_PASSWORD}',
      ensureStream: { name: 'ORDERS', duplicateWindow: '10m', storage: 'file' },
      timeoutMs: 5000,
      retry: { delays: ['5s'] },
      concurrency: 4,
    },
    {
      type: 'nats',
      servers: [
        '127.0.0.1:4222',
        'nats-1',
        'tls://nats.example.com:4443',
        'NATS://Nats-2.internal:4222/',
        'nats://[::1]:4222',
        '[fd00::1]',
        '${NATS_URL}',
        'nats://${NATS_HOST}:4222',
      ],
    },
    { type: 'amqp', url: 'amqp://srhooks:${RABBIT_PASSWORD}@rabbit:5672/shop', exchange: 'orders' },
    { type: 'amqp', url: '${AMQP_URL}', exchange: '', routingKey: 'srhooks-{shop}' },
    // an empty routing key is valid AMQP: what a fanout exchange (and usually a headers exchange) is given
    { type: 'amqp', url: 'amqp://rabbit', exchange: 'orders.fanout', routingKey: '' },
    { type: 'redis-stream', url: 'redis://:${REDIS_PASSWORD}@redis:6379/0', maxLen: 100000 },
    { type: 'redis-stream', url: 'rediss://redis:6380', stream: 'orders:{shop}' },
    { type: 'redis-stream', url: 'redis://redis:6379/' },
    { type: 'redis-stream', url: 'redis://redis/15' },
    { type: 'amqp', url: 'amqp://rabbit', exchange: 'x', probeIntervalMs: 100 },
    { type: 'amqp', url: 'amqp://rabbit/shop?heartbeat=30&frameMax=0&channelMax=10', exchange: 'x' },
    { type: 'redis-stream', url: 'redis://r', probeIntervalMs: 3_600_000 },
  ])('accepts $type %#', (handler) => {
    expect(issuesOf(handler)).toEqual([]);
  });

  it.each([
    [{ type: 'nats' }, 'handlers.bus.servers: must be a NATS server URL'],
    [{ type: 'nats', servers: 'nats://x', subject: 'a.{order}' }, 'handlers.bus.subject: may only use'],
    // A subject NATS cannot publish to would fail every attempt for the whole retry schedule.
    [
      { type: 'nats', servers: 'nats://x', subject: 'orders new.{shop}.{event}' },
      'handlers.bus.subject: must be a NATS subject to publish to: "orders new.{shop}.{event}" has a space',
    ],
    [
      { type: 'nats', servers: 'nats://x', subject: 'orders.*.{event}' },
      'handlers.bus.subject: must be a NATS subject to publish to: "orders.*.{event}" has the wildcard "*"',
    ],
    [
      { type: 'nats', servers: 'nats://x', subject: 'orders.{shop}.>' },
      'handlers.bus.subject: must be a NATS subject to publish to: "orders.{shop}.>" has the wildcard ">"',
    ],
    [
      { type: 'nats', servers: 'nats://x', subject: 'orders..{shop}' },
      'handlers.bus.subject: must be a NATS subject to publish to: "orders..{shop}" has an empty token',
    ],
    [
      { type: 'nats', servers: 'nats://x', subject: '{shop}.{event}.' },
      'handlers.bus.subject: must be a NATS subject to publish to: "{shop}.{event}." has an empty token',
    ],
    [
      { type: 'nats', servers: 'nats://x', ensureStream: { name: 'S', subjects: ['orders.>.x'] } },
      'handlers.bus.ensureStream.subjects[0]: must be a NATS subject filter: "orders.>.x" has ">" before its last token',
    ],
    [
      { type: 'nats', servers: 'nats://x', ensureStream: { name: 'S', subjects: ['orders.a*'] } },
      'handlers.bus.ensureStream.subjects[0]: must be a NATS subject filter: "orders.a*" has "*" inside a token',
    ],
    [
      { type: 'nats', servers: 'nats://x', ensureStream: { name: 'bad name' } },
      'handlers.bus.ensureStream.name: must be a JetStream stream name',
    ],
    [
      { type: 'nats', servers: 'nats://x', ensureStream: { name: 'S', duplicateWindow: 'soon' } },
      'handlers.bus.ensureStream.duplicateWindow: must be milliseconds or a duration',
    ],
    [{ type: 'nats', servers: 'nats:/x:4222' }, 'handlers.bus.servers: handler "bus": "nats:/x:4222" is not'],
    [
      { type: 'nats', servers: 'http://x:4222' },
      'handlers.bus.servers: handler "bus": "http://x:4222" has scheme http://',
    ],
    [
      { type: 'nats', servers: 'ws://x:8080' },
      'handlers.bus.servers: handler "bus": "ws://x:8080" is a WebSocket URL',
    ],
    [{ type: 'nats', servers: 'nats://x:0' }, 'handlers.bus.servers: handler "bus": "nats://x:0" has port 0'],
    [{ type: 'nats', servers: ['nats://a', 'nats://a b:4222'] }, 'handlers.bus.servers[1]: handler "bus"'],
    [{ type: 'nats', servers: 'nats://x:4222/jetstream' }, 'a path'],
    [
      { type: 'nats', servers: 'nats://u:p@x:4222' },
      'handlers.bus.servers: handler "bus": a NATS server takes no user or password in the URL',
    ],
    [
      { type: 'amqp', url: 'http://rabbit', exchange: 'x' },
      'handlers.bus.url: must be an amqp:// or amqps:// URL',
    ],
    [
      { type: 'amqp', url: 'amqp://rabbit' },
      'handlers.bus.exchange: is missing: the name of the RabbitMQ exchange to publish to ("" for the default exchange)',
    ],
    // Required keys left out are named with what to give, not zod's "Invalid input: expected string".
    [
      { type: 'forward', url: 'https://erp.example.com/hooks' },
      'handlers.bus.secret: is missing: the Standard Webhooks secret (whsec_<base64>) the target verifies signatures with',
    ],
    [{ type: 'module' }, 'handlers.bus.path: is missing: the path of an ESM module'],
    [{ type: 'log', concurrency: 0 }, 'handlers.bus.concurrency: must be a whole number of at least 1'],
    [{ type: 'redis-stream', url: 'redis://r', maxLen: 0 }, 'handlers.bus.maxLen'],
    [
      { type: 'nats', servers: 'nats://x', probeIntervalMs: 50 },
      'handlers.bus.probeIntervalMs: must be at least 100 ms',
    ],
    [
      { type: 'amqp', url: 'amqp://r', exchange: 'x', probeIntervalMs: 7_200_000 },
      'handlers.bus.probeIntervalMs: must be at most 3600000 ms',
    ],
    [
      { type: 'redis-stream', url: 'redis://r', probeIntervalMs: '15s' },
      'handlers.bus.probeIntervalMs: must be a whole number of milliseconds',
    ],
    [
      { type: 'amqp', url: 'amqp://rabbit', exchange: '', routingKey: '' },
      'handlers.bus.routingKey: is "" with the default exchange (exchange ""), which routes by queue name',
    ],
    [
      { type: 'amqp', url: 'amqp://r', exchange: 'x', routingKey: '{queue}' },
      'handlers.bus.routingKey: may only use',
    ],
    // amqplib sends these as they are: every connection failed, each attempt saying "is RabbitMQ running?"
    [
      { type: 'amqp', url: 'amqp://rabbit/shop?heartbeat=abc', exchange: 'x' },
      'handlers.bus.url: the query parameter "heartbeat" must be a whole number of seconds, 0 (no heartbeat) to 65535, e.g. ?heartbeat=30: RabbitMQ takes no connection with this one',
    ],
    [
      { type: 'amqp', url: 'amqp://rabbit?heartbeat=-1', exchange: 'x' },
      'query parameter "heartbeat" must be',
    ],
    [
      { type: 'amqp', url: 'amqp://rabbit?frameMax=100', exchange: 'x' },
      'query parameter "frameMax" must be',
    ],
    [
      { type: 'amqp', url: 'amqp://rabbit?channelMax=', exchange: 'x' },
      'query parameter "channelMax" must be',
    ],
    [{ type: 'redis-stream', url: 'tcp://r' }, 'handlers.bus.url: must be a redis:// or rediss:// URL'],
    // ioredis would read no database from these and stay on database 0
    [
      { type: 'redis-stream', url: 'redis://r:6379/orders' },
      'handlers.bus.url: the database after the host must be a number, e.g. redis://host:6379/2 (or nothing, for database 0)',
    ],
    [{ type: 'redis-stream', url: 'redis://r/2/x' }, 'handlers.bus.url: the database after the host must be'],
    [
      { type: 'kafka', url: 'x' },
      'must have "type": "forward", "module", "log", "nats", "amqp" or "redis-stream"',
    ],
  ])('refuses %j, naming the key', (handler, expected) => {
    expect(issuesOf(handler).join('\n')).toContain(expected);
    expect(issuesOf(handler).join('\n')).not.toMatch(/Invalid input|expected \w+, received|Too small/);
  });

  it('stops start-up when a ${VAR} is not set, naming the key and the variable', () => {
    const config = configWith({ type: 'amqp', url: 'amqp://u:${RABBIT_PASSWORD}@rabbit', exchange: 'x' });
    expect(() =>
      createHandlerRunners({
        handlers: config.handlers,
        clients: new ShopClients([]),
        logger: silentLogger,
        env: {},
      }),
    ).toThrow(
      new ProcessingConfigError(
        'handlers.bus.url refers to ${RABBIT_PASSWORD}, but the environment variable RABBIT_PASSWORD is not set; set it (or write the value into the config)',
      ),
    );
  });
});

/**
 * Builds a receiver on a fresh SQLite path with these handlers and that environment; expects it to be
 * refused with a ConfigError saying `message` (each of its parts), before the store is opened (no file
 * left).
 */
async function expectRefusedBeforeTheStoreOpens(
  handlers: Record<string, unknown>,
  env: Record<string, string>,
  message: string | string[],
  refusal: typeof ProcessingConfigError | typeof ConfigError = ConfigError,
): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), 'srhooks-env-ref-'));
  try {
    const db = join(dir, 'receiver.db');
    const config = defineReceiverConfig({
      secrets: ['test-secret-0123456789abcdef'],
      db,
      logLevel: 'silent',
      handlers: handlers as unknown as ReceiverConfigInput['handlers'],
    });
    const started = buildReceiver(config, { defaultMetrics: false, processing: { env } });
    const error = await started.then(
      () => undefined,
      (refused: unknown) => refused,
    );
    expect(error).toBeInstanceOf(refusal);
    for (const part of [message].flat()) expect((error as Error).message).toContain(part);
    expect(existsSync(db)).toBe(false);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

describe('an unset ${VAR} at start-up', () => {
  it('fails before the store is opened: no SQLite file is left behind', async () => {
    await expectRefusedBeforeTheStoreOpens(
      { bus: { type: 'amqp', url: 'amqp://u:${RABBIT_PASSWORD}@rabbit', exchange: 'x' } },
      {},
      '  - handlers.bus.url: refers to ${RABBIT_PASSWORD}, but the environment variable RABBIT_PASSWORD is not set; set it (or write the value into the config)',
      ConfigError,
    );
  });
});

describe('values from ${VAR}s that do not hold, at start-up', () => {
  it('are listed all in one round, each on its key, as unset variables are (a ConfigError)', async () => {
    await expectRefusedBeforeTheStoreOpens(
      {
        bus: { type: 'nats', servers: ['${NATS_URL}', '${NATS_OTHER}'] },
        stream: { type: 'redis-stream', url: '${REDIS_URL}' },
        erp: { type: 'forward', url: 'https://erp.example.com/hooks', secret: '${ERP_SECRET}' },
      },
      {
        NATS_URL: 'nats//x:4222',
        NATS_OTHER: 'http://n:4222',
        REDIS_URL: 'redis://r:6379/orders',
        ERP_SECRET: 'plain-password-123',
      },
      [
        '  - handlers.bus.servers[0]: ${NATS_URL}: handler "bus": "nats//x:4222" is not a NATS server',
        '  - handlers.bus.servers[1]: ${NATS_OTHER}: handler "bus": "http://n:4222" has scheme http://',
        '  - handlers.stream.url: ${REDIS_URL}: the database after the host must be a number',
        '  - handlers.erp.secret: ${ERP_SECRET}: the variable holds no Standard Webhooks secret',
      ],
    );
  });
});

describe('a NATS server from ${VAR} at start-up', () => {
  it('refuses a resolved value that is no NATS server before the store is opened, naming handler and variable', async () => {
    await expectRefusedBeforeTheStoreOpens(
      { bus: { type: 'nats', servers: ['nats://a:4222', '${NATS_URL}'] } },
      { NATS_URL: 'nats//x:4222' },
      'handlers.bus.servers[1]: ${NATS_URL}: handler "bus": "nats//x:4222" is not a NATS server',
    );
  });
});

describe('a Redis URL from ${VAR} at start-up', () => {
  it('refuses a resolved URL whose database is no number before the store is opened', async () => {
    await expectRefusedBeforeTheStoreOpens(
      { bus: { type: 'redis-stream', url: '${REDIS_URL}' } },
      { REDIS_URL: 'redis://r:6379/orders' },
      'handlers.bus.url: ${REDIS_URL}: the database after the host must be a number',
    );
  });
});

describe('an AMQP or Redis URL from ${VAR} at start-up', () => {
  // Before: only the literal URL was checked; a variable holding no amqp:// URL failed every attempt
  // with "check that the RabbitMQ server is running" (after waiting timeoutMs), and a Redis one with
  // http:// dialled a unix socket ("connect ENOENT //host:6379"), until the jobs dead-lettered.
  it.each([
    ['amqp', 'http://guest:guest@rabbit:5672', 'amqp:// or amqps://'],
    ['amqp', 'mq.internal:5672', 'amqp:// or amqps://'],
    ['redis-stream', 'http://redis:6379', 'redis:// or rediss://'],
    ['redis-stream', 'amqp://redis:6379/0', 'redis:// or rediss://'],
  ] as const)(
    'refuses a resolved %s url that is %s before the store is opened, naming the key and the variable, never the value',
    async (type, value, scheme) => {
      const handler =
        type === 'amqp' ? { type, url: '${BROKER_URL}', exchange: 'x' } : { type, url: '${BROKER_URL}' };
      await expectRefusedBeforeTheStoreOpens(
        { bus: handler },
        { BROKER_URL: value },
        `handlers.bus.url: \${BROKER_URL}: the environment variable BROKER_URL holds no ${scheme} URL; set it to one`,
      );
      // the value may carry the password: never in the message
      expect(() => checkResolvedEnvReferences({ bus: handler } as never, { BROKER_URL: value })).not.toThrow(
        value,
      );
    },
  );
});

describe('an AMQP URL from ${VAR} whose query RabbitMQ takes no connection with, at start-up', () => {
  it('is refused before the store is opened, naming the parameter, never the value', async () => {
    await expectRefusedBeforeTheStoreOpens(
      { bus: { type: 'amqp', url: '${AMQP_URL}', exchange: 'x' } },
      { AMQP_URL: 'amqp://guest:guest@rabbit:5672/shop?heartbeat=thirty' },
      'handlers.bus.url: ${AMQP_URL}: the query parameter "heartbeat" must be a whole number of seconds',
    );
  });
});

describe('a password from ${VAR} that a URL cannot hold as it is, at start-up', () => {
  // Before: the documented amqp URL with a password holding "/" (openssl rand -base64), "?" or "#"
  // started, and every attempt failed with "Expected amqp: or amqps: as the protocol" and "check that the
  // RabbitMQ server is running" until the jobs dead-lettered; the Redis one was refused as "must be a URL
  // such as redis://host:6379/0", or, with a "%", every attempt failed with "URI malformed".
  it.each([
    ['amqp', 'amqp://srhooks:${RABBITMQ_PASSWORD}@rabbit:5672/shop', 'Zk3/q+8wRt1=', 'does not parse'],
    ['amqp', 'amqp://srhooks:${RABBITMQ_PASSWORD}@rabbit:5672/shop', 'guess#me', 'does not parse'],
    ['amqp', 'amqp://srhooks:${RABBITMQ_PASSWORD}@rabbit:5672/shop', '1234/x', 'names another host'],
    ['redis-stream', 'redis://:${RABBITMQ_PASSWORD}@redis:6379/0', 'Zk3/q+8wRt1=', 'does not parse'],
    [
      'redis-stream',
      'redis://:${RABBITMQ_PASSWORD}@redis:6379/0',
      'ab%cd',
      'holds a "%" that starts no escape',
    ],
    ['redis-stream', '${RABBITMQ_PASSWORD}', 'redis://:ab?cd@redis:6379/0', 'does not parse'],
  ] as const)(
    '%s: refuses the url %s whose variable holds %s, saying to percent-encode it, never the value',
    async (type, url, value, why) => {
      const handler = type === 'amqp' ? { type, url, exchange: 'shoprenter' } : { type, url };
      await expectRefusedBeforeTheStoreOpens({ bus: handler }, { RABBITMQ_PASSWORD: value }, [
        `handlers.bus.url: ${url}: the value of RABBITMQ_PASSWORD does not fit into the URL as it is: filled in, the URL ${why}`,
        `a value in a URL's user name or password must be percent-encoded ("/" as %2F, "?" as %3F, "#" as %23, "%" as %25`,
      ]);
      try {
        checkResolvedEnvReferences({ bus: handler } as never, { RABBITMQ_PASSWORD: value });
      } catch (error) {
        expect((error as Error).message).not.toContain(value);
      }
      // percent-encoded, the same value is taken (the client libraries decode it)
      const encoded = url === '${RABBITMQ_PASSWORD}' ? value.replace('?', '%3F') : encodeURIComponent(value);
      expect(() =>
        checkResolvedEnvReferences({ bus: handler } as never, { RABBITMQ_PASSWORD: encoded }),
      ).not.toThrow();
    },
  );

  it('takes a host, vhost or database from a variable as the setting writes it', () => {
    expect(() =>
      checkResolvedEnvReferences(
        {
          rabbit: { type: 'amqp', url: 'amqp://u:${PW}@${HOST}:5672/${VHOST}', exchange: 'x' },
          stream: { type: 'redis-stream', url: 'redis://${USER}:${PW}@redis:6379/${DB}' },
        } as never,
        { PW: 'p@ss:word', HOST: 'rabbit.internal', VHOST: 'shop', USER: 'srhooks', DB: '3' },
      ),
    ).not.toThrow();
  });
});

describe('env references and secrets', () => {
  it('resolves ${VAR} from the environment', () => {
    expect(resolveEnvReferences('amqp://${U}:${P}@h/${V}', { U: 'user', P: 'p@ss', V: 'vh' }, 'k')).toBe(
      'amqp://user:p@ss@h/vh',
    );
    expect(resolveEnvReferences('no references', {}, 'k')).toBe('no references');
  });

  it('lists resolved credentials and literal URL passwords as secrets for the log scrubber', () => {
    const config = configWith({ type: 'redis-stream', url: 'redis://:${REDIS_PASSWORD}@redis:6379' });
    expect(brokerSecretValues(config.handlers, { REDIS_PASSWORD: 'hunter2-redis' })).toEqual([
      'hunter2-redis',
    ]);
    const literal = configWith({ type: 'amqp', url: 'amqp://user:literal-pw@rabbit', exchange: 'x' });
    expect(brokerSecretValues(literal.handlers, {})).toEqual(['literal-pw']);
    const nats = configWith({ type: 'nats', servers: 'nats://h', token: '${NATS_TOKEN}' });
    expect(brokerSecretValues(nats.handlers, { NATS_TOKEN: 'tok-123456' })).toEqual(['tok-123456']);
  });

  it('takes credentials out of URLs and error texts', () => {
    expect(redactUrl('amqp://user:secret@rabbit:5672/vh')).toBe('amqp://rabbit:5672/vh');
    expect(scrubSecrets('connect amqp://user:secret@rabbit failed (secret rejected)', ['secret'])).toBe(
      'connect amqp://***@rabbit failed (*** rejected)',
    );
  });

  it("masks a URL's user part exactly as the expression it replaces, in linear time", () => {
    const expression = (text: string) => text.replace(/([a-z][a-z0-9+.-]*:\/\/)[^/@\s]*@/gi, '$1***@');
    const alphabet = ['a', 'Z', '9', '+', '.', '-', ':', '/', '@', ' ', '\n', '://', 'u:p@', 'é'];
    for (let seed = 1; seed <= 20_000; seed += 1) {
      const text = generatedText(seed, alphabet, 1 + (seed % 40));
      expect(maskUrlUserinfo(text), `seed ${seed}: ${JSON.stringify(text)}`).toBe(expression(text));
    }
    // a long run of scheme characters with no `://` after it: the expression is quadratic on it (4 s at 64k)
    const long = `${'a'.repeat(200_000)} amqp://user:pw@host`;
    expect(maskUrlUserinfo(long)).toBe(`${'a'.repeat(200_000)} amqp://***@host`);
  });

  it('a receiver never logs a resolved credential', async () => {
    const { startTestReceiver } = await import('../../../test-support/test-receiver.js');
    const receiver = await startTestReceiver(
      {
        shops: [{ name: 'demo', handlers: ['bus'] }],
        handlers: { bus: { type: 'redis-stream', url: 'redis://:${REDIS_PASSWORD}@127.0.0.1:1' } },
      },
      { processing: { env: { REDIS_PASSWORD: 'never-logged-secret' } } },
    );
    receiver.app.log.info({ url: 'redis://:never-logged-secret@127.0.0.1:1' }, 'a careless line');
    await receiver.close();
    const text = receiver.logLines.join('\n');
    expect(text).toContain('a careless line');
    expect(text).not.toContain('never-logged-secret');
  });
});

describe('templates and message ids', () => {
  it('renders {shop} and {event}; a stream captures the template with * per placeholder', () => {
    expect(renderTemplate('shoprenter.{shop}.{event}', { shop: 'demo', event: 'order_confirm' })).toBe(
      'shoprenter.demo.order_confirm',
    );
    expect(subjectFilter('shoprenter.{shop}.{event}')).toBe('shoprenter.*.*');
    expect(subjectFilter('orders.{shop}-eu.new')).toBe('orders.*.new');
  });

  it("tells whether an existing stream's subject filter captures the template's subjects", () => {
    for (const filter of ['shoprenter.*.*', 'shoprenter.>', '>', '*.*.*', 'shoprenter.*.>']) {
      expect([filter, filterCaptures(filter, 'shoprenter.*.*')]).toEqual([filter, true]);
    }
    for (const filter of [
      'shoprenter.*',
      'shoprenter.demo.*',
      'other.>',
      'shoprenter.*.*.*',
      'shoprenter.*.*.>',
    ]) {
      expect([filter, filterCaptures(filter, 'shoprenter.*.*')]).toEqual([filter, false]);
    }
    expect(filterCaptures('orders.*.new', 'orders.*.new')).toBe(true);
    expect(filterCaptures('orders.*.old', 'orders.*.new')).toBe(false);
  });

  it('uses the event id, and a replay mark after an explicit replay', () => {
    expect(brokerMessageId({ eventId: 'evt_1' })).toBe('evt_1');
    expect(brokerMessageId({ eventId: 'evt_1', firstAttempt: 1 })).toBe('evt_1');
    expect(brokerMessageId({ eventId: 'evt_1', firstAttempt: 4 })).toBe('evt_1:replay-4');
  });
});
