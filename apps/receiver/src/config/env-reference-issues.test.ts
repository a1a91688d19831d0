// biome-ignore-all lint/suspicious/noTemplateCurlyInString: `${VAR}` is literal config text (an environment reference) in these tests
/**
 * Handler settings' `${VAR}`s to unset environment variables: every one is a configuration problem
 * listed with the others of the same run, on the key of its setting, in the "Invalid receiver
 * configuration" format. Before, the start stopped at the first one with a message of its own.
 */
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { buildReceiver } from '../app.js';
import { ConfigError } from './config-error.js';
import { defineReceiverConfig, loadConfig } from './load-config.js';
import { configError, SECRET_A, writeConfigIn } from './test-support/config-files.js';

let dir: string;

beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'srhooks-env-ref-'));
});
afterEach(() => {
  rmSync(dir, { recursive: true, force: true });
});

const HANDLERS = {
  hook: { type: 'forward', url: 'https://${HOOK_HOST}/in', secret: '${HOOK_SECRET}' },
  bus: { type: 'amqp', url: 'amqp://${RABBIT_USER}:${RABBIT_PASSWORD}@rabbit', exchange: 'x' },
  nats: { type: 'nats', servers: ['nats://a:4222', '${NATS_URL}'], token: '${NATS_TOKEN}' },
  stream: { type: 'redis-stream', url: '${REDIS_URL}', stream: 's' },
};

const unsetMessage = (variable: string) =>
  `refers to \${${variable}}, but the environment variable ${variable} is not set; set it (or write the value into the config)`;

describe('handler settings with unset ${VAR}s', () => {
  it('lists every missing variable, on its setting, with the other problems of the run', () => {
    const path = writeConfigIn(dir, { handlers: HANDLERS, logLevel: 'loud' });
    const error = configError(() =>
      loadConfig({
        cwd: dir,
        env: { SRHOOKS_SECRETS: SECRET_A, RABBIT_USER: 'rabbit-user-value', NATS_TOKEN: '' },
      }),
    );
    expect(error.message).toMatch(/^Invalid receiver configuration; fix these keys and start again:\n/);
    const at = ` (in ${path})`;
    expect(error.issues).toEqual(
      expect.arrayContaining([
        { key: `logLevel${at}`, message: expect.stringContaining('must be one of') },
        { key: `handlers.hook.url${at}`, message: unsetMessage('HOOK_HOST') },
        { key: `handlers.hook.secret${at}`, message: unsetMessage('HOOK_SECRET') },
        { key: `handlers.bus.url${at}`, message: unsetMessage('RABBIT_PASSWORD') },
        { key: `handlers.nats.servers[1]${at}`, message: unsetMessage('NATS_URL') },
        { key: `handlers.nats.token${at}`, message: unsetMessage('NATS_TOKEN') },
        { key: `handlers.stream.url${at}`, message: unsetMessage('REDIS_URL') },
      ]),
    );
    expect(error.issues).toHaveLength(7);
    // a set variable is neither listed nor quoted
    expect(error.message).not.toContain('RABBIT_USER');
    expect(error.message).not.toContain('rabbit-user-value');
  });

  it('loads the configuration once every variable is set', () => {
    writeConfigIn(dir, { handlers: HANDLERS });
    const config = loadConfig({
      cwd: dir,
      env: {
        SRHOOKS_SECRETS: SECRET_A,
        HOOK_HOST: 'hooks.example',
        HOOK_SECRET: 'whsec_MDEyMzQ1Njc4OWFiY2RlZg==',
        RABBIT_USER: 'u',
        RABBIT_PASSWORD: 'p',
        NATS_URL: 'nats://b:4222',
        NATS_TOKEN: 't',
        REDIS_URL: 'redis://redis:6379/0',
      },
    });
    expect(Object.keys(config.handlers)).toEqual(['hook', 'bus', 'nats', 'stream']);
  });
});

describe('a configuration built in code (buildReceiver, embedded use)', () => {
  it('is checked as loadConfig checks it: every unset variable listed, before the store is opened', async () => {
    const db = join(dir, 'receiver.db');
    const config = defineReceiverConfig({
      secrets: [SECRET_A],
      db,
      logLevel: 'silent',
      handlers: HANDLERS as never,
    });
    const env = { RABBIT_USER: 'rabbit-user-value', NATS_TOKEN: '' };
    const started = buildReceiver(config, { defaultMetrics: false, processing: { env } });
    await expect(started).rejects.toBeInstanceOf(ConfigError);
    const error = (await started.catch((caught: unknown) => caught)) as ConfigError;
    expect(error.message).toMatch(/^Invalid receiver configuration; fix these keys and start again:\n/);
    expect(error.issues).toEqual([
      { key: 'handlers.hook.url', message: unsetMessage('HOOK_HOST') },
      { key: 'handlers.hook.secret', message: unsetMessage('HOOK_SECRET') },
      { key: 'handlers.bus.url', message: unsetMessage('RABBIT_PASSWORD') },
      { key: 'handlers.nats.servers[1]', message: unsetMessage('NATS_URL') },
      { key: 'handlers.nats.token', message: unsetMessage('NATS_TOKEN') },
      { key: 'handlers.stream.url', message: unsetMessage('REDIS_URL') },
    ]);
    expect(error.message).not.toContain('rabbit-user-value');
    expect(existsSync(db)).toBe(false);
  });
});
