import { FIELD_CATALOGUE, fieldsForEvent } from '@srhooks/contracts';
import { afterAll, describe, expect, it } from 'vitest';
import { runCli, tempConfigDir } from '../test-support/run-cli.js';

const config = tempConfigDir();
afterAll(() => config.cleanup());

describe('srhooks fields', () => {
  it('--json lists the whole catalogue with availability per event', async () => {
    const run = await runCli(config.dir, ['fields', '--json']);
    expect(run.code).toBe(0);
    const result = JSON.parse(run.stdout);
    expect(result.event).toBeNull();
    expect(result.fields).toHaveLength(FIELD_CATALOGUE.length);
    expect(result.fields[0]).toEqual({
      field: FIELD_CATALOGUE[0]?.field,
      label: FIELD_CATALOGUE[0]?.label,
      group: FIELD_CATALOGUE[0]?.group,
      payloadPath: FIELD_CATALOGUE[0]?.payloadPath,
      events: [...(FIELD_CATALOGUE[0]?.events ?? [])],
    });
  });

  it('EVENT keeps only the fields that event offers', async () => {
    const run = await runCli(config.dir, ['fields', 'newsletter_subscribe', '--json']);
    const result = JSON.parse(run.stdout);
    expect(result.event).toBe('newsletter_subscribe');
    expect(result.fields.map((f: { field: string }) => f.field)).toEqual(
      fieldsForEvent('newsletter_subscribe').map((info) => info.field),
    );
  });

  it('--group and --search filter', async () => {
    const run = await runCli(config.dir, [
      'fields',
      'order_confirm',
      '--group',
      'orderProduct',
      '--search',
      'SKU',
      '--json',
    ]);
    const result = JSON.parse(run.stdout);
    expect(result.fields.map((f: { field: string }) => f.field)).toEqual(['orderProduct_sku']);
    // one field is counted in the singular, with and without an event (it said "1 fields")
    const human = await runCli(config.dir, ['fields', '--search', 'sku', '--group', 'orderProduct']);
    expect(human.stdout.trimEnd().split('\n').at(-1)).toBe(
      '1 field; srhooks fields EVENT shows one event with payload paths',
    );
    const one = await runCli(config.dir, [
      'fields',
      'order_confirm',
      '--search',
      'sku',
      '--group',
      'orderProduct',
    ]);
    expect(one.stdout.trimEnd().split('\n').at(-1)).toBe('1 field available for order_confirm');
  });

  it('prints a table with one column per event', async () => {
    const run = await runCli(config.dir, ['fields', '--group', 'subscriber']);
    expect(run.code).toBe(0);
    const [header, ...rows] = run.stdout.trimEnd().split('\n');
    expect(header).toMatch(/^FIELD\s+LABEL\s+confirm\s+status\s+cart\s+nl-sub\s+nl-unsub\s+nl-upd$/);
    const email = rows.find((row) => row.startsWith('subscriber_email '));
    expect(email).toMatch(/·\s+·\s+·\s+✓\s+✓\s+✓$/);
  });

  it('an unknown event or group is a usage error', async () => {
    const event = await runCli(config.dir, ['fields', 'order_confrim']);
    expect(event.code).toBe(2);
    expect(event.stderr).toContain('unknown event "order_confrim"');
    const group = await runCli(config.dir, ['fields', '--group', 'nope']);
    expect(group.code).toBe(2);
    expect(group.stderr).toContain('unknown field group "nope"');
  });

  it('a group typed in another case or with a typo is answered with the group meant', async () => {
    const lower = await runCli(config.dir, ['fields', 'order_confirm', '--group', 'orderproduct']);
    expect(lower.code).toBe(2);
    expect(lower.stderr.split('\n')[0]).toBe(
      'error: unknown field group "orderproduct" (did you mean orderProduct?)',
    );
    const typo = await runCli(config.dir, ['fields', '--group', 'orderHistroy']);
    expect(typo.stderr.split('\n')[0]).toBe(
      'error: unknown field group "orderHistroy" (did you mean orderHistory?)',
    );
  });
});
