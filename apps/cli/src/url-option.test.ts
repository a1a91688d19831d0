/**
 * Every refused URL option in one wording — `<option> must be <what it takes>, got "<value>"`, exit 2,
 * code `invalid_url` — as the QA found four (trigger --to, url --base, webhooks create --url with a
 * non-http scheme or no URL at all).
 */
import { describe, expect, it } from 'vitest';
import { runCli, tempConfigDir } from './test-support/run-cli.js';

const config = tempConfigDir();
const SECRET = 'url-option-test-secret-0123456789abcdef';
const DELIVERY_URL =
  'an https:// URL (http:// only to a loopback address such as 127.0.0.1, for local testing)';

describe('a refused URL names the option, what it takes and what was given', () => {
  it.each([
    [
      ['trigger', 'order_confirm', '--to', 'notaurl'],
      'error: --to must be an http(s) URL, got "notaurl"\ne.g. --to http://127.0.0.1:4750/hooks/…\n',
    ],
    [
      ['trigger', 'order_confirm', '--to', 'ftp://x'],
      'error: --to must be an http(s) URL, got "ftp://x"\ne.g. --to http://127.0.0.1:4750/hooks/…\n',
    ],
    [
      ['url', '--shop', 's', '--event', 'order_confirm', '--secret', SECRET, '--base', 'ftp://x'],
      'error: --base must be an http(s) URL, got "ftp://x"\ne.g. --base https://hooks.example.com\n',
    ],
    [
      ['webhooks', 'create', '--shop', 'acme', '--event', 'order_confirm', '--url', 'ftp://x'],
      `error: --url must be ${DELIVERY_URL}, got "ftp://x"\n`,
    ],
    [
      ['webhooks', 'create', '--shop', 'acme', '--event', 'order_confirm', '--url', 'notaurl'],
      `error: --url must be ${DELIVERY_URL}, got "notaurl"\n`,
    ],
    [
      ['webhooks', 'update', 'd2ViSG9vay0x', '--shop', 'acme', '--url', 'notaurl'],
      `error: --url must be ${DELIVERY_URL}, got "notaurl"\n`,
    ],
  ])('srhooks %j', async (args, stderr) => {
    const run = await runCli(config.dir, args);
    expect(run.stderr).toBe(stderr);
    expect(run.code).toBe(2);
    const json = await runCli(config.dir, [...args, '--json']);
    expect(JSON.parse(json.stdout).error).toMatchObject({ code: 'invalid_url', exitCode: 2 });
  });
});
