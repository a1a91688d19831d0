/**
 * Text the CLI prints comes partly from deliveries (an order's innerId, its currency, a shop's answer):
 * whoever can post to a signed URL chooses it. A terminal obeys escape sequences in it (clear the
 * screen, set the window title, write the clipboard with OSC 52, hide text), so human output shows
 * every control character as `<U+XXXX>` and keeps only the CLI's own colour codes. Found by posting an
 * order whose innerId held `ESC[2J ESC]0;…BEL` to `srhooks listen`: the feed line cleared the terminal.
 */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { PassThrough } from 'node:stream';
import { samplePayload } from '@srhooks/contracts/samples';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { printDelivery, printOutcome } from '../live/feed-lines.js';
import { type CaptureServer, startCaptureServer } from '../test-support/capture-server.js';
import { adminCli, runCli, sendDelivery, tempConfigDir } from '../test-support/run-cli.js';
import { forwardTo, type Receiver, startTestReceiver } from '../test-support/test-receiver.js';
import { Output } from './output.js';
import { renderFields, renderTable } from './table.js';

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

  it('writes what JSON leaves raw — C1 controls, bidi overrides, line separators — as \\u escapes, the same document', async () => {
    const value = { id: '4242\u009b2J\u0085x', name: 'abc\u202edcba\u2066\u200f', note: 'a\u2028b' };
    const stdout = tty();
    const out = new Output({ json: true, stdout, stderr: tty() });
    out.result(value);
    out.jsonLine(value);
    await tick();
    const text = stdout.text();
    expect(text).not.toMatch(/[\u0080-\u009f\u200f\u2028\u202e\u2066]/);
    expect(text).toContain('4242\\u009b2J\\u0085x');
    expect(text).toContain('abc\\u202edcba\\u2066\\u200f');
    const [doc, line] = text.split('\n}\n');
    expect(JSON.parse(`${doc}\n}`)).toEqual(value);
    expect(JSON.parse(line ?? '')).toEqual(value);
  });
});

/**
 * The colour codes the CLI writes itself (red, dim, their resets, …) were let through wherever they
 * stood, so an order whose innerId held `ESC[31m`, or a forward target answering `ESC[32mdelivered`,
 * re-coloured the user's terminal and could fake a status. Now only escapes the CLI wrote survive.
 */
const RED = '\u001b[31m';
const DIM = '\u001b[2m';
const GREEN = '\u001b[32m';
const RESET_COLOUR = '\u001b[39m';
const RESET_BOLD = '\u001b[22m';
const SGR_IN_DATA = [RED, DIM, GREEN, RESET_COLOUR, RESET_BOLD, '\u001b[1m', '\u001b[33m', '\u001b[36m'];
const ORDER_ID = `${RED}77${RESET_COLOUR}`;
const CURRENCY = `${DIM}EUR${RESET_BOLD}`;
const ANSWER = `${GREEN}delivered${RESET_COLOUR} ${DIM}all good`;

/** No SGR escape that came with the data is left as an escape: each is shown as `<U+001B>[…m`. */
function expectDataNeutralized(text: string, data: readonly string[]): void {
  for (const value of data) {
    expect(text).not.toContain(value);
    expect(text).toContain(value.replaceAll('\u001b', '<U+001B>'));
  }
}

