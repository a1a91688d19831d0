/**
 * A handler's error text is free text from outside the receiver: a forward target's answer body (ERP
 * targets echo the customer they refused) or a module handler's thrown message. It is stored whole,
 * shown whole only after "Show personal data", masked whole before, and never logged: the log line
 * keeps the handler, the HTTP status and a fixed error code.
 *
 * Real receiver (HTTP, tmp SQLite, the job worker running), a real HTTP target, a real module file.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  type BrowserSession,
  bearer,
  loginAsBrowser,
  order,
  orderDelivery,
  pageText,
  postDelivery,
  startAdminReceiver,
} from '../admin/test-support/admin-test-receiver.js';
import type { HandlerConfig } from '../config/config-schema.js';
import { waitFor } from '../processing/test-support/wait-for.js';
import { type RunningTarget, startTarget } from '../processing/test-support/webhook-target.js';
import type { TestReceiver } from '../test-support/test-receiver.js';

/** What an ERP answers when it refuses an order: the customer's e-mail and name. */
const ERP_ANSWER = 'customer already exists: kovacs.eva@gmail.com Kovács Éva, Budapest Fő utca 5.';
/** What a module handler throws: a name and an address in the message. */
const MODULE_MESSAGE = 'no ERP partner for Bárány Zsófia (1111 Budapest, Petőfi utca 7.)';
/** Parts of the texts above that no scrubber pattern catches (names, street, the target's own words). */
const PERSONAL = ['Kovács', 'Éva', 'Fő utca', 'customer already exists', 'Bárány', 'Zsófia', 'Petőfi'];

describe('handler error text', () => {
  let receiver: TestReceiver;
  let target: RunningTarget;
  let browser: BrowserSession;
  let dir: string;
  let deliveryId: string;

  beforeAll(async () => {
    target = await startTarget(() => ({ status: 409, body: ERP_ANSWER }));
    dir = mkdtempSync(join(tmpdir(), 'srhooks-error-privacy-'));
    const modulePath = join(dir, 'handlers.mjs');
    writeFileSync(
      modulePath,
      `export default { order_confirm: async () => { throw new Error(${JSON.stringify(MODULE_MESSAGE)}); } };\n`,
    );
    receiver = await startAdminReceiver(
      {
        shops: [{ name: 'demo', handlers: ['erp', 'mod'] }],
        handlers: {
          erp: {
            type: 'forward',
            url: `${target.url}/orders`,
            secret: `whsec_${Buffer.alloc(32, 7).toString('base64')}`,
            allowPrivateTargets: true,
          } as HandlerConfig,
          // One retry 10 ms later, then dead: both the "retry scheduled" and the "dead-lettered" lines.
          mod: { type: 'module', path: modulePath, retry: { delays: [10], jitter: 0 } } as HandlerConfig,
        },
      },
      { worker: true },
    );
    browser = await loginAsBrowser(receiver);
    const posted = await postDelivery(receiver, orderDelivery([order(1, { innerId: '5001' })]));
    deliveryId = posted.body.deliveryId;
    await waitFor(async () => {
      const delivery = await receiver.app.store.getDelivery(deliveryId);
      const event = delivery?.events[0] ? await receiver.app.store.getEvent(delivery.events[0].id) : null;
      return event && event.jobs.length === 2 && event.jobs.every((job) => job.status === 'dead');
    }, 'both jobs dead-lettered');
  });

  afterAll(async () => {
    await receiver?.close();
    await target?.close();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  const page = (path: string): Promise<string> => pageText(receiver.baseUrl, browser.cookie, path);

  it('is stored whole (the revealed view and the API show it)', async () => {
    const event = await receiver.app.store.getEvent(
      (await receiver.app.store.getDelivery(deliveryId))?.events[0]?.id ?? '',
    );
    const erp = event?.jobs.find((job) => job.handler === 'erp');
    const mod = event?.jobs.find((job) => job.handler === 'mod');
    expect(erp?.lastError).toContain(ERP_ANSWER);
    expect(mod?.lastError).toContain(MODULE_MESSAGE);
    expect(mod?.attemptLog).toHaveLength(2);
  });

  it('is masked whole on the delivery page and the dead-letters page until revealed', async () => {
    for (const path of [`/ui/deliveries/${deliveryId}`, '/ui/dead-letters']) {
      const masked = await page(path);
      for (const part of PERSONAL) expect(masked, `${path} shows "${part}"`).not.toContain(part);
      expect(masked).not.toContain('kovacs.eva');
      expect(masked).toContain('error hidden (');
      // the forward target's failure in the receiver's own words (host and status), its answer hidden
      expect(masked).toContain(
        `${new URL(target.url).host} answered 409; not retried (client error); the full error hidden (`,
      );
      const revealed = await page(`${path}?reveal=1`);
      expect(revealed).toContain('customer already exists: kovacs.eva@gmail.com Kovács Éva');
      expect(revealed).toContain('no ERP partner for Bárány Zsófia');
    }
  });

  it('is masked in the event fragment the live page swaps in', async () => {
    const eventId = (await receiver.app.store.getDelivery(deliveryId))?.events[0]?.id ?? '';
    const fragment = await page(`/ui/fragments/event/${eventId}`);
    for (const part of PERSONAL) expect(fragment).not.toContain(part);
  });

  it('is returned whole by the admin API (the unmasked view, like comments and decode errors)', async () => {
    const response = await fetch(`${receiver.baseUrl}/admin/api/dead-letters`, { headers: bearer() });
    const text = await response.text();
    expect(text).toContain(ERP_ANSWER);
    expect(text).toContain(MODULE_MESSAGE);
  });

  it('never reaches the log: the lines keep the handler, the HTTP status and a fixed error code', () => {
    const text = receiver.logLines.join('\n');
    for (const part of PERSONAL) expect(text, `log contains "${part}"`).not.toContain(part);
    const lines = receiver.logLines.map((line) => JSON.parse(line) as Record<string, unknown>);
    const erpDead = lines.find((line) => line.msg === 'job dead-lettered' && line.handler === 'erp');
    expect(erpDead).toMatchObject({ statusCode: 409, errorCode: 'target_client_error' });
    expect(erpDead).not.toHaveProperty('error');
    const modRetry = lines.find(
      (line) => line.msg === 'job failed; retry scheduled' && line.handler === 'mod',
    );
    expect(modRetry).toMatchObject({ errorCode: 'handler_threw' });
    expect(modRetry).not.toHaveProperty('error');
    const modDead = lines.find(
      (line) =>
        typeof line.msg === 'string' && line.msg.startsWith('job dead-lettered') && line.handler === 'mod',
    );
    expect(modDead).toMatchObject({ errorCode: 'handler_threw' });
  });
});
