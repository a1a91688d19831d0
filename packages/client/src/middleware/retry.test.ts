import { describe, expect, it } from 'vitest';
import { NetworkError } from '../errors.js';
import { attemptsOf, retryMiddleware } from './retry.js';
import { type Fetch, silentLogger } from './types.js';

function harness(answers: (number | Error | { status: number; retryAfter: string })[], options = {}) {
  const sleeps: number[] = [];
  const seen: { method: string; body: string }[] = [];
  const next: Fetch = async (request) => {
    seen.push({ method: request.method, body: await request.text() });
    const answer = answers[Math.min(seen.length - 1, answers.length - 1)];
    if (answer instanceof Error) throw answer;
    const status = typeof answer === 'number' ? answer : (answer?.status ?? 200);
    const headers =
      typeof answer === 'object' && 'retryAfter' in answer ? { 'retry-after': answer.retryAfter } : undefined;
    return new Response(status === 204 ? null : `{"n":${seen.length}}`, { status, headers });
  };
  const clock = { now: () => 0, sleep: async (ms: number) => void sleeps.push(ms), random: () => 0 };
  const fetch = retryMiddleware(options, clock, silentLogger)(next);
  return { fetch, sleeps, seen };
}

const post = () => new Request('https://demo.example/api/webHooks', { method: 'POST', body: '{"a":1}' });
const get = () => new Request('https://demo.example/api/webHooks', { method: 'GET' });

describe('retryMiddleware', () => {
  it('retries 429 and 503 for every method with growing backoff, re-sending the body', async () => {
    const { fetch, sleeps, seen } = harness([429, 503, 201]);
    const response = await fetch(post());
    expect(response.status).toBe(201);
    expect(attemptsOf(response)).toBe(3);
    expect(sleeps).toEqual([150, 300]);
    expect(seen).toEqual([
      { method: 'POST', body: '{"a":1}' },
      { method: 'POST', body: '{"a":1}' },
      { method: 'POST', body: '{"a":1}' },
    ]);
  });

  it('honours Retry-After', async () => {
    const { fetch, sleeps } = harness([{ status: 429, retryAfter: '2' }, 200]);
    expect((await fetch(get())).status).toBe(200);
    expect(sleeps).toEqual([2000]);
  });

  it('retries 500/502/504 only for idempotent methods', async () => {
    const idempotent = harness([500, 502, 504, 200]);
    expect((await idempotent.fetch(get())).status).toBe(200);
    expect(idempotent.seen).toHaveLength(4);
    const notIdempotent = harness([500, 200]);
    const response = await notIdempotent.fetch(post());
    expect(response.status).toBe(500);
    expect(notIdempotent.seen).toHaveLength(1);
  });

  it.each([400, 401, 403, 404, 409])('does not retry %i', async (status) => {
    const { fetch, seen } = harness([status, 200]);
    expect((await fetch(get())).status).toBe(status);
    expect(seen).toHaveLength(1);
  });

  it('gives up after maxAttempts and returns the last answer', async () => {
    const { fetch, seen, sleeps } = harness([503], { maxAttempts: 3 });
    const response = await fetch(get());
    expect(response.status).toBe(503);
    expect(attemptsOf(response)).toBe(3);
    expect(seen).toHaveLength(3);
    expect(sleeps).toHaveLength(2);
  });

  it('retries network errors of idempotent requests and reports the last one as NetworkError', async () => {
    const refused = new TypeError('fetch failed', { cause: { code: 'ECONNREFUSED' } });
    const recovering = harness([refused, 200]);
    expect((await recovering.fetch(get())).status).toBe(200);
    const failing = harness([refused], { maxAttempts: 2 });
    const error = await failing.fetch(get()).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(NetworkError);
    expect((error as NetworkError).code).toBe('network_error');
    // in words, as every other network failure is told (found by the CLI QA: only the errno was given)
    expect((error as NetworkError).message).toContain(
      'failed (connection refused: nothing listens at that address and port (ECONNREFUSED)) after 2 attempts',
    );
    expect(failing.seen).toHaveLength(2);
  });

  it('does not retry a port fetch refuses outright (bad port): it fails at once, saying to use another port', async () => {
    // undici's own error for a port on the fetch spec's block list (9, 6000, …): no request is sent
    const badPort = new TypeError('fetch failed', { cause: new Error('bad port') });
    const { fetch, seen, sleeps } = harness([badPort, 200]);
    const request = new Request('http://127.0.0.1:6000/demo/api/webHooks', { method: 'GET' });
    const error = await fetch(request).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(NetworkError);
    expect(seen).toHaveLength(1);
    expect(sleeps).toEqual([]);
    expect((error as NetworkError).message).toBe(
      'GET http://127.0.0.1:6000/demo/api/webHooks failed (fetch does not request this port (bad port)): port 6000 is one that HTTP clients refuse to connect to: use another port',
    );
  });

  it('does not retry a POST that timed out (it may have been processed)', async () => {
    const timeout = new DOMException('The operation was aborted due to timeout', 'TimeoutError');
    const { fetch, seen } = harness([timeout, 200]);
    const error = await fetch(post()).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(NetworkError);
    expect((error as NetworkError).code).toBe('timeout');
    expect(seen).toHaveLength(1);
  });
});
