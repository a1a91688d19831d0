/**
 * `srhooks listen` masks personal data in its lines until `--reveal`, human and `--json` alike: a real
 * listen process (its receiver on SQLite) gets an undecodable delivery whose decode error quotes a
 * customer, and an order whose forward target answers 422 with a body quoting a customer.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type CaptureServer, startCaptureServer } from '../test-support/capture-server.js';
import { runCli, startCli, tempConfigDir } from '../test-support/run-cli.js';

/** Valid JSON whose total is a customer's name, address and phone: the decode error quotes it. */
const UNDECODABLE =
  '{"orders":{"order":[{"innerId":"9001","totalGross":"Bárány Zsófia, Rózsa utca 12, +36705551234"}]}}';
/** What an ERP answers when it refuses the order: a customer's e-mail address and name. */
const ERP_ANSWER = 'customer already exists: kovacs.eva@example.com Kovács Éva, Budapest Fő utca 5.';
/** Parts of the two texts above: none may be printed without --reveal. */
const PERSONAL = [
  'Bárány',
  'Zsófia',
  'Rózsa',
  '36705551234',
  'kovacs.eva',
  'Kovács',
  'customer already exists',
];

let target: CaptureServer;

beforeAll(async () => {
  target = await startCaptureServer(() => ({ status: 422, body: ERP_ANSWER }));
});
afterAll(async () => {
  await target.close();
});

/**
 * Runs a listen forwarding to the refusing target, sends it the undecodable delivery and a sample
 * order (`srhooks trigger`), waits for both lines, and returns everything it printed with the
 * order's customer name as the receiver stored it.
 */
async function listenOutput(flags: string[]): Promise<{ stdout: string; customer: string }> {
  const config = tempConfigDir();
  const json = flags.includes('--json');
  const listen = startCli(config.dir, [
    'listen',
    '--port',
    '0',
    '--shop',
    'demo',
    '--events',
    'order_confirm',
    '--forward-to',
    `${target.url}/erp`,
    ...flags,
  ]);
  try {
    const urlLine = await listen.waitForLine(/\/hooks\/demo\/order_confirm\//);
    const url = json
      ? (JSON.parse(urlLine).urls[0].url as string)
      : (urlLine.trim().split(/\s+/).at(-1) ?? '');
    const base = new URL(url).origin;

    const broken = await fetch(url, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: UNDECODABLE,
    });
    expect(broken.status).toBe(400);
    await listen.waitForLine(/quarantined/);

    const sent = await runCli(config.dir, ['trigger', 'order_confirm', '--to', url, '--seed', '3']);
    expect(sent.code).toBe(0);
    // a 422 is not retried: the job is dead-lettered at once
    await listen.waitForLine(/dead/);

    const events = await runCli(config.dir, ['events', 'list', '--receiver', base, '--reveal', '--json']);
    const [event] = JSON.parse(events.stdout).items as { customerName: string | null }[];
    if (!event?.customerName) throw new Error(`no customer stored: ${events.stdout}${events.stderr}`);
    return { stdout: listen.stdout(), customer: event.customerName };
  } finally {
    expect(await listen.interrupt()).toBe(0);
    config.cleanup();
  }
}

function lineOf(stdout: string, type: string): Record<string, unknown> {
  const line = stdout
    .split('\n')
    .filter((text) => text.startsWith('{'))
    .map((text) => JSON.parse(text) as Record<string, unknown>)
    .find((document) => document.type === type);
  if (!line) throw new Error(`no ${type} line in ${stdout}`);
  return line;
}

describe('srhooks listen: personal data', () => {
  it('--json masks the decode error quoting a customer and the target answer until --reveal', async () => {
    const { stdout, customer } = await listenOutput(['--json']);
    for (const text of [...PERSONAL, customer]) expect(stdout).not.toContain(text);
    expect(lineOf(stdout, 'listening')).toMatchObject({ revealed: false });
    expect(lineOf(stdout, 'delivery')).toMatchObject({
      status: 'quarantined',
      error: expect.stringContaining('(got [hidden])'),
    });
    expect(lineOf(stdout, 'outcome')).toMatchObject({
      handler: 'forward',
      status: 'dead',
      statusCode: 422,
      // the receiver's own words (host and status) shown, the target's answer hidden
      errorSummary: `${new URL(target.url).host} answered 422; not retried (client error)`,
      error: expect.stringMatching(
        /^127\.0\.0\.1:\d+ answered 422; not retried \(client error\); the full error hidden \(\d+ characters; pass --reveal to read it\)$/,
      ),
    });

    const revealed = await listenOutput(['--json', '--reveal']);
    expect(lineOf(revealed.stdout, 'listening')).toMatchObject({ revealed: true });
    expect(lineOf(revealed.stdout, 'delivery').error).toContain(
      '(got "Bárány Zsófia, Rózsa utca 12, +36705551234")',
    );
    expect(lineOf(revealed.stdout, 'outcome').error).toContain(ERP_ANSWER);
  });

  it('human lines mask them too, and say what --reveal shows; --reveal prints them', async () => {
    const { stdout, customer } = await listenOutput([]);
    for (const text of [...PERSONAL, customer]) expect(stdout).not.toContain(text);
    expect(stdout).toContain(
      "personal data masked; --reveal shows decode errors' quoted values and handler error texts",
    );
    expect(stdout).toMatch(/ demo {2}order_confirm {2}quarantined {2}\S+: .*\(got \[hidden\]\)\.$/m);
    expect(stdout).toMatch(
      / demo {2}order_confirm {2}#\d+ {2}→ forward dead {2}HTTP 422 127\.0\.0\.1:\d+ answered 422; not retried \(client error\); the full error hidden \(\d+ characters; pass --reveal to read it\)$/m,
    );

    const revealed = await listenOutput(['--reveal']);
    expect(revealed.stdout).toContain('personal data shown unmasked (--reveal)');
    expect(revealed.stdout).toMatch(
      /quarantined {2}.*\(got "Bárány Zsófia, Rózsa utca 12, \+36705551234"\)\.$/m,
    );
    expect(revealed.stdout).toMatch(/→ forward dead {2}HTTP 422 .*customer already exists: kovacs\.eva@/m);
  });
});
