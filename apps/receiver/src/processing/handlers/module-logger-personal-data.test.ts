/**
 * A module handler's `ctx.logger` is the receiver's logger, whose line scrubber masks e-mail addresses,
 * phone numbers and secrets but not names or street addresses. A handler that logs the order it got
 * (`ctx.logger.info({ order: event.order }, …)`, the first thing a developer tries) must not write the
 * customer's name and address to the log: objects given to ctx.logger (and its children) are masked
 * as the `log` handler masks its payloads (names → initials, address lines → `[address]`, …).
 */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { createShopRenterClient } from '@srhooks/client';
import { sampleOrder } from '@srhooks/contracts';
import { afterAll, describe, expect, it } from 'vitest';
import { createLogger } from '../../logging/create-logger.js';
import { ShopClients } from '../shop-clients.js';
import { claimedOrderJob, tempDir } from '../test-support/processing-fixtures.js';
import { createModuleHandler } from './module.js';

const tmp = tempDir('module-logger');
afterAll(() => tmp.cleanup());

describe('module handler ctx.logger: no customer names or addresses in the log', () => {
  it('masks the objects a handler logs, through children too, and keeps ids, amounts and errors', async () => {
    const path = join(tmp.dir, 'logs-order.mjs');
    writeFileSync(
      path,
      `export default { order_confirm: async (event, ctx) => {
        ctx.logger.info({ order: event.order }, 'whole order');
        ctx.logger.child({ step: 'crm' }).warn({ customer: { firstname: event.order.firstname, lastname: event.order.lastname }, err: new Error('crm down') }, 'crm');
        ctx.logger.info({ step: 'gift', extra: { giftNote: 'Ajándék Nagy Kingának', count: 2 } }, 'extra');
      } };`,
    );
    const lines: string[] = [];
    const logger = createLogger({
      level: 'info',
      destination: { write: (line: string) => lines.push(line) },
    });
    const order = sampleOrder(78);
    const run = createModuleHandler({
      name: 'custom',
      path,
      logger,
      clients: new ShopClients([], createShopRenterClient),
    });
    const outcome = await run(
      claimedOrderJob(order, {
        id: 'job_log_1',
        handler: 'custom',
        eventId: 'evt_log_1',
        deliveryId: 'dlv_log_1',
      }),
    );
    expect(outcome).toEqual({ status: 'succeeded' });
    const text = lines.join('');
    expect(lines).toHaveLength(3);
    for (const personal of [
      order.firstname,
      order.lastname,
      order.shippingLastname,
      order.shippingAddress1,
      order.paymentAddress1,
    ]) {
      expect(personal).toBeTruthy();
      expect(text).not.toContain(`"${personal}"`);
    }
    const [whole, crm, extra] = lines.map((line) => JSON.parse(line));
    // the handler's own words stay; a text in an object it logs that is not known to be harmless is hidden
    expect(extra).toMatchObject({ step: 'gift', extra: { giftNote: '[text: 21 characters]', count: 2 } });
    expect(text).not.toContain('Kingának');
    expect(whole.order.innerId).toBe(order.innerId);
    expect(whole.order.total).toBe(order.total);
    expect(whole.order.shippingAddress1).toBe('[address]');
    expect(whole.order.lastname).toMatch(/^\S\*\*\*$/);
    expect(crm).toMatchObject({
      step: 'crm',
      handler: 'custom',
      jobId: 'job_log_1',
      err: { message: 'crm down' },
    });
    expect(crm.customer.firstname).toMatch(/^\S\*\*\*$/);
  });

  it('masks the objects a child is bound to (also by setBindings) and the objects given to a format string (%j, %o, %O)', async () => {
    const path = join(tmp.dir, 'logs-formatted.mjs');
    writeFileSync(
      path,
      `export default { order_confirm: async (event, ctx) => {
        ctx.logger.child({ order: event.order }).info('bound');
        const later = ctx.logger.child({ step: 'later' });
        later.setBindings({ customer: { lastname: event.order.lastname } });
        later.info('rebound');
        ctx.logger.info('as json %j', event.order);
        ctx.logger.info({ step: 'crm' }, 'customer %o', { lastname: event.order.lastname, city: event.order.shippingCity });
        ctx.logger.warn('whole %O, again %j', event.order, [event.order]);
      } };`,
    );
    const lines: string[] = [];
    const logger = createLogger({
      level: 'info',
      destination: { write: (line: string) => lines.push(line) },
    });
    const order = sampleOrder(79);
    const run = createModuleHandler({
      name: 'custom',
      path,
      logger,
      clients: new ShopClients([], createShopRenterClient),
    });
    const outcome = await run(
      claimedOrderJob(order, { id: 'job_log_2', handler: 'custom', eventId: 'evt_log_2' }),
    );
    expect(outcome).toEqual({ status: 'succeeded' });
    expect(lines).toHaveLength(5);
    const text = lines.join('');
    for (const personal of [
      order.firstname,
      order.lastname,
      order.shippingLastname,
      order.shippingAddress1,
      order.paymentAddress1,
      order.cart_token,
    ]) {
      expect(personal).toBeTruthy();
      expect(text).not.toContain(personal);
    }
    const [bound, rebound, json, customer] = lines.map((line) => JSON.parse(line));
    expect(rebound).toMatchObject({
      step: 'later',
      customer: { lastname: expect.stringMatching(/^\S\*\*\*$/) },
    });
    // what says nothing about the person is still there, so the lines stay useful
    expect(bound.order.innerId).toBe(order.innerId);
    expect(bound.order.shippingAddress1).toBe('[address]');
    expect(json.msg).toContain(`"innerId":"${order.innerId}"`);
    expect(customer).toMatchObject({ step: 'crm' });
    expect(customer.msg).toMatch(/^customer \{"lastname":"\S\*\*\*","city":"\[address\]"\}$/);
  });
});
