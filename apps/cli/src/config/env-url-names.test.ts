/**
 * A URL taken from an environment variable (SRHOOKS_RECEIVER_URL, SRHOOKS_SANDBOX_URL,
 * SRHOOKS_TRIGGER_URL, SRHOOKS_PUBLIC_URL, SRHOOKS_API_URL, SRHOOKS_TOKEN_URL) that is not an http(s)
 * URL is a usage error naming that variable — not the flag the user never passed — with no stack trace.
 */
import { afterAll, describe, expect, it } from 'vitest';
import { runCli, tempConfigDir } from '../test-support/run-cli.js';

const config = tempConfigDir();
afterAll(() => config.cleanup());

const CREDENTIALS = { SRHOOKS_SHOP: 'demo', SRHOOKS_CLIENT_ID: 'cid', SRHOOKS_CLIENT_SECRET: 'csecret' };

const CASES: { variable: string; args: string[]; env?: Record<string, string> }[] = [
  { variable: 'SRHOOKS_RECEIVER_URL', args: ['events', 'list', '--admin-token', 'x'.repeat(20)] },
  { variable: 'SRHOOKS_SANDBOX_URL', args: ['sandbox', 'order'] },
  { variable: 'SRHOOKS_SANDBOX_URL', args: ['app', 'install', '--shop', 'demo'] },
  { variable: 'SRHOOKS_RECEIVER_URL', args: ['app', 'install', '--shop', 'demo'] },
  { variable: 'SRHOOKS_TRIGGER_URL', args: ['trigger', 'order_confirm'] },
  {
    variable: 'SRHOOKS_PUBLIC_URL',
    args: ['url', '--shop', 'demo', '--event', 'order_confirm', '--secret', 's'.repeat(20)],
  },
  { variable: 'SRHOOKS_API_URL', args: ['login', '--shop', 'demo', '--no-verify'], env: CREDENTIALS },
  { variable: 'SRHOOKS_TOKEN_URL', args: ['login', '--shop', 'demo', '--no-verify'], env: CREDENTIALS },
  { variable: 'SRHOOKS_API_URL', args: ['webhooks', 'list'], env: CREDENTIALS },
  { variable: 'SRHOOKS_TOKEN_URL', args: ['webhooks', 'list'], env: CREDENTIALS },
];

describe('a bad URL in an environment variable', () => {
  it.each(CASES)('$variable for $args.0 $args.1 is named', async ({ variable, args, env }) => {
    for (const value of ['not-a-url', 'ftp://files.example.com']) {
      const run = await runCli(config.dir, args, { env: { ...env, [variable]: value } });
      expect(run.stderr).toContain(`${variable} must be an http(s) URL`);
      expect(run.stderr).toContain(value);
      expect(run.stderr).not.toMatch(/^\s+at /m);
      expect(run.code).toBe(2);
    }
  });
});

/** The same URLs given as flags: the refusal names the flag. */
const FLAG_CASES: { flag: string; args: string[]; env?: Record<string, string> }[] = [
  { flag: '--sandbox-url', args: ['sandbox', 'order'] },
  { flag: '--sandbox-url', args: ['app', 'install', '--shop', 'demo'] },
  { flag: '--receiver', args: ['app', 'install', '--shop', 'demo'] },
  { flag: '--forward-to', args: ['listen', '--port', '0'] },
  { flag: '--public-url', args: ['listen', '--port', '0'] },
  { flag: '--api-url', args: ['login', '--shop', 'demo', '--no-verify'], env: CREDENTIALS },
  { flag: '--token-url', args: ['login', '--shop', 'demo', '--no-verify'], env: CREDENTIALS },
];

describe('every refused URL says what to write instead', () => {
  it.each(CASES)('$variable for $args.0 $args.1', async ({ variable, args, env }) => {
    const run = await runCli(config.dir, [...args, '--json'], { env: { ...env, [variable]: 'not-a-url' } });
    const { error } = JSON.parse(run.stdout) as { error: { code: string; message: string; hint?: string } };
    expect(error.message).toContain(`${variable} must be an http(s) URL`);
    expect(error.hint, error.message).toMatch(/\S/);
    // one code for every refused URL, as for the flags (url-option.ts)
    expect(error.code).toBe('invalid_url');
  });

  it.each(FLAG_CASES)('$flag of $args.0 $args.1', async ({ flag, args, env }) => {
    const run = await runCli(config.dir, [...args, flag, 'not-a-url', '--json'], { env });
    const { error } = JSON.parse(run.stdout) as { error: { code: string; message: string; hint?: string } };
    expect(error.message).toContain(`${flag} must be an http(s) URL`);
    expect(error.code).toBe('invalid_url');
    expect(error.hint, error.message).toMatch(/e\.g\. \S+/);
    expect(run.code).toBe(2);
  });
});
