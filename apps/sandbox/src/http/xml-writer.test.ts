import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { toXmlResponse } from './xml-writer.js';

const fixture = (name: string) =>
  readFileSync(
    new URL(`../../../../packages/contracts/fixtures/shoprenter/api/webhook/${name}`, import.meta.url),
    'utf8',
  );

describe('toXmlResponse', () => {
  it.each([
    ['response_json_get_id.json', 'response_xml_get_id.xml'],
    ['response_json_get_page.json', 'response_xml_get_page.xml'],
  ])('renders the documented %s exactly as %s', (json, xml) => {
    // The two fixtures differ only in whether the file ends with a newline.
    expect(toXmlResponse(JSON.parse(fixture(json))).trimEnd()).toBe(fixture(xml).trimEnd());
  });

  it('renders the documented orderHistories page (numbers bare, an empty comment as <comment/>) exactly', () => {
    const orderHistory = (name: string) =>
      readFileSync(
        new URL(
          `../../../../packages/contracts/fixtures/shoprenter/api/order_history/${name}`,
          import.meta.url,
        ),
        'utf8',
      );
    expect(toXmlResponse(JSON.parse(orderHistory('response_json_get_page.json')))).toBe(
      orderHistory('response_xml_get_page.xml'),
    );
  });

  it('escapes CDATA terminators, drops characters XML forbids and writes empty lists as empty elements', () => {
    const xml = toXmlResponse({ label: 'a]]>b\u0001c', webHookDelay: [], count: 3, bad: 'x & y' });
    expect(xml).toBe(
      [
        '<response>',
        '    <label>',
        '        <![CDATA[a]]]]><![CDATA[>bc]]>',
        '    </label>',
        '    <webHookDelay/>',
        '    <count>3</count>',
        '    <bad>',
        '        <![CDATA[x & y]]>',
        '    </bad>',
        '</response>',
        '',
      ].join('\n'),
    );
  });
});