describe('colour codes in data are not the CLI’s colours', () => {
  it('live listen lines, tables, key/value views, spinners, warnings and errors show them as text', async () => {
    const stdout = tty();
    const stderr = tty();
    const out = new Output({ json: false, stdout, stderr, env: { FORCE_COLOR: '1' } });
    const base = { time: '12:00:00', shop: 'acme', event: 'order_confirm' as const };
    printDelivery(out, {
      ...base,
      type: 'delivery',
      deliveryId: 'dlv_1',
      status: 'stored',
      events: [
        {
          id: 'evt_1',
          orderNumber: ORDER_ID,
          subjectId: null,
          total: '10',
          currency: CURRENCY,
          status: 'stored',
          duplicate: false,
        },
      ],
    });
    printOutcome(out, {
      ...base,
      type: 'outcome',
      eventId: 'evt_1',
      orderNumber: ORDER_ID,
      handler: 'erp',
      status: 'failed',
      statusCode: 500,
      error: ANSWER,
      errorSummary: null,
    });
    out.result({ id: ORDER_ID }, (value, style) =>
      [
        renderTable(
          [value],
          [
            { header: 'ORDER', value: (row) => row.id },
            { header: 'STATUS', value: () => style.green('ok') },
          ],
        ),
        renderFields([['order', style.bold(value.id)]], style),
      ].join('\n'),
    );
    const spinner = out.spinner(`syncing ${ORDER_ID}`);
    spinner.succeed(`synced ${CURRENCY}`);
    out.warn(ANSWER);
    out.error(ORDER_ID, CURRENCY);
    await tick();
    expectDataNeutralized(stdout.text(), [ORDER_ID, CURRENCY, ANSWER]);
    expectDataNeutralized(stderr.text(), [ORDER_ID, CURRENCY, ANSWER]);
    // the CLI's own colours are still there, around the CLI's own words
    expect(stdout.text()).toContain(`${GREEN}stored${RESET_COLOUR}`);
    expect(stdout.text()).toContain(`  #<U+001B>[31m77<U+001B>[39m  10 <U+001B>[2mEUR<U+001B>[22m  `);
    expect(stdout.text()).toContain(`${DIM}HTTP 500 <U+001B>[32mdelivered`);
    expect(stdout.text()).toContain(`${DIM}order${RESET_BOLD}  \u001b[1m<U+001B>[31m77`);
    expect(stderr.text()).toContain(`${GREEN}✔${RESET_COLOUR} synced <U+001B>[2mEUR`);
    expect(stderr.text()).toContain('\u001b[33mwarning:\u001b[39m <U+001B>[32mdelivered');
    expect(stderr.text()).toContain('\u001b[31merror:\u001b[39m <U+001B>[31m77<U+001B>[39m\n');
    expect(stderr.text()).toContain(`${DIM}<U+001B>[2mEUR<U+001B>[22m${RESET_BOLD}\n`);
    // the table pads by what is printed: the header is as wide as the shown id
    expect(stdout.text()).toContain(
      `ORDER${' '.repeat(21)}  STATUS\n<U+001B>[31m77<U+001B>[39m  ${GREEN}ok${RESET_COLOUR}\n`,
    );
    // nothing private of the CLI's marking reaches the terminal
    expect(stdout.text() + stderr.text()).not.toMatch(/[\uE000\uE001]/);
  });

  describe('through the real commands (FORCE_COLOR=1)', () => {
    const config = tempConfigDir();
    const ADMIN_TOKEN = 'terminal-controls-admin-token-0123456789';
    let receiver: Receiver;
    let target: CaptureServer;
    let base = '';
    let deliveryId = '';
    let eventId = '';
    const { admin } = adminCli(config.dir, () => base, ADMIN_TOKEN);
    const coloured = (...args: string[]) =>
      runCli(config.dir, [...args, '--receiver', base], {
        env: { SRHOOKS_ADMIN_TOKEN: ADMIN_TOKEN, NO_COLOR: undefined, FORCE_COLOR: '1' },
      });

    beforeAll(async () => {
      // the forward target refuses (400: dead at once, not retried) with colour codes of its own
      target = await startCaptureServer(() => ({ status: 400, body: ANSWER }));
      const started = await startTestReceiver(config.dir, {
        secrets: ['terminal-controls-url-secret-0123456789'],
        adminToken: ADMIN_TOKEN,
        shops: [{ name: 'acme', handlers: ['erp'] }],
        handlers: { erp: forwardTo(`${target.url}/erp`) },
      });
      ({ receiver, url: base } = started);
      const payload = samplePayload('order_confirm', 'colours');
      const order = payload.orders.order[0];
      if (!order) throw new Error('the sample has no order');
      order.innerId = ORDER_ID;
      order.currency = CURRENCY;
      const file = join(config.dir, '..', 'colours.json');
      writeFileSync(file, JSON.stringify(payload));
      const url = started.deliveryUrl({ shop: 'acme', event: 'order_confirm' });
      ({ deliveryId } = await sendDelivery(config.dir, url, { data: file }));
      eventId = await vi.waitFor(
        async () => {
          const [dead] = await receiver.store.listDeadLetters();
          if (!dead) throw new Error('the job is not dead-lettered yet');
          return dead.event.id;
        },
        { timeout: 10_000, interval: 50 },
      );
    });
    afterAll(async () => {
      await receiver?.close();
      await target?.close();
      config.cleanup();
    });

    it('deliveries, events and dead-letters print the data’s escapes as text, their own colours kept', async () => {
      // revealed: an order id holding control characters is no id, so a masked view hides it whole
      const runs = await Promise.all([
        coloured('deliveries', 'list', '--reveal'),
        coloured('deliveries', 'show', deliveryId, '--reveal'),
        coloured('events', 'list', '--reveal'),
        coloured('events', 'show', eventId, '--reveal'),
        coloured('dead-letters', 'list', '--reveal'),
      ]);
      for (const run of runs) {
        expect(run.code, run.stderr).toBe(0);
        // colour is on: the CLI's own escapes are there
        expect(run.stdout).toMatch(/\u001b\[(?:1|2|31|32|33|36)m/);
        for (const value of SGR_IN_DATA) {
          // every escape in the data comes right after the data's text, never as an escape
          expect(run.stdout).not.toContain(`77${value}`);
          expect(run.stdout).not.toContain(`${value}77`);
          expect(run.stdout).not.toContain(`${value}EUR`);
          expect(run.stdout).not.toContain(`${value}delivered`);
          expect(run.stdout).not.toContain(`${value}all good`);
        }
        expect(run.stdout).toContain('<U+001B>[31m77');
      }
      const masked = await coloured('deliveries', 'list');
      expect(masked.stdout).toContain('hidden (12 characters)');
      expect(masked.stdout).not.toContain('77');
      const [, deliveryShow, , eventShow, deadLetters] = runs;
      expect(deliveryShow?.stdout).toContain('<U+001B>[2mEUR');
      expect(eventShow?.stdout).toContain('<U+001B>[2mEUR');
      expect(eventShow?.stdout).toContain('<U+001B>[32mdelivered<U+001B>[39m <U+001B>[2mall good');
      expect(deadLetters?.stdout).toContain('<U+001B>[32mdelivered<U+001B>[39m <U+001B>[2mall good');
      // --json stays raw JSON: the data comes back as it was sent
      const json = await admin('events', 'show', eventId, '--reveal', '--json');
      // (an innerId holding control characters is no id: no order number, the subject id keeps it)
      expect(JSON.parse(json.stdout).event).toMatchObject({
        orderNumber: null,
        subjectId: ORDER_ID,
        currency: CURRENCY,
      });
      expect(json.stdout).not.toContain('\u001b');
    });
  });
});

/**
 * Line breaks in data: an order's innerId of `4242\nevt_01fake  demo  order_confirm  #9999 …  succeeded` printed
 * a row of its own in `srhooks events list` (found against the built receiver and CLI), and a listen line
 * likewise. One-line places show `<U+000A>`; a record's multi-line value keeps its lines, indented.
 */
describe('line breaks in data do not make lines of their own', () => {
  const FORGED = '4242\nevt_01fake  acme  order_confirm  #9999  succeeded\tx';

  it('tables and listen lines keep one line per row, key/value views indent a value’s later lines', async () => {
    const stdout = tty();
    const out = new Output({ json: false, stdout, stderr: tty(), env: {}, noColor: true });
    const base = { time: '12:00:00', shop: 'acme', event: 'order_confirm' as const };
    printDelivery(out, {
      ...base,
      type: 'delivery',
      deliveryId: 'dlv_1',
      status: 'stored',
      events: [
        {
          id: 'evt_1',
          orderNumber: FORGED,
          subjectId: null,
          total: '10',
          currency: 'HUF\nfake',
          status: 'stored',
          duplicate: false,
        },
      ],
    });
    printOutcome(out, {
      ...base,
      type: 'outcome',
      eventId: 'evt_1',
      orderNumber: FORGED,
      handler: 'erp',
      status: 'failed',
      statusCode: 500,
      error: 'bad\nevt_2  acme  order_confirm  → erp succeeded',
      errorSummary: null,
    });
    out.result({ id: FORGED }, (value, style) =>
      [
        renderTable([value], [{ header: 'ORDER', value: (row) => row.id }]),
        renderFields(
          [
            ['order', value.id],
            ['comment', 'first line\nstatus  succeeded'],
          ],
          style,
        ),
      ].join('\n'),
    );
    await tick();
    const lines = stdout.text().split('\n');
    expect(lines.filter((line) => line.startsWith('evt_'))).toEqual([]);
    expect(lines.filter((line) => line.startsWith('status'))).toEqual([]);
    expect(stdout.text()).toContain(
      '#4242<U+000A>evt_01fake  acme  order_confirm  #9999  succeeded<U+0009>x',
    );
    expect(stdout.text()).toContain('HUF<U+000A>fake');
    expect(lines).toContain('ORDER');
    expect(lines).toContain('comment  first line');
    expect(lines).toContain('         status  succeeded');
  });
});
