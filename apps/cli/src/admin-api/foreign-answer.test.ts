/**
 * The admin commands pointed at something that is not an srhooks receiver (an HTML page, a proxy's
 * 502/503/403, a redirect) say so, naming the URL, with a stable code and exit 3 — never a bare
 * `200 OK`. A receiver that throttles wrong tokens is reported with the token's real source and how
 * long even the right token is refused. One plain node:http server answers as each case needs.
 */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCli, tempConfigDir } from '../test-support/run-cli.js';

const config = tempConfigDir();
const TOKEN = 'foreign-answer-admin-token-0123456789';
let server: Server;
let base = '';

/** `/{case}/admin/api/…` answers as `case` says. */
function answer(path: string): { status: number; headers: Record<string, string>; body: string } {
  const which = path.split('/')[1];
  const html = { 'content-type': 'text/html' };
  switch (which) {
    case 'html':
      return { status: 200, headers: html, body: '<html>hi</html>' };
    case 'bad-gateway':
      return { status: 502, headers: html, body: '<html>502 Bad Gateway</html>' };
    case 'forbidden':
      return { status: 403, headers: html, body: '<html>403 Forbidden</html>' };
    case 'moved':
      return {
        status: 301,
        headers: { location: `/real${path.slice('/moved'.length)}` },
        body: '',
      };
    case 'throttled':
      return {
        status: 429,
        headers: { 'content-type': 'application/json', 'retry-after': '250' },
        body: JSON.stringify({
          ok: false,
          error: {
            code: 'too_many_failures',
            message: 'Too many wrong admin credentials … Check SRHOOKS_ADMIN_TOKEN, then try again.',
          },
        }),
      };
    default:
      return { status: 404, headers: html, body: 'no' };
  }
}

beforeAll(async () => {
  server = createServer((request, response) => {
    const { status, headers, body } = answer(request.url ?? '/');
    response.writeHead(status, headers).end(body);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
afterAll(async () => {
  await new Promise((resolve) => server.close(resolve));
  config.cleanup();
});

const COMMANDS = [
  ['events', 'list'],
  ['events', 'replay', 'evt_0000000000'],
  ['deliveries', 'reprocess', 'dlv_0000000000'],
  ['handlers', 'list'],
  ['shops'],
] as const;

describe('admin commands at a server that is not an srhooks receiver', () => {
  it.each(COMMANDS.map((command) => [command.join(' '), command] as const))(
    '%s at an HTML page: not_a_receiver naming the URL, exit 3',
    async (_name, command) => {
      const url = `${base}/html`;
      const run = await runCli(config.dir, [...command, '--receiver', url], {
        env: { SRHOOKS_ADMIN_TOKEN: TOKEN },
      });
      expect(run.code).toBe(3);
      expect(run.stderr).toMatch(
        new RegExp(
          `^error: ${url} is not an srhooks receiver \\(it answered (GET|POST) /html/admin/api/\\S+ with HTTP 200 OK text/html, not like an srhooks receiver's admin API\\)\ncheck --receiver: it must be the base URL of an srhooks receiver`,
        ),
      );
    },
  );

  it('--json gives the code not_a_receiver and exit code 3', async () => {
    const run = await runCli(config.dir, ['events', 'list', '--json'], {
      env: { SRHOOKS_ADMIN_TOKEN: TOKEN, SRHOOKS_RECEIVER_URL: `${base}/html` },
    });
    expect(run.code).toBe(3);
    const { error } = JSON.parse(run.stdout);
    expect(error).toMatchObject({ code: 'not_a_receiver', exitCode: 3 });
    expect(error.hint).toMatch(/^check SRHOOKS_RECEIVER_URL:/);
  });

  it("a proxy's 502: the receiver behind it may be down (receiver_unavailable)", async () => {
    const url = `${base}/bad-gateway`;
    const run = await runCli(config.dir, ['prune', '--older-than', '90', '--receiver', url, '--json'], {
      env: { SRHOOKS_ADMIN_TOKEN: TOKEN },
    });
    expect(run.code).toBe(3);
    const { error } = JSON.parse(run.stdout);
    expect(error.code).toBe('receiver_unavailable');
    expect(error.message).toContain(`${url} answered POST /bad-gateway/admin/api/`);
    expect(error.message).toContain('HTTP 502 Bad Gateway');
    expect(error.hint).toMatch(/^the receiver behind the proxy may be down/);
  });

  it("a proxy's 403 page is not a receiver's refusal", async () => {
    const run = await runCli(
      config.dir,
      ['recover', '--shop', 'demo', '--receiver', `${base}/forbidden`, '--json'],
      {
        env: { SRHOOKS_ADMIN_TOKEN: TOKEN },
      },
    );
    expect(run.code).toBe(3);
    expect(JSON.parse(run.stdout).error.code).toBe('not_a_receiver');
  });

  it('a redirect is named with the final URL to use, and not followed with the token', async () => {
    const run = await runCli(config.dir, ['events', 'list', '--receiver', `${base}/moved`], {
      env: { SRHOOKS_ADMIN_TOKEN: TOKEN },
    });
    expect(run.code).toBe(3);
    expect(run.stderr).toBe(
      `error: ${base}/moved redirects (GET /moved/admin/api/events answered HTTP 301 Moved Permanently to ${base}/real/admin/api/events), so it did not answer like an srhooks receiver's admin API\n` +
        `use the final URL: --receiver ${base}/real (or set SRHOOKS_RECEIVER_URL to it)\n`,
    );
  });
});

describe('a receiver that throttles wrong admin tokens', () => {
  it('names --admin-token as the source and says even the right token waits 4 min 10 s', async () => {
    const url = `${base}/throttled`;
    const run = await runCli(config.dir, ['events', 'list', '--receiver', url, '--admin-token', TOKEN]);
    expect(run.code).toBe(3);
    expect(run.stderr).toBe(
      `error: the receiver at ${url} refuses every admin token from this address for 4 min 10 s more (too many wrong tokens); this command's came from --admin-token\n` +
        'even the correct token is refused until then: wait 4 min 10 s, then try again with the token the receiver was started with (its SRHOOKS_ADMIN_TOKEN) in --admin-token\n',
    );
    expect(run.stderr).not.toContain(TOKEN);
  });

  it('names SRHOOKS_ADMIN_TOKEN when the token came from it (--json code too_many_failures)', async () => {
    const run = await runCli(config.dir, ['events', 'list', '--receiver', `${base}/throttled`, '--json'], {
      env: { SRHOOKS_ADMIN_TOKEN: TOKEN },
    });
    expect(run.code).toBe(3);
    const { error } = JSON.parse(run.stdout);
    expect(error.code).toBe('too_many_failures');
    expect(error.message).toContain("this command's came from SRHOOKS_ADMIN_TOKEN");
  });
});
