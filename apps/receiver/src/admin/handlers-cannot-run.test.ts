/**
 * A handler this receiver cannot run (a module file that does not import) is shown as such — not as
 * "enabled" — by `GET /admin/api/handlers` (and so `srhooks handlers`) and the inspector's Handlers
 * page, with the reason logged at start and since when; once a run loads the fixed file it is shown
 * enabled again. Real receiver with its worker over HTTP, tmp SQLite.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { waitFor } from '../processing/test-support/wait-for.js';
import type { TestReceiver } from '../test-support/test-receiver.js';
import {
  type BrowserSession,
  bearer,
  loginAsBrowser,
  order,
  orderDelivery,
  postDelivery,
  SHOP,
  startAdminReceiver,
} from './test-support/admin-test-receiver.js';

interface HandlerItem {
  name: string;
  disabled: boolean;
  problem: { code: string; reason: string; since: string } | null;
}

describe('a handler this receiver cannot run', () => {
  const dir = mkdtempSync(join(tmpdir(), 'srhooks-cannot-run-'));
  const file = join(dir, 'erp.mjs');
  let receiver: TestReceiver;
  let browser: BrowserSession;

  beforeAll(async () => {
    receiver = await startAdminReceiver(
      {
        shops: [{ name: SHOP, handlers: ['erp', 'log'] }],
        handlers: { erp: { type: 'module', path: file }, log: { type: 'log' } },
      },
      { worker: true },
    );
    browser = await loginAsBrowser(receiver);
  });
  afterAll(async () => {
    await receiver?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  async function handlers(): Promise<HandlerItem[]> {
    const response = await fetch(`${receiver.baseUrl}/admin/api/handlers`, { headers: bearer() });
    expect(response.status).toBe(200);
    return ((await response.json()) as { items: HandlerItem[] }).items;
  }

  async function handlersRow(name: string): Promise<string> {
    const response = await fetch(`${receiver.baseUrl}/ui/handlers`, { headers: { cookie: browser.cookie } });
    expect(response.status).toBe(200);
    const page = await response.text();
    return new RegExp(`<tr data-handler="${name}">[\\s\\S]*?</tr>`).exec(page)?.[0] ?? '';
  }

  it('is shown with the reason and since when, not as enabled', async () => {
    const items = await waitFor(async () => {
      const list = await handlers();
      return list.find((item) => item.name === 'erp')?.problem ? list : null;
    }, "the start-up check's finding in the handlers list");
    const erp = items.find((item) => item.name === 'erp');
    expect(erp).toMatchObject({ disabled: false, problem: { code: 'module_handler_invalid' } });
    expect(erp?.problem?.reason).toContain(`Handler module ${file} does not exist`);
    expect(Date.parse(erp?.problem?.since ?? '')).toBeGreaterThan(Date.now() - 60_000);
    expect(items.find((item) => item.name === 'log')?.problem).toBeNull();

    const row = await handlersRow('erp');
    expect(row).toContain('cannot run');
    expect(row).toContain('does not exist');
    expect(row).not.toContain('>enabled<');
    expect(await handlersRow('log')).toContain('>enabled<');
  });

  it('is shown enabled again once a run loads the fixed file', async () => {
    writeFileSync(file, 'export default { order_confirm: async () => {} };');
    const posted = await postDelivery(receiver, orderDelivery([order(1, { innerId: '7101' })]));
    expect(posted.status).toBe(200);
    await waitFor(async () => {
      const erp = (await handlers()).find((item) => item.name === 'erp');
      return erp?.problem === null;
    }, 'the handler to load at its run');
    expect(await handlersRow('erp')).toContain('>enabled<');
  });
});
