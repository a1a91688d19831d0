import { readFileSync } from 'node:fs';
import { normaliseWebhook, WebhookCollectionSchema, WebhookRawSchema } from '@srhooks/contracts';
import { describe, expect, it } from 'vitest';
import { isXmlContentType, xmlResponseToJson } from './xml-response.js';

const shared = new URL('../../../../packages/contracts/fixtures/shoprenter/api/webhook/', import.meta.url);
const read = (name: string) => readFileSync(new URL(name, shared), 'utf8');

describe('xmlResponseToJson', () => {
  it('reads the documented XML item into the same model as the JSON item', () => {
    const fromXml = normaliseWebhook(
      WebhookRawSchema.parse(xmlResponseToJson(read('response_xml_get_id.xml'))),
    );
    const fromJson = normaliseWebhook(WebhookRawSchema.parse(JSON.parse(read('response_json_get_id.json'))));
    expect(fromXml).toEqual(fromJson);
    expect(fromXml.webHookParameters[0]?.fields).toHaveLength(6);
  });

  it('reads the documented XML collection: items as a list, empty links as null', () => {
    const page = xmlResponseToJson(read('response_xml_get_page.xml')) as Record<string, unknown>;
    expect(page.previous).toBeNull();
    expect(page.next).toBeNull();
    expect(page.items).toEqual(JSON.parse(read('response_json_get_page.json')).items);
    const parsed = WebhookCollectionSchema.parse(page);
    expect(parsed.page).toBe(0);
    expect(parsed.limit).toBe(25);
  });

  it('keeps a one-item collection a list and an empty one an empty list', () => {
    const one = xmlResponseToJson(
      '<response><items><item><href>https://x/webHooks/a</href></item></items></response>',
    );
    expect(one).toEqual({ items: [{ href: 'https://x/webHooks/a' }] });
    expect(xmlResponseToJson('<response><items/></response>')).toEqual({ items: [] });
  });

  it('refuses a document with a DTD', () => {
    expect(() => xmlResponseToJson('<!DOCTYPE x [<!ENTITY a "b">]><response>&a;</response>')).toThrow();
  });

  it('recognises XML content types', () => {
    expect(
      ['application/xml', 'text/xml; charset=utf-8', 'application/atom+xml', 'application/json'].map(
        isXmlContentType,
      ),
    ).toEqual([true, true, true, false]);
  });
});
