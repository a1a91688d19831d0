import { describe, expect, it } from 'vitest';
import { authMiddleware } from './auth.js';
import type { Fetch } from './types.js';

describe('authMiddleware', () => {
  it('sets Authorization and, after a 401, renews once and re-sends the body', async () => {
    const sent: { auth: string | null; body: string }[] = [];
    let current = 'Bearer old';
    const rejected: string[] = [];
    const next: Fetch = async (request) => {
      sent.push({ auth: request.headers.get('authorization'), body: await request.text() });
      return new Response(null, {
        status: request.headers.get('authorization') === 'Bearer old' ? 401 : 200,
      });
    };
    const fetch = authMiddleware({
      authorization: async () => current,
      rejected: (value) => {
        rejected.push(value);
        current = 'Bearer new';
        return true;
      },
    })(next);
    const response = await fetch(
      new Request('https://x.example/api/webHooks', { method: 'PUT', body: 'payload' }),
    );
    expect(response.status).toBe(200);
    expect(rejected).toEqual(['Bearer old']);
    expect(sent).toEqual([
      { auth: 'Bearer old', body: 'payload' },
      { auth: 'Bearer new', body: 'payload' },
    ]);
  });

  it('returns the 401 when the provider says renewing cannot help (Basic auth)', async () => {
    let calls = 0;
    const next: Fetch = async () => {
      calls++;
      return new Response(null, { status: 401 });
    };
    const fetch = authMiddleware({ authorization: async () => 'Basic abc', rejected: () => false })(next);
    expect((await fetch(new Request('https://x.example/api/webHooks'))).status).toBe(401);
    expect(calls).toBe(1);
  });
});
