import { PassThrough } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { Output } from './output.js';
import { colorEnabled, createStyle } from './style.js';
import { renderTable } from './table.js';

function stream(isTTY: boolean): PassThrough & { isTTY: boolean; text(): string } {
  const chunks: string[] = [];
  const s = new PassThrough() as PassThrough & { isTTY: boolean; text(): string };
  s.isTTY = isTTY;
  s.on('data', (chunk: Buffer) => chunks.push(chunk.toString('utf8')));
  s.text = () => chunks.join('');
  return s;
}

const tick = () => new Promise((resolve) => setImmediate(resolve));

describe('colorEnabled', () => {
  it.each([
    [{}, true, false, true],
    [{}, false, false, false],
    [{ NO_COLOR: '1' }, true, false, false],
    [{ NO_COLOR: '' }, true, false, true],
    [{ FORCE_COLOR: '1' }, false, false, true],
    [{ FORCE_COLOR: '0' }, false, false, false],
    [{ FORCE_COLOR: '1', NO_COLOR: '1' }, true, false, false],
    [{ TERM: 'dumb' }, true, false, false],
    // FORCE_COLOR as Node's getColorDepth and supports-color read it: it wins over TERM=dumb, 0 and
    // false turn colour off on a terminal too, an empty value forces it; --no-color and NO_COLOR win over it
    [{ FORCE_COLOR: '1', TERM: 'dumb' }, true, false, true],
    [{ FORCE_COLOR: '1', TERM: 'dumb' }, false, false, true],
    [{ FORCE_COLOR: '3' }, false, false, true],
    [{ FORCE_COLOR: 'true' }, false, false, true],
    [{ FORCE_COLOR: '' }, false, false, true],
    [{ FORCE_COLOR: '0' }, true, false, false],
    [{ FORCE_COLOR: 'false' }, true, false, false],
    [{ FORCE_COLOR: 'false' }, false, false, false],
    [{ FORCE_COLOR: '1' }, true, true, false],
    [{}, true, true, false],
  ])('env %j, tty %s, --no-color %s → %s', (env, isTTY, noColorFlag, expected) => {
    expect(colorEnabled({ env, isTTY, noColorFlag })).toBe(expected);
  });
});

describe('renderTable', () => {
  it('pads to the widest cell (ignoring the CLI colours), right-aligns on request, trims line ends', () => {
    const { green } = createStyle(true);
    const rows = [
      { a: 'x', b: '1' },
      { a: green('longer'), b: '100' },
    ];
    expect(
      renderTable(rows, [
        { header: 'A', value: (row) => row.a },
        { header: 'B', value: (row) => row.b, align: 'right' },
      ]),
    ).toBe(`A         B\nx         1\n${green('longer')}  100`);
  });
});

describe('Output', () => {
  it('--json prints the result as JSON on stdout and nothing human', () => {
    const stdout = stream(true);
    const stderr = stream(true);
    const output = new Output({ json: true, stdout, stderr, env: { FORCE_COLOR: '1' } });
    output.result({ a: 1 }, () => 'human');
    expect(stdout.text()).toBe('{\n  "a": 1\n}\n');
    expect(output.style.enabled).toBe(false);
  });

  it('animates a spinner on stderr only when both streams are terminals and not --json', async () => {
    for (const [json, stdoutTTY, stderrTTY, animates] of [
      [false, true, true, true],
      [false, false, true, false],
      [false, true, false, false],
      [true, true, true, false],
    ] as const) {
      const stdout = stream(stdoutTTY);
      const stderr = stream(stderrTTY);
      const output = new Output({ json, stdout, stderr, env: {} });
      const spinner = output.spinner('working');
      spinner.succeed('done');
      await tick();
      expect(stderr.text().includes('⠋ working'), JSON.stringify({ json, stdoutTTY, stderrTTY })).toBe(
        animates,
      );
      expect(stderr.text().endsWith('✔ done\n') || stderr.text().endsWith('\u001b[39m done\n')).toBe(true);
      expect(stdout.text()).toBe('');
    }
  });

  it('TERM=dumb: no spinner (its line clearing is an escape code a dumb terminal prints), progress lines instead', async () => {
    const stdout = stream(true);
    const stderr = stream(true);
    const output = new Output({ json: false, stdout, stderr, env: { TERM: 'dumb' } });
    output.progress('acme: 1 created, 0 updated');
    output.spinner('working').succeed('done');
    await tick();
    expect(stderr.text()).toBe('acme: 1 created, 0 updated\n✔ done\n');
    // FORCE_COLOR colours it but does not make it a terminal that can animate
    const forced = stream(true);
    const colored = new Output({
      json: false,
      stdout: stream(true),
      stderr: forced,
      env: { TERM: 'dumb', FORCE_COLOR: '1' },
    });
    colored.spinner('working').succeed('done');
    await tick();
    expect(forced.text()).not.toContain('\u001b[2K');
    expect(forced.text()).toContain('\u001b[32m');
  });

  it('progress lines go to stderr only where no spinner animates (a log, a pipe, --json), never to stdout', async () => {
    for (const [json, stdoutTTY, stderrTTY, printed] of [
      [false, true, true, false],
      [false, true, false, true],
      [false, false, true, true],
      [true, false, false, true],
      [true, true, true, true],
    ] as const) {
      const stdout = stream(stdoutTTY);
      const stderr = stream(stderrTTY);
      new Output({ json, stdout, stderr, env: {} }).progress('acme: 1 created, 0 updated');
      await tick();
      expect(stderr.text(), JSON.stringify({ json, stdoutTTY, stderrTTY })).toBe(
        printed ? 'acme: 1 created, 0 updated\n' : '',
      );
      expect(stdout.text()).toBe('');
    }
  });

  it('errors: one line, the fix on a second line, on stderr', async () => {
    const stdout = stream(false);
    const stderr = stream(false);
    new Output({ json: false, stdout, stderr, env: {} }).error(
      'no credentials for shop demo',
      'run srhooks login',
    );
    await tick();
    expect(stderr.text()).toBe('error: no credentials for shop demo\nrun srhooks login\n');
    expect(stdout.text()).toBe('');
  });
});
