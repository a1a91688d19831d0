/**
 * `srhooks handlers list|enable|disable` against a real receiver with two forward handlers: the target of
 * `erp` answers 410 Gone with a body quoting the customer, which disables `erp`; `handlers list` shows
 * the reason the receiver stored (status and host, never that body); `handlers enable` lets its
 * waiting job run once the target answers again.
 */
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { type CaptureServer, startCaptureServer } from '../../test-support/capture-server.js';
import { adminCli, type CliRun, runCli, seenOutput, tempConfigDir } from '../../test-support/run-cli.js';
import { forwardTo, type Receiver, startTestReceiver } from '../../test-support/test-receiver.js';

const config = tempConfigDir();
const SECRET = 'handlers-url-secret-0123456789abcdef';
const ADMIN_TOKEN = 'handlers-admin-token-0123456789abcdef';
const GONE_BODY = 'customer Kovács Éva <kovacs.eva@example.com> is gone from this ERP';
let receiver: Receiver;
let target: CaptureServer;
let erpGone = true;
let base = '';
let eventId = '';
/** Output of every run: none may quote the target's answer. */
const runs: CliRun[] = [];

const { admin, adminJson } = adminCli(
  config.dir,
  () => base,
  ADMIN_TOKEN,
  (_args, run) => runs.push(run),
);

beforeAll(async () => {
  target = await startCaptureServer((request) =>
    request.url === '/erp' && erpGone ? { status: 410, body: GONE_BODY } : { status: 200, body: 'ok' },
  );
  const started = await startTestReceiver(config.dir, {
    secrets: [SECRET],
    adminToken: ADMIN_TOKEN,
    shops: [{ name: 'acme', handlers: ['erp', 'crm'] }],
    handlers: { erp: forwardTo(`${target.url}/erp`), crm: forwardTo(`${target.url}/crm`) },
  });
  ({ receiver, url: base } = started);
  const url = started.deliveryUrl({ shop: 'acme', event: 'order_confirm' });
  const sent = await runCli(config.dir, ['trigger', 'order_confirm', '--to', url, '--seed', 'gone']);
  if (sent.code !== 0) throw new Error(sent.stderr);
  await vi.waitFor(
    async () => {
      const states = await receiver.store.listHandlerStates();
      if (!states.some((state) => state.handler === 'erp' && state.disabled))
        throw new Error('erp not disabled yet');
    },
    { timeout: 10_000, interval: 50 },
  );
  const [event] = (await receiver.store.listEvents({ shop: 'acme' })).items;
  eventId = event?.id ?? '';
});
afterAll(async () => {
  await receiver.close();
  await target.close();
  config.cleanup();
});

