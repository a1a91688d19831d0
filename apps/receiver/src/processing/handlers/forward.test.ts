import { randomBytes } from 'node:crypto';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { sampleOrder, sampleSubscriber } from '@srhooks/contracts';
import { Webhook } from 'standardwebhooks';
import { afterEach, describe, expect, it } from 'vitest';
import type { ClaimedJob } from '../../store/store.js';
import { generatedText } from '../../test-support/generated-text.js';
import { claimedOrderJob } from '../test-support/processing-fixtures.js';
import { type RunningTarget, startTarget, type TargetRequest } from '../test-support/webhook-target.js';
import { createForwardHandler, type ForwardHandlerOptions, sentencePunctuationStart } from './forward.js';
import { nonPublicRange } from './target-guard.js';

const secret = `whsec_${randomBytes(32).toString('base64')}`;
const order = sampleOrder(4711);

function claimedJob(overrides: Partial<ClaimedJob> = {}): ClaimedJob {
  return claimedOrderJob(order, overrides);
}

const targets: RunningTarget[] = [];
async function target(...args: Parameters<typeof startTarget>): Promise<RunningTarget> {
  const started = await startTarget(...args);
  targets.push(started);
  return started;
}
afterEach(async () => {
  await Promise.all(targets.splice(0).map((t) => t.close()));
});

function forward(url: string, options: Partial<ForwardHandlerOptions> = {}) {
  return createForwardHandler({ name: 'erp', url, secret, allowPrivateTargets: true, ...options });
}

function verify(request: TargetRequest): unknown {
  return new Webhook(secret).verify(request.body, request.headers as Record<string, string>);
}

describe('forward handler: the request', () => {
  it('POSTs the Standard Webhooks envelope, signed so that standardwebhooks verifies it', async () => {
    const t = await target(() => ({ status: 204 }));
    const outcome = await forward(`${t.url}/hooks/shoprenter`)(claimedJob());
    expect(outcome).toEqual({ status: 'succeeded', statusCode: 204 });

    const [request] = t.requests;
    expect(request?.method).toBe('POST');
    expect(request?.path).toBe('/hooks/shoprenter');
    expect(request?.headers['content-type']).toBe('application/json');
    expect(request?.headers['webhook-id']).toBe('job_01jz4test000000000000000');
    expect(Number(request?.headers['webhook-timestamp'])).toBeCloseTo(Date.now() / 1000, -2);
    expect(request?.headers['webhook-signature']).toMatch(/^v1,[A-Za-z0-9+/]+=*$/);
    expect(verify(request!)).toEqual({
      type: 'shoprenter.order_confirm',
      timestamp: '2026-07-01T08:00:00.000Z',
      data: {
        eventId: 'evt_01jz4test000000000000000',
        shop: 'demo',
        deliveryId: 'dlv_01jz4test000000000000000',
        receivedAt: '2026-07-01T08:00:00.000Z',
        dedupeKey: `order:${order.innerId}`,
        source: 'webhook',
        event: 'order_confirm',
        order: JSON.parse(JSON.stringify(order)),
      },
    });
  });

  it('sends newsletter events with a subscriber', async () => {
    const t = await target();
    const subscriber = sampleSubscriber(3);
    await forward(t.url)(
      claimedJob({ event: 'newsletter_subscribe', payload: subscriber, subjectId: subscriber.id ?? null }),
    );
    const body = verify(t.requests[0]!) as { type: string; data: Record<string, unknown> };
    expect(body.type).toBe('shoprenter.newsletter_subscribe');
    expect(body.data.subscriber).toEqual(JSON.parse(JSON.stringify(subscriber)));
    expect(body.data.order).toBeUndefined();
  });

  it('a tampered body fails verification (the signature covers it)', async () => {
    const t = await target();
    await forward(t.url)(claimedJob());
    const request = t.requests[0]!;
    expect(() => verify({ ...request, body: request.body.replace('"demo"', '"evil"') })).toThrow(
      /signature/i,
    );
  });

  it('refuses a secret that is not a Standard Webhooks secret', () => {
    expect(() => forward('http://127.0.0.1:1', { secret: 'whsec_!!notbase64!!' })).toThrow(
      /handlers\.erp\.secret is not a valid Standard Webhooks secret/,
    );
  });
});

