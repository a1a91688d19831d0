/**
 * Text the CLI prints comes partly from deliveries (an order's innerId, its currency, a shop's answer):
 * whoever can post to a signed URL chooses it. A terminal obeys escape sequences in it (clear the
 * screen, set the window title, write the clipboard with OSC 52, hide text), so human output shows
 * every control character as `<U+XXXX>` and keeps only the CLI's own colour codes. Found by posting an
 * order whose innerId held `ESC[2J ESC]0;…BEL` to `srhooks listen`: the feed line cleared the terminal.
 */
import { PassThrough } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { Output } from './output.js';

function tty(): PassThrough & { isTTY: boolean; text(): string } {
  const chunks: string[] = [];
  const s = new PassThrough() as PassThrough & { isTTY: boolean; text(): string };
  s.isTTY = true;
  s.on('data', (chunk: Buffer) => chunks.push(chunk.toString('utf8')));
  s.text = () => chunks.join('');
  return s;
}

const tick = () => new Promise((resolve) => setImmediate(resolve));

const HOSTILE = '77\u001b[2J\u001b]0;pwned\u0007\u001b]52;c;ZWNobw==\u0007\rX\u009b31m\u202Eevil\u001b[8m';

describe('human output and terminal control characters', () => {
  it('shows control characters from data as <U+XXXX> on every human channel, keeping the CLI colours', async () => {
    const stdout = tty();
    const stderr = tty();
    const out = new Output({ json: false, stdout, stderr, env: { FORCE_COLOR: '1' } });
    out.line(`#${HOSTILE}  ${out.style.green('succeeded')}`);
    out.result({ id: HOSTILE }, (value, style) => `${style.bold('order')} ${value.id}\ttab`);
    out.info(HOSTILE);
    out.warn(HOSTILE);
    out.error(HOSTILE, HOSTILE);
    await tick();
    for (const text of [stdout.text(), stderr.text()]) {
      expect(text).not.toMatch(
        /[\u0000-\u0008\u000b-\u001a\u001c-\u001f\u007f-\u009f\u202a-\u202e\u2066-\u2069]/,
      );
      // Only the colour codes the CLI writes itself remain.
      expect(text.match(/\u001b[^[]|\u001b\[(?!(?:1|2|22|31|32|33|36|39)m)/g)).toBeNull();
      expect(text).toContain(
        '77<U+001B>[2J<U+001B>]0;pwned<U+0007><U+001B>]52;c;ZWNobw==<U+0007><U+000D>X<U+009B>31m<U+202E>evil<U+001B>[8m',
      );
    }
    expect(stdout.text()).toContain('\u001b[32msucceeded\u001b[39m');
    expect(stdout.text()).toContain('\u001b[1morder\u001b[22m');
    expect(stdout.text()).toContain('\ttab\n');
  });

  it('prints --json documents as JSON (escaped by JSON itself), unchanged', async () => {
    const stdout = tty();
    const out = new Output({ json: true, stdout, stderr: tty() });
    out.result({ id: HOSTILE });
    out.jsonLine({ id: HOSTILE });
    await tick();
    const [doc, line] = stdout.text().split('\n}\n');
    expect(JSON.parse(`${doc}\n}`)).toEqual({ id: HOSTILE });
    expect(JSON.parse(line ?? '')).toEqual({ id: HOSTILE });
  });
});