describe('srhooks handlers', () => {
  it('list shows erp disabled by the 410 with the stored reason (status and host, not the answer); crm enabled', async () => {
    const host = new URL(target.url).host;
    const reason = `HTTP 410 Gone from ${host}; the target is gone: not retried, handler "erp" is disabled and its jobs wait (without using up their retries): fix the URL, then enable the handler again`;
    const result = await adminJson('handlers', 'list');
    expect(result).toEqual({
      receiver: base,
      items: [
        {
          name: 'erp',
          type: 'forward',
          disabled: true,
          disabledBy: 'target',
          reason,
          changedAt: expect.any(String),
          problem: null,
        },
        {
          name: 'crm',
          type: 'forward',
          disabled: false,
          disabledBy: null,
          reason: null,
          changedAt: null,
          problem: null,
        },
      ],
    });
    const table = await admin('handlers', 'list');
    expect(table.code).toBe(0);
    expect(table.stdout).toMatch(/^NAME\s+TYPE\s+STATE\s+REASON\n/);
    expect(table.stdout).toMatch(
      /^erp\s+forward\s+disabled by its target \(410\) since \d{4}-\d\d-\d\d \S+Z\s+HTTP 410 Gone from /m,
    );
    expect(table.stdout).toContain(reason);
    expect(table.stdout).toMatch(/^crm\s+forward\s+enabled$/m);
    expect(table.stdout).toContain('fix its target, then srhooks handlers enable erp runs them');
    expect(table.stdout).not.toContain('personal data masked');
  });

  it('list has no --reveal: there is nothing to reveal', async () => {
    const run = await admin('handlers', 'list', '--reveal');
    expect(run.code).toBe(2);
    expect(run.stderr).toContain("unknown option '--reveal'");
  });

  it("events replay of a disabled handler's job says it waits until the handler is enabled", async () => {
    const run = await admin('events', 'replay', eventId, '--handler', 'erp');
    expect(run.code).toBe(0);
    expect(run.stdout).toBe(
      `✔ ${eventId}: 1 job queued (erp)\n` +
        '! erp is disabled: its job waits until you fix its target and run srhooks handlers enable erp (srhooks handlers list says why)\n',
    );
    const one = await adminJson('events', 'replay', eventId, '--handler', 'erp');
    // the shape of the receiver's dead-letter replay answer (and dead-letters retry's)
    expect(one).toMatchObject({ eventId, disabledHandlers: [{ handler: 'erp', disabledBy: 'target' }] });
    expect(one).not.toHaveProperty('pausedHandlers');
    const both = await adminJson('events', 'replay', eventId);
    expect(both.disabledHandlers).toEqual([{ handler: 'erp', disabledBy: 'target' }]);
    // crm is enabled: nothing said about it
    expect((await admin('events', 'replay', eventId, '--handler', 'crm')).stdout).toBe(
      `✔ ${eventId}: 1 job queued (crm)\n`,
    );
  });

  it('enable runs the waiting job once the target answers again', async () => {
    expect((await receiver.store.getEvent(eventId))?.status).not.toBe('succeeded');
    erpGone = false;
    const run = await admin('handlers', 'enable', 'erp');
    expect(run.code).toBe(0);
    expect(run.stdout).toBe('✔ erp enabled: its waiting jobs run again\n');
    await expect
      .poll(async () => (await receiver.store.getEvent(eventId))?.status, { timeout: 10_000 })
      .toBe('succeeded');
    expect((await adminJson('handlers', 'list')).items[0]).toMatchObject({
      name: 'erp',
      disabled: false,
      reason: null,
    });
  });

  it('enable of an enabled handler changes nothing and says so; --json', async () => {
    const human = await admin('handlers', 'enable', 'crm');
    expect(human.stdout).toBe('✔ crm was not disabled: nothing to enable\n');
    expect(await adminJson('handlers', 'enable', 'crm')).toEqual({
      receiver: base,
      handler: 'crm',
      wasDisabled: false,
    });
  });

  it('enable of a handler the receiver does not have: exit 2, naming those it has, and the one a typo meant', async () => {
    for (const { name, meant } of [
      { name: 'crn', meant: 'did you mean crm? ' },
      { name: 'no/such', meant: '' },
      // three edits from erp: a short unrelated word is not taken for a short name
      { name: 'nope', meant: '' },
    ]) {
      const run = await admin('handlers', 'enable', name);
      expect(run.code).toBe(2);
      expect(run.stderr).toBe(
        `error: unknown handler "${name}": not configured on ${base}\n${meant}its handlers: erp, crm\n`,
      );
    }
    const json = await admin('handlers', 'enable', 'crn', '--json');
    expect(JSON.parse(json.stdout).error).toMatchObject({
      code: 'unknown_handler',
      hint: 'did you mean crm? its handlers: erp, crm',
      exitCode: 2,
    });
  });

  it('disable pauses crm as an operator: list says so, its new job waits unattempted, enable runs it', async () => {
    const crmRequests = () => target.requests.filter((request) => request.url === '/crm').length;
    const before = crmRequests();
    const run = await admin('handlers', 'disable', 'crm');
    expect(run.code).toBe(0);
    expect(run.stdout).toBe(
      '✔ crm disabled: its jobs wait (new events still queue jobs for it); srhooks handlers enable crm runs them\n',
    );
    const listed = await adminJson('handlers', 'list');
    expect(listed.items[1]).toEqual({
      name: 'crm',
      type: 'forward',
      disabled: true,
      disabledBy: 'operator',
      reason: expect.stringContaining('disabled by an operator'),
      changedAt: expect.any(String),
      problem: null,
    });
    const table = await admin('handlers', 'list');
    expect(table.stdout).toMatch(
      /^crm\s+forward\s+disabled by an operator since \S+ \S+Z\s+disabled by an operator/m,
    );
    expect(table.stdout).toContain('srhooks handlers enable crm runs them');

    // Already disabled: a no-op that says so, with --json too.
    expect((await admin('handlers', 'disable', 'crm')).stdout).toMatch(
      /^✔ crm was already disabled by an operator since \S+ \S+Z: nothing changed\n$/,
    );
    expect(await adminJson('handlers', 'disable', 'crm')).toEqual({
      receiver: base,
      handler: 'crm',
      alreadyDisabled: true,
      disabledBy: 'operator',
      reason: expect.stringContaining('disabled by an operator'),
      changedAt: listed.items[1]?.changedAt,
    });

    // A new event gets a crm job; it is not attempted while crm is disabled.
    const replay = await admin('events', 'replay', eventId, '--handler', 'crm');
    expect(replay.stdout).toBe(
      `✔ ${eventId}: 1 job queued (crm)\n! crm is disabled by an operator: its job waits until srhooks handlers enable crm\n`,
    );
    const replayed = await adminJson('events', 'replay', eventId, '--handler', 'crm');
    expect(replayed.disabledHandlers).toEqual([{ handler: 'crm', disabledBy: 'operator' }]);
    expect(replayed).not.toHaveProperty('pausedHandlers');
    // events show says why the job waits (it showed it pending, "not run yet", and nothing else)
    const shown = await admin('events', 'show', eventId);
    expect(shown.stdout).toContain(
      '\n! crm is disabled by an operator: its job waits until srhooks handlers enable crm\n',
    );
    const detail = await adminJson('events', 'show', eventId);
    expect(detail.disabledHandlers).toEqual([{ handler: 'crm', disabledBy: 'operator' }]);
    expect(detail).not.toHaveProperty('pausedHandlers');
    await new Promise((resolve) => setTimeout(resolve, 1500));
    expect(crmRequests()).toBe(before);
    expect(await adminJson('handlers', 'enable', 'crm')).toMatchObject({ wasDisabled: true });
    await expect.poll(crmRequests).toBeGreaterThan(before);
  });

  it('disable of a handler the receiver does not have: exit 2, naming those it has, and the one a typo meant', async () => {
    const run = await admin('handlers', 'disable', 'erq');
    expect(run.code).toBe(2);
    expect(run.stderr).toBe(
      `error: unknown handler "erq": not configured on ${base}\ndid you mean erp? its handlers: erp, crm\n`,
    );
    const far = await admin('handlers', 'disable', 'warehouse-sync');
    expect(far.stderr).toBe(
      `error: unknown handler "warehouse-sync": not configured on ${base}\nits handlers: erp, crm\n`,
    );
    const json = await admin('handlers', 'disable', 'erq', '--json');
    expect(JSON.parse(json.stdout).error).toMatchObject({ code: 'unknown_handler', exitCode: 2 });
  });

  it('never printed the target’s answer, nor the admin token', () => {
    expect(runs.length).toBeGreaterThan(5);
    for (const run of runs) {
      for (const text of ['Kovács', 'kovacs.eva', 'is gone from this ERP']) {
        expect(run.stdout + run.stderr).not.toContain(text);
      }
    }
    for (const text of seenOutput) expect(text).not.toContain(ADMIN_TOKEN);
  });
});