describe('forward handler: answers', () => {
  it.each([
    [200, { status: 'succeeded', statusCode: 200 }],
    [202, { status: 'succeeded', statusCode: 202 }],
    [410, { status: 'disable', statusCode: 410 }],
    [429, { status: 'retry', statusCode: 429 }],
    [408, { status: 'retry', statusCode: 408 }],
    [500, { status: 'retry', statusCode: 500 }],
    [503, { status: 'retry', statusCode: 503 }],
    [400, { status: 'dead', statusCode: 400 }],
    [401, { status: 'dead', statusCode: 401 }],
    [404, { status: 'dead', statusCode: 404 }],
    [422, { status: 'dead', statusCode: 422 }],
    [301, { status: 'dead', statusCode: 301 }],
  ])('%i → %j', async (status, expected) => {
    const t = await target(() => ({ status, body: status >= 400 ? 'nope' : '' }));
    const outcome = await forward(t.url)(claimedJob());
    expect(outcome).toMatchObject(expected);
    expect(t.requests).toHaveLength(1);
    // every failed answer has the receiver's own summary: the host and the status, never the body
    const summary = (outcome as { summary?: string }).summary;
    if (outcome.status === 'succeeded') expect(summary).toBeUndefined();
    else expect(summary).toMatch(new RegExp(`^${new URL(t.url).host} answered ${status}\\b`));
    expect(summary ?? '').not.toContain('nope');
  });

  it('explains errors with the status and the start of the answer', async () => {
    const t = await target(() => ({ status: 422, body: '{"error":"unknown sku RUB-3X3"}' }));
    const outcome = await forward(t.url)(claimedJob());
    expect(outcome).toEqual({
      status: 'dead',
      statusCode: 422,
      errorCode: 'target_client_error',
      error: `${t.url}/ answered 422: {"error":"unknown sku RUB-3X3"}; not retried (client error): fix the target or the handler, then replay`,
      // the receiver's own words, shown unmasked: the host and the status, not the answer
      summary: `${new URL(t.url).host} answered 422; not retried (client error)`,
    });
  });

  it("keeps the URL's password and query values out of the error texts (stored, shown by the admin API)", async () => {
    const t = await target((_request, n) => (n === 1 ? { status: 503, body: 'busy' } : 'hang'));
    const port = new URL(t.url).port;
    const url = `http://erp-user:S3cretPassw0rd@127.0.0.1:${port}/hooks?apikey=K3yK3yK3y&shop=demo`;
    // the answer with the default limit (a loaded machine may take longer than 150 ms to answer it)
    const answered = (await forward(url)(claimedJob())) as { error: string };
    expect(answered.error).toBe('http://127.0.0.1:' + port + '/hooks?apikey=***&shop=*** answered 503: busy');
    const timedOut = (await forward(url, { timeoutMs: 150 })(claimedJob())) as { error: string };
    expect(timedOut.error).toContain(`POST http://127.0.0.1:${port}/hooks?apikey=***&shop=*** failed`);
    const summaries = [answered, timedOut].map((outcome) => (outcome as { summary?: string }).summary ?? '');
    expect(summaries).toEqual([
      `127.0.0.1:${port} answered 503`,
      `127.0.0.1:${port} did not answer within 150 ms`,
    ]);
    for (const text of [answered.error, timedOut.error, ...summaries]) {
      expect(text).not.toContain('S3cretPassw0rd');
      expect(text).not.toContain('K3yK3yK3y');
      expect(text).not.toContain('erp-user');
    }
  });

  it('finds the punctuation ending a URL as /[.,;:)]+$/ does, in linear time', () => {
    const expression = (text: string) => text.length - (/[.,;:)]+$/.exec(text)?.[0].length ?? 0);
    const alphabet = ['.', ',', ';', ':', ')', 'a', '/', '..'];
    for (let seed = 1; seed <= 5_000; seed += 1) {
      const text = generatedText(seed, alphabet, seed % 20);
      expect(sentencePunctuationStart(text), JSON.stringify(text)).toBe(expression(text));
    }
    const long = `http://h/${'.'.repeat(300_000)}x.`; // the expression takes over a minute on this (92 s measured)
    expect(sentencePunctuationStart(long)).toBe(long.length - 1);
  });

  it('passes Retry-After on (seconds and HTTP date)', async () => {
    const t = await target((_request, n) =>
      n === 1
        ? { status: 429, headers: { 'retry-after': '120' } }
        : { status: 503, headers: { 'retry-after': new Date(Date.now() + 600_000).toUTCString() } },
    );
    const handler = forward(t.url);
    expect(await handler(claimedJob())).toMatchObject({ status: 'retry', retryAfterMs: 120_000 });
    const second = await handler(claimedJob());
    expect(second.status).toBe('retry');
    const retryAfterMs = (second as { retryAfterMs: number }).retryAfterMs;
    expect(retryAfterMs).toBeGreaterThan(590_000);
    expect(retryAfterMs).toBeLessThanOrEqual(600_000);
  });

  it('retries when the target does not answer in time', async () => {
    const t = await target(() => 'hang');
    const outcome = await forward(t.url, { timeoutMs: 150 })(claimedJob());
    expect(outcome).toEqual({
      status: 'retry',
      errorCode: 'target_timeout',
      error: `POST ${t.url} failed: target_timeout: ${t.url} did not answer within 150 ms (raise "timeoutMs" if it is just slow)`,
      summary: `${new URL(t.url).host} did not answer within 150 ms`,
    });
  });

  it('says the target answered when only the rest of its answer did not come in time', async () => {
    const server = createServer((_request, response) => {
      response.writeHead(200, { 'content-type': 'text/plain' });
      response.write('accepted, and then');
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    try {
      const host = `127.0.0.1:${(server.address() as AddressInfo).port}`;
      const outcome = (await forward(`http://${host}`, { timeoutMs: 300 })(claimedJob())) as {
        status: string;
        errorCode: string;
        error: string;
        summary: string;
      };
      expect(outcome.status).toBe('retry');
      expect(outcome.errorCode).toBe('target_timeout');
      expect(outcome.error).toContain(
        `http://${host} answered 200 but did not finish its answer within 300 ms (raise "timeoutMs" if it is just slow)`,
      );
      expect(outcome.summary).toBe(`${host} answered 200 but did not finish its answer within 300 ms`);
    } finally {
      server.closeAllConnections();
      await new Promise((resolve) => server.close(resolve));
    }
  });

  it('retries when nobody listens', async () => {
    const t = await target();
    const url = t.url;
    await t.close();
    const outcome = await forward(url)(claimedJob());
    expect(outcome.status).toBe('retry');
    expect((outcome as { error: string }).error).toMatch(/ECONNREFUSED/);
    // in the receiver's own words, shown without revealing the error
    expect((outcome as { summary?: string }).summary).toBe(
      `POST to ${new URL(url).host} got no answer: connection refused: nothing listens at that address and port (ECONNREFUSED)`,
    );
  });

  it('follows a 307 redirect with the same signed POST', async () => {
    const t = await target((request) =>
      request.path === '/old' ? { status: 307, headers: { location: '/new' } } : { status: 200 },
    );
    expect(await forward(`${t.url}/old`)(claimedJob())).toEqual({ status: 'succeeded', statusCode: 200 });
    expect(t.requests.map((request) => [request.method, request.path])).toEqual([
      ['POST', '/old'],
      ['POST', '/new'],
    ]);
    expect(verify(t.requests[1]!)).toMatchObject({ type: 'shoprenter.order_confirm' });
  });
});

describe('forward handler: a redirect to no URL', () => {
  it('a 307 whose Location is not a URL is dead-lettered at once, saying so (a retry gets the same answer)', async () => {
    const t = await target(() => ({ status: 307, headers: { location: 'http://[::1' } }));
    const outcome = await forward(`${t.url}/old`)(claimedJob());
    expect(outcome).toEqual({
      status: 'dead',
      errorCode: 'target_url_invalid',
      error: `${t.url}/old redirected (307) to "http://[::1", which is not a URL; point the handler at the final URL`,
      summary: `${new URL(t.url).host}: not a URL the handler can forward to`,
    });
    expect(t.requests).toHaveLength(1);
  });
});

describe('forward handler: SSRF guard', () => {
  it.each([
    ['127.0.0.1', 'http://127.0.0.1:{port}/', 'loopback'],
    ['10.x', 'http://10.1.2.3/', 'private network'],
    [
      '169.254.x (cloud metadata)',
      'http://169.254.169.254/latest/meta-data/',
      'link-local, e.g. cloud metadata',
    ],
    ['[::1]', 'http://[::1]:{port}/', 'loopback'],
    ['IPv4-mapped IPv6', 'http://[::ffff:127.0.0.1]:{port}/', 'IPv4-in-IPv6 loopback'],
    ['localhost (through DNS)', 'http://localhost:{port}/', 'loopback'],
  ])('refuses %s unless allowPrivateTargets', async (_name, template, range) => {
    const t = await target();
    const url = template.replace('{port}', String(t.port));
    const outcome = await forward(url, { allowPrivateTargets: false })(claimedJob());
    expect(outcome.status).toBe('dead');
    const error = (outcome as { error: string }).error;
    expect(error).toContain(`(${range}), which is not a public address`);
    expect(error).toContain('set "allowPrivateTargets": true on that forward handler');
    expect(t.requests).toHaveLength(0);
  });

  it('reaches the same local target when allowPrivateTargets is true', async () => {
    const t = await target();
    expect(await forward(`${t.url}/`, { allowPrivateTargets: true })(claimedJob())).toMatchObject({
      status: 'succeeded',
    });
  });

  it('checks every redirect hop too', async () => {
    const inner = await target();
    const outer = await target(() => ({
      status: 307,
      headers: { location: `http://127.0.0.2:${inner.port}/admin` },
    }));
    // Policy for this test: 127.0.0.1 stands in for "public", 127.0.0.2 for "private".
    const outcome = await forward(outer.url, {
      allowPrivateTargets: false,
      addressPolicy: (address) => (address === '127.0.0.1' ? null : 'private network'),
    })(claimedJob());
    expect(outcome).toEqual({
      status: 'dead',
      errorCode: 'unsafe_target',
      error: expect.stringContaining(
        'Refusing to forward to 127.0.0.2: it resolves to 127.0.0.2 (private network)',
      ),
      summary: expect.stringContaining(
        'Refusing to forward to 127.0.0.2: it resolves to 127.0.0.2 (private network)',
      ),
    });
    expect(outer.requests).toHaveLength(1);
    expect(inner.requests).toHaveLength(0);
  });
});

describe('nonPublicRange', () => {
  it.each([
    ['127.0.0.1', 'loopback'],
    ['127.255.0.9', 'loopback'],
    ['10.0.0.1', 'private network'],
    ['172.16.5.4', 'private network'],
    ['172.31.255.255', 'private network'],
    ['192.168.1.1', 'private network'],
    ['169.254.169.254', 'link-local, e.g. cloud metadata'],
    ['100.64.0.1', 'carrier-grade NAT'],
    ['0.0.0.0', '"this network"'],
    ['224.0.0.1', 'multicast'],
    ['255.255.255.255', 'reserved'],
    ['::1', 'loopback'],
    ['::', 'unspecified'],
    ['fe80::1', 'link-local'],
    ['fd12:3456::1', 'unique local (private network)'],
    ['::ffff:10.0.0.1', 'IPv4-in-IPv6 private network'],
    ['::ffff:7f00:1', 'IPv4-in-IPv6 loopback'],
    ['64:ff9b::a9fe:a9fe', 'IPv4-in-IPv6 link-local, e.g. cloud metadata'],
    // 6to4 carries the IPv4 address in its second and third groups (QA s24: not checked before)
    ['2002:a00:1::1', 'IPv4-in-IPv6 private network'],
    ['2002:7f00:1::', 'IPv4-in-IPv6 loopback'],
    ['2002::1', 'IPv4-in-IPv6 "this network"'],
    ['2002:808:808::1', null],
    ['64:ff9b:1::a00:1', 'local-use IPv4/IPv6 translation'],
    ['2001:0:4136:e378:8000:63bf:3fff:fdd2', 'Teredo tunnel (carries an IPv4 address)'],
    ['8.8.8.8', null],
    ['172.32.0.1', null],
    ['2a00:1450:4001:80b::200e', null],
    ['::ffff:8.8.8.8', null],
  ])('%s → %j', (address, expected) => {
    expect(nonPublicRange(address)).toBe(expected);
  });
});
