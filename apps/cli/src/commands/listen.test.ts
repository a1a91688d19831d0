import { createHmac } from 'node:crypto';
import { existsSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { signDeliveryUrl } from '@srhooks/contracts';
import { describe, expect, it } from 'vitest';
import { startCaptureServer } from '../test-support/capture-server.js';
import { type ListenStart, listenFixture } from '../test-support/listen-fixture.js';
import { runCli, seenOutput, startCli, tempConfigDir } from '../test-support/run-cli.js';
import { TEST_CLIENT } from '../test-support/test-sandbox.js';

const fixture = listenFixture();
const { config } = fixture;

/** A human-output `listen` for one demo event in its own config dir: the process and its signed URL. */
async function startHumanListen(event: string) {
  const dir = tempConfigDir();
  const human = startCli(dir.dir, ['listen', '--port', '0', '--shop', 'demo', '--events', event]);
  const urlLine = await human.waitForLine(new RegExp(`/hooks/demo/${event}/`));
  const url = urlLine.trim().split(/\s+/).at(-1) ?? '';
  const base = /listening on (http:\/\/127\.0\.0\.1:\d+)/.exec(human.stdout())?.[1] ?? '';
  return { dir, human, url, base };
}

describe('srhooks listen', () => {
  it('refuses a --public-url with a query string (the receiver publicUrl rule) instead of dropping it', async () => {
    const dir = tempConfigDir();
    try {
      const run = await runCli(dir.dir, [
        'listen',
        '--port',
        '0',
        '--shop',
        'demo',
        '--public-url',
        'https://abc123.tunnel.example/?x=1',
        '--json',
      ]);
      expect(run.code).toBe(2);
      expect(JSON.parse(run.stdout).error).toMatchObject({
        code: 'invalid_public_url',
        message: expect.stringContaining(
          '--public-url "https://abc123.tunnel.example/?x=1" has a query string (?x=1): delivery URLs are <publicUrl>/hooks/<shop>/<event>/<token>',
        ),
      });
    } finally {
      dir.cleanup();
    }
  });

  it('prints its signed URLs for the stored shops and the chosen events, SQLite under the config dir', () => {
    expect(fixture.start.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
    expect(fixture.start.db).toBe(join(config.dir, 'listen.db'));
    expect(existsSync(fixture.start.db)).toBe(true);
    expect(fixture.start.urls.map((entry) => `${entry.shop} ${entry.event}`)).toEqual([
      'acme order_confirm',
      'acme newsletter_subscribe',
    ]);
    for (const entry of fixture.start.urls) {
      expect(entry.url).toMatch(
        new RegExp(`^${fixture.start.url}/hooks/acme/${entry.event}/[A-Za-z0-9_-]{43}$`),
      );
    }
    expect(statSync(join(config.dir, 'listen.json')).mode & 0o777).toBe(0o600);
  });

  it('prints a live line for a sandbox order delivered to its URL', async () => {
    const url = fixture.start.urls.find((entry) => entry.event === 'order_confirm')?.url ?? '';
    const create = await runCli(config.dir, ['webhooks', 'create', '--event', 'order_confirm', '--url', url]);
    expect(create.code).toBe(0);
    const { order } = await fixture.sandbox.simulator.placeOrder('acme', { seed: 5 });
    const line = JSON.parse(await fixture.listen.waitForLine(new RegExp(`"orderNumber":"${order.innerId}"`)));
    expect(line).toMatchObject({
      type: 'delivery',
      time: expect.stringMatching(/^\d\d:\d\d:\d\d$/),
      shop: 'acme',
      event: 'order_confirm',
      status: 'stored',
      events: [
        {
          orderNumber: String(order.innerId),
          total: String(order.totalGross),
          currency: order.currency,
          duplicate: false,
        },
      ],
    });
  });

  it('shows trigger deliveries too; a forged URL is refused and never shown', async () => {
    const hidden = await runCli(config.dir, [
      'trigger',
      'order_status_change',
      '--to',
      (fixture.start.urls[0]?.url ?? '').replace('/order_confirm/', '/order_status_change/'),
    ]);
    // signed for order_confirm, not order_status_change: the receiver refuses it
    expect(hidden.code).toBe(3);
    const url = fixture.start.urls.find((entry) => entry.event === 'newsletter_subscribe')?.url ?? '';
    const run = await runCli(config.dir, ['trigger', 'newsletter_subscribe', '--to', url, '--seed', '9']);
    expect(run.code).toBe(0);
    const line = JSON.parse(
      await fixture.listen.waitForLine(/"type":"delivery".*"event":"newsletter_subscribe"/),
    );
    expect(line.events[0]).toMatchObject({ orderNumber: null, subjectId: expect.any(String), total: null });
    expect(fixture.listen.stdout()).not.toContain('"event":"order_status_change"');
  });

  it('human output: one line with time, shop, event, order number, total and outcome', async () => {
    const { dir: other, human, url } = await startHumanListen('abandoned_cart');
    try {
      expect(human.stdout()).toMatch(/^✔ receiver listening on http:\/\/127\.0\.0\.1:\d+ /);
      const sent = await runCli(other.dir, [
        'trigger',
        'abandoned_cart',
        '--to',
        url,
        '--seed',
        '4',
        '--json',
      ]);
      expect(sent.code).toBe(0);
      const line = await human.waitForLine(/ demo {2}abandoned_cart {2}#/);
      expect(line).toMatch(
        /^\d\d:\d\d:\d\d {2}demo {2}abandoned_cart {2}#\d+ {2}\d+ HUF {2}stored, handlers to run$/,
      );
    } finally {
      expect(await human.interrupt()).toBe(0);
      other.cleanup();
    }
  });

  it('--forward-to forwards each event signed (Standard Webhooks) and shows the answer', async () => {
    const other = tempConfigDir();
    const target = await startCaptureServer(() => ({ status: 202, body: 'ok' }));
    const forward = startCli(other.dir, [
      'listen',
      '--port',
      '0',
      '--shop',
      'demo',
      '--forward-to',
      `${target.url}/in`,
      '--json',
    ]);
    try {
      const started = JSON.parse(await forward.waitForLine(/"type":"listening"/));
      // the inspector is a URL, the token its own field (as demo --json gives them)
      expect(started.inspector).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/ui$/);
      expect(started.adminToken).toMatch(/^\S{20,}$/);
      expect(started.forwardTo).toBe(`${target.url}/in`);
      expect(started.forwardSecret).toMatch(/^whsec_/);
      const url = started.urls.find((entry: { event: string }) => entry.event === 'order_confirm').url;
      const sent = await runCli(other.dir, ['trigger', 'order_confirm', '--to', url, '--seed', '8']);
      expect(sent.code).toBe(0);
      const outcome = JSON.parse(await forward.waitForLine(/"type":"outcome"/));
      expect(outcome).toMatchObject({
        shop: 'demo',
        event: 'order_confirm',
        handler: 'forward',
        status: 'succeeded',
        statusCode: 202,
      });

      const request = target.requests[0];
      if (!request) throw new Error('nothing forwarded');
      const header = (name: string) =>
        request.rawHeaders.find(([key]) => key.toLowerCase() === name)?.[1] ?? '';
      const key = Buffer.from(String(started.forwardSecret).slice('whsec_'.length), 'base64');
      const signed = `${header('webhook-id')}.${header('webhook-timestamp')}.${request.body.toString('utf8')}`;
      const expected = createHmac('sha256', key).update(signed).digest('base64');
      expect(header('webhook-signature').split(' ')).toContain(`v1,${expected}`);
      expect(JSON.parse(request.body.toString('utf8'))).toMatchObject({ type: 'shoprenter.order_confirm' });

      // the admin commands find this local receiver and its token without flags
      const events = await runCli(other.dir, ['events', 'list', '--receiver', started.url, '--json']);
      expect(events.code).toBe(0);
      expect(JSON.parse(events.stdout).items).toEqual([
        expect.objectContaining({ id: outcome.eventId, status: 'succeeded' }),
      ]);
    } finally {
      expect(await forward.interrupt()).toBe(0);
      await target.close();
      other.cleanup();
    }
  });

  it('by default handles every event with its console handler, so events replay shows something', async () => {
    const { dir: other, human, url, base } = await startHumanListen('order_confirm');
    try {
      expect(human.stdout()).toContain('handling every event with the console handler');
      const sent = await runCli(other.dir, ['trigger', 'order_confirm', '--to', url, '--seed', '6']);
      expect(sent.code).toBe(0);
      await human.waitForLine(/ demo {2}order_confirm {2}#\d+ {2}→ console succeeded$/);
      const listed = await runCli(other.dir, ['events', 'list', '--receiver', base, '--json']);
      const [event] = JSON.parse(listed.stdout).items as { id: string }[];
      if (!event) throw new Error(`no event listed: ${listed.stdout}${listed.stderr}`);

      const replay = await runCli(other.dir, ['events', 'replay', event.id, '--receiver', base]);
      expect(replay.code).toBe(0);
      expect(replay.stdout).toBe(`✔ ${event.id}: 1 job queued (console)\n`);
      // the replayed run prints its own outcome line
      await expect
        .poll(() => human.stdout().match(/→ console succeeded/g)?.length ?? 0, { timeout: 10_000 })
        .toBe(2);

      // an unknown id names the CLI command that lists them, not the admin API route
      const unknown = await runCli(other.dir, ['events', 'replay', 'evt_nope', '--receiver', base]);
      expect(unknown.code).toBe(3);
      expect(unknown.stderr).toBe(
        `error: no event with id "evt_nope" on ${base}\nlist them with srhooks events list\n`,
      );

      // events show explains what "unverified" means and how to turn verification on: listen verifies
      // no order and reads no srhooks.config.json, so that is the receiver's, not a setting of listen
      const shown = await runCli(other.dir, ['events', 'show', event.id, '--receiver', base]);
      expect(shown.stdout).toMatch(
        /^verification +unverified: not checked against the shop's API — srhooks listen verifies no order \(it reads no srhooks\.config\.json\); to check each order before handlers run, run the receiver \(@srhooks\/receiver\) with "verify": true/m,
      );
      expect(shown.stdout).not.toContain("(the receiver's default)");
    } finally {
      expect(await human.interrupt()).toBe(0);
      other.cleanup();
    }
  });

  it('--no-console stores only; a replay then says how to give the receiver a handler', async () => {
    const other = tempConfigDir();
    const bare = startCli(other.dir, ['listen', '--port', '0', '--shop', 'demo', '--no-console', '--json']);
    try {
      const started = JSON.parse(await bare.waitForLine(/"type":"listening"/));
      expect(started.handler).toBeNull();
      const url = started.urls.find((entry: { event: string }) => entry.event === 'order_confirm').url;
      expect((await runCli(other.dir, ['trigger', 'order_confirm', '--to', url])).code).toBe(0);
      await bare.waitForLine(/"type":"delivery"/);
      const listed = await runCli(other.dir, ['events', 'list', '--receiver', started.url, '--json']);
      const [event] = JSON.parse(listed.stdout).items as { id: string }[];
      const replay = await runCli(other.dir, [
        'events',
        'replay',
        event?.id ?? '',
        '--receiver',
        started.url,
      ]);
      expect(replay.code).toBe(0);
      expect(replay.stdout).toContain('no handler jobs to run');
      expect(replay.stdout).toContain('--forward-to <url>');
      expect(replay.stdout).toContain('srhooks.config.json');
    } finally {
      expect(await bare.interrupt()).toBe(0);
      other.cleanup();
    }
  });

  it('records its URL in listen.json, so events and dead-letters find it on any port', async () => {
    const file = JSON.parse(readFileSync(join(config.dir, 'listen.json'), 'utf8'));
    expect(file.running).toEqual({
      url: fixture.start.url,
      pid: fixture.listen.child.pid,
      startedAt: expect.any(String),
    });
    const listed = await runCli(config.dir, ['events', 'list', '--json']);
    expect(listed.code).toBe(0);
    expect(JSON.parse(listed.stdout).receiver).toBe(fixture.start.url);
    const dead = await runCli(config.dir, ['dead-letters', 'list', '--json']);
    expect(dead.code).toBe(0);
    expect(JSON.parse(dead.stdout).receiver).toBe(fixture.start.url);
    // the flag and the variable still win
    const flagged = await runCli(config.dir, [
      'events',
      'list',
      '--receiver',
      'http://127.0.0.1:1',
      '--json',
    ]);
    expect(JSON.parse(flagged.stdout).error.message).toBe(
      'cannot reach the receiver at http://127.0.0.1:1 (given with --receiver)',
    );
    const env = await runCli(config.dir, ['events', 'list', '--json'], {
      env: { SRHOOKS_RECEIVER_URL: 'http://127.0.0.1:1' },
    });
    expect(JSON.parse(env.stdout).error.message).toBe(
      'cannot reach the receiver at http://127.0.0.1:1 (from SRHOOKS_RECEIVER_URL)',
    );
  });

  it('forgets its URL when stopped; a listen killed without cleaning up is named as gone', async () => {
    const other = tempConfigDir();
    try {
      const stopped = startCli(other.dir, ['listen', '--port', '0', '--shop', 'demo', '--json']);
      await stopped.waitForLine(/"type":"listening"/);
      expect(JSON.parse(readFileSync(join(other.dir, 'listen.json'), 'utf8')).running).toBeDefined();
      expect(await stopped.interrupt()).toBe(0);
      const after = JSON.parse(readFileSync(join(other.dir, 'listen.json'), 'utf8'));
      expect(after.running).toBeUndefined();
      expect(after.adminToken).toEqual(expect.any(String));

      const killed = startCli(other.dir, ['listen', '--port', '0', '--shop', 'demo', '--json']);
      const { url } = JSON.parse(await killed.waitForLine(/"type":"listening"/));
      killed.child.kill('SIGKILL');
      await killed.interrupt();
      const run = await runCli(other.dir, ['events', 'list']);
      expect(run.code).toBe(3);
      expect(run.stderr).toMatch(
        new RegExp(
          `^error: srhooks listen is no longer running \\(listen.json names ${url}, process ${killed.child.pid} since .+, which has ended\\)\n`,
        ),
      );
      expect(run.stderr).toContain(
        'start srhooks listen again, or pass --receiver URL or set SRHOOKS_RECEIVER_URL',
      );
    } finally {
      other.cleanup();
    }
  });

  it("srhooks url signs with listen's secret, so the documented trigger example reaches it", async () => {
    const printed = fixture.start.urls.find(
      (entry) => entry.shop === 'acme' && entry.event === 'order_confirm',
    )?.url;
    const url = await runCli(config.dir, [
      'url',
      '--shop',
      'acme',
      '--event',
      'order_confirm',
      '--base',
      fixture.start.url,
    ]);
    expect(url.code).toBe(0);
    expect(url.stdout.trim()).toBe(printed);
    const sent = await runCli(config.dir, ['trigger', 'order_confirm', '--to', url.stdout.trim()]);
    expect(sent.code).toBe(0);
    expect(sent.stdout).toMatch(/^HTTP 200/m);
    // a configured secret still wins over listen's
    const own = await runCli(
      config.dir,
      ['url', '--shop', 'acme', '--event', 'order_confirm', '--base', fixture.start.url],
      { env: { SRHOOKS_SECRETS: 'another-secret-0123456789abcdef' } },
    );
    expect(own.stdout.trim()).not.toBe(printed);
  });

  it('with SRHOOKS_SECRETS set it signs with the first and still accepts the others and the secret it kept (URLs registered before keep working)', async () => {
    const dir = tempConfigDir();
    const startListen = async (env?: Record<string, string>) => {
      const running = startCli(dir.dir, ['listen', '--port', '0', '--shop', 'demo', '--json'], { env });
      const started = JSON.parse(await running.waitForLine(/"type":"listening"/)) as ListenStart;
      return { running, started };
    };
    try {
      // a first listen, no SRHOOKS_SECRETS: its URL is signed with the secret it keeps in listen.json
      const first = await startListen();
      const kept = first.started.urls.find((entry) => entry.event === 'order_confirm')?.url ?? '';
      expect(await first.running.interrupt()).toBe(0);
      // the tour's step 3 exports SRHOOKS_SECRETS; listen started again in that shell
      const NEW = 'listen-new-secret-0123456789abcdef';
      const OLDER = 'listen-older-secret-0123456789abcd';
      const second = await startListen({ SRHOOKS_SECRETS: `${NEW},${OLDER}` });
      try {
        const base = second.started.url;
        const signed = (secret: string) =>
          signDeliveryUrl(base, { shop: 'demo', event: 'order_confirm' }, secret);
        expect(second.started.urls.find((entry) => entry.event === 'order_confirm')?.url).toBe(signed(NEW));
        const keptHere = kept.replace(first.started.url, base);
        for (const url of [signed(NEW), signed(OLDER), keptHere]) {
          const sent = await runCli(dir.dir, ['trigger', 'order_confirm', '--to', url]);
          expect(sent.stdout, url).toMatch(/^HTTP 200/m);
        }
        const forged = await runCli(dir.dir, [
          'trigger',
          'order_confirm',
          '--to',
          signed('never-a-secret-0123456789abcdef'),
        ]);
        expect(forged.code).toBe(3);
      } finally {
        await second.running.interrupt();
      }
    } finally {
      dir.cleanup();
    }
  });

  it('a short later entry of SRHOOKS_SECRETS is one line naming it, exit 2', async () => {
    const dir = tempConfigDir();
    try {
      const run = await runCli(dir.dir, ['listen', '--port', '0', '--shop', 'demo'], {
        env: { SRHOOKS_SECRETS: 'listen-good-secret-0123456789abcdef,short' },
      });
      expect(run.code).toBe(2);
      expect(run.stderr).toBe(
        "error: SRHOOKS_SECRETS entry 2 is too short (5 characters; at least 16)\nevery secret in SRHOOKS_SECRETS must be the receiver's, e.g. `openssl rand -hex 32`\n",
      );
    } finally {
      dir.cleanup();
    }
  });

  it("serves the shops' credentials stored by srhooks login, so srhooks recover works against it", async () => {
    const { order } = await fixture.sandbox.simulator.placeOrder('acme', { seed: 12 });
    const run = await runCli(config.dir, ['recover', '--shop', 'acme', '--dry-run', '--json']);
    expect(run.stderr).toBe('');
    expect(run.code).toBe(0);
    const report = JSON.parse(run.stdout);
    expect(report).toMatchObject({ shop: 'acme', dryRun: true });
    expect(report.ordersRead).toBeGreaterThanOrEqual(1);
    expect(JSON.stringify(report.events)).toContain(String(order.innerId));
  });

  it('a shop without a stored login: listen says so, and recover tells a listen user what to do', async () => {
    const { dir, human } = await startHumanListen('order_confirm');
    try {
      expect(human.stdout()).toMatch(
        /no API credentials for demo: run srhooks login --shop demo --client-id /,
      );
      const run = await runCli(dir.dir, ['recover', '--shop', 'demo', '--dry-run']);
      expect(run.code).toBe(2);
      expect(run.stderr).toContain(
        'Shop "demo" has no API credentials in this srhooks listen (http://127.0.0.1:',
      );
      // not the receiver's config keys (clientId, clientSecret), which listen has no file for
      expect(run.stderr).not.toContain('set clientId and clientSecret');
      // every way listen takes a shop's credentials: an OAuth or a Basic-auth login, or the variables
      expect(run.stderr).toContain(
        'srhooks listen serves the API credentials it found when it started: run srhooks login --shop demo --client-id … --client-secret … (OAuth, scope order.order:read) or srhooks login --shop demo --username … --password … (legacy Basic auth), or set SRHOOKS_CLIENT_ID and SRHOOKS_CLIENT_SECRET for a listen serving only demo; then restart srhooks listen\n',
      );
      // app mark-uninstalled: listen runs no platform app, and has no config file to remove a shop from
      const marked = await runCli(dir.dir, ['app', 'mark-uninstalled', 'demo']);
      expect(marked.code).toBe(2);
      expect(marked.stderr).toMatch(
        /^error: srhooks listen \(http:\/\/127\.0\.0\.1:\d+\) runs no platform app, so it has no app shops to mark uninstalled\nit serves the shops it was started with .*restart srhooks listen without it/,
      );
      expect(marked.stderr).not.toContain('config file');
      const other = await runCli(dir.dir, ['recover', '--shop', 'other-shop', '--dry-run']);
      // a shop the receiver does not serve: its 404, not found, exit 3 as every not-found
      expect(other.code).toBe(3);
      // not the receiver's own advice (a srhooks.config.json listen does not read)
      // naming the shops it serves, so a mistyped --shop shows the name meant
      expect(other.stderr).toMatch(
        /^error: Shop "other-shop" is not served by this srhooks listen \(http:\/\/127\.0\.0\.1:\d+\): it serves the shops it found when it started: demo\.\n/,
      );
      expect(other.stderr).not.toContain('srhooks.config.json');
      expect(other.stderr).toContain(
        "restart srhooks listen with --shop other-shop, with the shop's API credentials: srhooks login --shop other-shop --client-id … --client-secret … (OAuth, scope order.order:read) or srhooks login --shop other-shop --username … --password … (legacy Basic auth), or set SRHOOKS_CLIENT_ID and SRHOOKS_CLIENT_SECRET for a listen serving only other-shop\n",
      );
    } finally {
      await human.interrupt();
      dir.cleanup();
    }
  });

  it('never printed the client secret', () => {
    for (const text of seenOutput) expect(text).not.toContain(TEST_CLIENT.clientSecret);
  });
});
