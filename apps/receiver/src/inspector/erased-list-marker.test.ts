/**
 * The deliveries list shows erased rows as such: an `erased` badge (text, with its meaning for screen
 * readers) after the status of an erased event or of an erased quarantined delivery, none on kept rows;
 * its Erased filter lists them (`?erased=true|false`), and a value it cannot use is refused as the
 * list's other bad filters are (400, the field marked). Real receiver (HTTP, tmp SQLite).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  type BrowserSession,
  loginAsBrowser,
  order,
  orderDelivery,
  postDelivery,
  quarantineOrderDelivery,
  startAdminReceiver,
} from '../admin/test-support/admin-test-receiver.js';
import type { TestReceiver } from '../test-support/test-receiver.js';

const EMAIL = 'erased.row@example.hu';
const BADGE =
  '<span class="badge erased" data-erased>erased<span class="visually-hidden"> (personal data erased on request)</span></span>';

describe('deliveries list: erased rows', () => {
  let receiver: TestReceiver;
  let browser: BrowserSession;
  const ids = { erased: '', quarantined: '', kept: '' };

  beforeAll(async () => {
    receiver = await startAdminReceiver();
    browser = await loginAsBrowser(receiver);
    ids.erased = (
      await postDelivery(receiver, orderDelivery([order(1, { innerId: '6201', email: EMAIL })]))
    ).body.deliveryId;
    ids.quarantined = await quarantineOrderDelivery(receiver, order(2, { innerId: '6202', email: EMAIL }));
    ids.kept = (await postDelivery(receiver, orderDelivery([order(3, { innerId: '6203' })]))).body.deliveryId;
    const result = await receiver.app.store.erasePersonalData({
      email: EMAIL,
      reason: 'GDPR-2026-062',
      dryRun: false,
      includeUnfinished: true,
    });
    expect(result.deliveries.map((delivery) => delivery.id).sort()).toEqual(
      [ids.erased, ids.quarantined].sort(),
    );
  });

  afterAll(async () => {
    await receiver?.close();
  });

  async function list(query: string): Promise<{ status: number; text: string }> {
    const response = await fetch(`${receiver.baseUrl}/ui${query}`, { headers: { cookie: browser.cookie } });
    return { status: response.status, text: await response.text() };
  }

  function listed(text: string): string[] {
    return [...text.matchAll(/<tr data-delivery-id="(dlv_[0-9a-z]+)"/g)].map((match) => match[1] ?? '');
  }

  /** The Handlers (status) cell of a delivery's row. */
  function statusCell(text: string, deliveryId: string): string {
    const row = text.slice(text.indexOf(`<tr data-delivery-id="${deliveryId}"`));
    return /<td data-label="Handlers">([\s\S]*?)<\/td>/.exec(row.slice(0, row.indexOf('</tr>')))?.[1] ?? '';
  }

  it('marks an erased event and an erased quarantined delivery with an erased badge in words; kept rows have none', async () => {
    const { status, text } = await list('');
    expect(status).toBe(200);
    // its job was cancelled by the erasure (dead, the handler named), then the badge
    expect(statusCell(text, ids.erased)).toBe(
      `<div><span class="badge dead">dead</span> <span class="badge-detail">log</span> ${BADGE}</div>`,
    );
    expect(statusCell(text, ids.quarantined)).toContain(
      `<span class="badge quarantined">quarantined</span> <span class="badge-detail">decoder_bug</span> ${BADGE}`,
    );
    expect(statusCell(text, ids.kept)).not.toContain('erased');
    // the same row as the live list fetches it
    const fragment = await fetch(`${receiver.baseUrl}/ui/fragments/delivery-row/${ids.erased}`, {
      headers: { cookie: browser.cookie },
    });
    expect(await fragment.text()).toContain(BADGE);
    // a badge of its own look, not only a colour: its border differs from the status badges'
    const css = await (await fetch(`${receiver.baseUrl}/ui/assets/inspector.css`)).text();
    expect(css).toMatch(/\.badge\.erased \{[^}]*border-style: dotted/);
  });

  it('filters by erased with the form select and the query', async () => {
    const erased = await list('?erased=true');
    expect(erased.status).toBe(200);
    expect(listed(erased.text)).toEqual([ids.quarantined, ids.erased]);
    const select = /<select name="erased">[\s\S]*?<\/select>/.exec(erased.text)?.[0] ?? '';
    expect(select).toContain('<option value="">any</option>');
    expect(select).toContain('<option value="true" selected>personal data erased</option>');
    expect(select).toContain('<option value="false">not erased</option>');
    expect(listed((await list('?erased=false')).text)).toEqual([ids.kept]);
    // the filter is kept when paging or revealing
    expect(erased.text).toMatch(
      /href="\/ui\?erased=true&amp;reveal=1"|href="\/ui\?reveal=1&amp;erased=true"/,
    );
    // "any", as the form sends it: the whole list
    expect(listed((await list('?erased=')).text)).toEqual([ids.kept, ids.quarantined, ids.erased]);
  });

  it('refuses an erased value it cannot use as it does other bad filters', async () => {
    const { status, text } = await list('?erased=maybe');
    expect(status).toBe(400);
    expect(text).toContain('The filters were not applied: fix the fields marked below.');
    expect(text).toContain(
      '<select name="erased" aria-invalid="true" aria-describedby="filter-problem-erased">',
    );
    expect(text).toContain(
      '<span class="field-error" id="filter-problem-erased">must be true or false</span>',
    );
    expect(listed(text)).toEqual([]);
  });
});
