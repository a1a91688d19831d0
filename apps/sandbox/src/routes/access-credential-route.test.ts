import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestSandbox, type TestSandbox } from '../test-support/test-sandbox.js';

describe('/{shop}/admin/oauth/access_credential (FACTS.md §7: gone, 403)', () => {
  let sb: TestSandbox;
  beforeAll(async () => {
    sb = await startTestSandbox();
  });
  afterAll(() => sb.close());

  it.each(['GET', 'POST'])('%s answers 403 with the message-only error body (A26)', async (method) => {
    const json = await sb.call(method, '/demo/admin/oauth/access_credential?shopname=demo&code=x');
    expect(json.status).toBe(403);
    expect(json.json()).toEqual({ message: 'Forbidden' });
    expect(json.headers.get('x-sandbox-hint')).toMatch(/app\/token/);
    const xml = await sb.call(method, '/demo/admin/oauth/access_credential', { accept: null });
    expect(xml.status).toBe(403);
    expect(xml.text).toMatch(/<message>\s*<!\[CDATA\[Forbidden\]\]>\s*<\/message>/);
  });

  it('is still 404 for a shop that does not exist', async () => {
    expect((await sb.call('GET', '/nosuch/admin/oauth/access_credential')).status).toBe(404);
  });
});
