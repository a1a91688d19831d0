/**
 * `--timeout <duration>` of the webhooks commands that call one shop (`list`, `get`, `create`, `update`,
 * `delete`, `enable`, `disable`): a shop whose API accepts the connection and never answers cost
 * 5 attempts × 30 s; each attempt now gives up after the given time, and the error says how to allow more.
 */
import type { RunningSandbox } from '@srhooks/sandbox';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCli, tempConfigDir } from '../../test-support/run-cli.js';
import { silentServer } from '../../test-support/silent-server.js';
import { startTestSandbox, TEST_CLIENT } from '../../test-support/test-sandbox.js';

let sandbox: RunningSandbox;
let silent: Awaited<ReturnType<typeof silentServer>>;
const config = tempConfigDir();

beforeAll(async () => {
  sandbox = await startTestSandbox();
  silent = await silentServer();
  // slow-token's token endpoint is a server that never answers
  const slowToken = await runCli(config.dir, [
    ...['login', '--shop', 'slow-token', '--client-id', TEST_CLIENT.clientId],
    ...['--client-secret', TEST_CLIENT.clientSecret, '--api-url', sandbox.apiUrlTemplate],
    ...['--token-url', `http://127.0.0.1:${silent.port}/{shop}/app/token`, '--no-verify'],
  ]);
  if (slowToken.code !== 0) throw new Error(slowToken.stderr);
  // acme (logged in last: the default shop) gets its token from the sandbox; its API is that server
  const login = await runCli(config.dir, [
    ...['login', '--shop', 'acme', '--client-id', TEST_CLIENT.clientId],
    ...['--client-secret', TEST_CLIENT.clientSecret, '--token-url', sandbox.tokenUrlTemplate],
    ...['--api-url', `http://127.0.0.1:${silent.port}/{shop}/api`, '--no-verify'],
  ]);
  if (login.code !== 0) throw new Error(login.stderr);
});
afterAll(async () => {
  await sandbox?.close();
  await silent?.close();
  config.cleanup();
});

describe('srhooks webhooks … --timeout <duration>', () => {
  it('cuts off each request to a shop that never answers; the error says how to allow more time', async () => {
    const started = Date.now();
    const before = silent.arrived.length;
    // 1000 ms: on a slow, loaded machine 150 ms ran out before some requests were even sent
    const run = await runCli(config.dir, ['webhooks', 'list', '--timeout', '1000', '--json']);
    // 5 attempts × 1 s and the client's short back-off between them, not 5 × 30 s
    expect(Date.now() - started).toBeLessThan(60_000);
    expect(run.code).toBe(3);
    const { error } = JSON.parse(run.stdout);
    expect(error).toMatchObject({ code: 'timeout', exitCode: 3 });
    expect(error.message).toMatch(/^GET \S+\/acme\/api\/webHooks\S* timed out after 5 attempts/);
    expect(error.hint).toContain(
      "check that the shop's API is up, or allow more time with --timeout (e.g. --timeout 60s; default 30s per API request)",
    );
    await silent.received(5, before);
    expect(silent.arrived.filter((request) => request.startsWith('GET /acme/api/webHooks?'))).toHaveLength(5);
  });

  it('a token endpoint that never answers: the error says --timeout limits the token request too', async () => {
    const run = await runCli(config.dir, [
      'webhooks',
      'list',
      '--shop',
      'slow-token',
      '--timeout',
      '150ms',
      '--json',
    ]);
    expect(run.code).toBe(3);
    const { error } = JSON.parse(run.stdout);
    expect(error.message).toContain('(timed out)');
    expect(error.hint).toContain(
      'allow more time with --timeout (e.g. --timeout 60s; default 15s for the token request)',
    );
  });

  it('takes a duration on every webhooks command: a bare 30 is refused saying what to write', async () => {
    for (const args of [
      ['webhooks', 'get', 'd2ViSG9v'],
      ['webhooks', 'enable', 'd2ViSG9v'],
      ['webhooks', 'create', '--event', 'order_confirm', '--url', 'https://example.com/hook'],
    ]) {
      const run = await runCli(config.dir, [...args, '--timeout', '30']);
      expect(run.code, args.join(' ')).toBe(2);
      expect(run.stderr).toContain('a bare number is milliseconds: write 30s for 30 seconds');
    }
  });
});
