/**
 * Malformed JSON request bodies (request-body.ts) over HTTP: the answer says where the syntax error
 * is and what to send, and quotes nothing of the body. Node's `JSON.parse` message would quote it
 * (`Unexpected token 'K', "Kovács Éva…" is not valid JSON`), and a body may hold a customer's name.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestSandbox, type TestSandbox } from '../test-support/test-sandbox.js';

/** Line 2, column 11 is the K of an unquoted name. */
const MALFORMED = '{\n  "name": Kovács Éva, "email": "kovacs.eva@example.com"\n}';

describe('malformed JSON request bodies', () => {
  let sb: TestSandbox;
  beforeAll(async () => {
    sb = await startTestSandbox();
  });
  afterAll(() => sb.close());

  const expectNoBodyText = (text: string) => {
    for (const piece of ['Kov', 'va,', 'kovacs', 'example.com', 'email']) expect(text).not.toContain(piece);
  };

  it('API route: 400/40001, the hint names line and column and what to send, quoting nothing', async () => {
    const res = await sb.api('POST', '/webHooks', { rawBody: MALFORMED });
    expect(res.status).toBe(400);
    expect(res.json()).toEqual({ error: 40001, message: 'Data parameter not found in POST/PUT!' });
    const hint = res.headers.get('x-sandbox-hint') ?? '';
    expect(hint).toBe(
      'The request body is not valid JSON: unexpected character at line 2, column 11. Send a JSON object with Content-Type: application/json.',
    );
    expectNoBodyText(res.text);
    expectNoBodyText(hint);
  });

  it('sandbox admin route (hint in the body): names line and column, quoting nothing', async () => {
    const res = await sb.call('POST', '/demo/_sandbox/orders', { rawBody: MALFORMED });
    expect(res.status).toBe(400);
    expect(res.json()).toMatchObject({ error: 40001 });
    expect(res.json().message).toMatch(/not valid JSON: .* at line 2, column 11\. Send a JSON object/);
    expectNoBodyText(res.text);
  });

  it('a body that ends too early is located at its end', async () => {
    const res = await sb.call('POST', '/demo/_sandbox/orders', { rawBody: '{"name": "Kovács Éva"' });
    expect(res.status).toBe(400);
    expect(res.json().message).toMatch(/ends too early .* at line 1, column 22\./);
    expectNoBodyText(res.text);
  });

  it('token endpoint: 400 invalid_request names line and column, quoting nothing', async () => {
    const res = await sb.call('POST', '/demo/app/token', { rawBody: MALFORMED });
    expect(res.status).toBe(400);
    expect(res.json().error).toBe('invalid_request');
    expect(res.json().hint).toBe(
      'The request body is not valid JSON: unexpected character at line 2, column 11. Send a JSON body.',
    );
    expectNoBodyText(res.text);
  });
});
