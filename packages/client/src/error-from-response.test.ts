import { describe, expect, it } from 'vitest';
import { errorFromResponse, readErrorBody } from './error-from-response.js';
import {
  AuthError,
  NotFoundError,
  RateLimitError,
  ServerError,
  ShopRenterApiError,
  ShopRenterError,
  ValidationError,
} from './errors.js';

const base = { method: 'POST', url: 'https://demo.api2.myshoprenter.hu/api/webHooks' };

describe('errorFromResponse', () => {
  it.each([
    [400, ValidationError, 'validation_failed'],
    [401, AuthError, 'unauthorized'],
    [403, AuthError, 'forbidden'],
    [404, NotFoundError, 'not_found'],
    [409, ShopRenterApiError, 'conflict'],
    [429, RateLimitError, 'rate_limited'],
    [500, ServerError, 'server_error'],
    [503, ServerError, 'server_error'],
    [504, ServerError, 'server_error'],
    [418, ShopRenterApiError, 'api_error'],
  ])('maps %i to %s with code %s', (status, type, code) => {
    const error = errorFromResponse({ ...base, status, body: undefined });
    expect(error).toBeInstanceOf(type);
    expect(error).toBeInstanceOf(ShopRenterApiError);
    expect(error).toBeInstanceOf(ShopRenterError);
    expect(error.code).toBe(code);
    expect(error.status).toBe(status);
    expect(error.method).toBe('POST');
    expect(error.url).toBe(base.url);
  });

  it('reads the inner code and message of a JSON body (the {error, message} form, an assumption)', () => {
    const error = errorFromResponse({
      ...base,
      status: 400,
      body: { error: 40005, message: 'The given data is wrong!' },
      requestBody: { event: 'order_confirm', status: '1' },
    });
    expect(error).toBeInstanceOf(ValidationError);
    expect(error.innerCode).toBe(40005);
    expect(error.serverMessage).toBe('The given data is wrong!');
    expect(error.message).toContain('400/40005');
    expect(error.message).toContain('"The given data is wrong!"');
    expect(error.requestBodyExcerpt).toBe('{"event":"order_confirm","status":"1"}');
  });

  it('names the documented text when a body carries an inner code but no message', () => {
    const error = errorFromResponse({ ...base, status: 400, body: { error: 40001 } });
    expect(error.message).toContain('400/40001 "Data parameter not found in POST/PUT!"');
  });

  it.each([
    ['JSON', { message: 'Resource matching URI "/webHook/abc" not found' }],
    [
      'XML',
      '<response><message><![CDATA[Resource matching URI "/webHook/abc" not found]]></message></response>',
    ],
    [
      'XML batch body',
      '<body><message><![CDATA[Resource matching URI "/webHook/abc" not found]]></message></body>',
    ],
  ])('reads the documented message-only body (%s): no inner code, the message kept', (_name, body) => {
    const error = errorFromResponse({ ...base, method: 'GET', status: 404, body });
    expect(error).toBeInstanceOf(NotFoundError);
    expect(error.innerCode).toBeUndefined();
    expect(error.serverMessage).toBe('Resource matching URI "/webHook/abc" not found');
    expect(error.message).toContain('answered 404 (not found): "Resource matching URI');
  });

  it('a 404 on a resource list (not one id) points at the API URL, not at an id', () => {
    const body = { message: 'No route GET /api/webHooks' };
    for (const url of [
      'http://127.0.0.1:8787/api/webHooks?page=0&limit=200&full=1',
      'https://demo.api2.myshoprenter.hu/api/orders',
      'https://demo.api2.myshoprenter.hu/api/batch',
    ]) {
      const error = errorFromResponse({
        method: url.endsWith('batch') ? 'POST' : 'GET',
        url,
        status: 404,
        body,
      });
      expect(error).toBeInstanceOf(NotFoundError);
      expect(error.message).not.toContain('check the id');
      expect(error.message).toContain(
        "the API URL is probably wrong: a shop's API base is https://{shop}.api2.myshoprenter.hu/api",
      );
    }
    const one = errorFromResponse({
      ...base,
      url: `${base.url}/d2ViSG9vay0x`,
      method: 'GET',
      status: 404,
      body,
    });
    expect(one.message).toContain('check the id');
  });

  it('a 401 names the scope the request needs as a possible cause, and a known missing scope as the cause', () => {
    const body = { error: 40101, message: 'You have no permission for this operation!' };
    const unknown = errorFromResponse({ ...base, status: 401, body }) as AuthError;
    expect(unknown.code).toBe('unauthorized');
    expect(unknown.message).toContain(
      '(or the API client lacks the store.webhook:write scope this request needs)',
    );
    const missing = errorFromResponse({
      ...base,
      status: 401,
      body,
      missingScope: 'store.webhook:write',
    }) as AuthError;
    expect(missing).toBeInstanceOf(AuthError);
    expect(missing.code).toBe('forbidden');
    expect(missing.requiredScope).toBe('store.webhook:write');
    expect(missing.message).toMatch(
      /^client lacks scope store\.webhook:write: grant it in Settings > API Settings/,
    );
    expect(missing.message).toContain('answered 401/40101: "You have no permission for this operation!"');
  });

  it('reads an XML error body', () => {
    const xml = '<response><error>40401</error><message><![CDATA[Resource not found]]></message></response>';
    const error = errorFromResponse({ ...base, method: 'GET', status: 404, body: xml });
    expect(error.innerCode).toBe(40401);
    expect(error.serverMessage).toBe('Resource not found');
  });

  it('copes with an empty or plain-text body', () => {
    expect(readErrorBody(undefined)).toEqual({ innerCode: undefined, serverMessage: undefined });
    expect(readErrorBody('')).toEqual({ innerCode: undefined, serverMessage: undefined });
    expect(readErrorBody('Bad Gateway\n')).toEqual({ innerCode: undefined, serverMessage: 'Bad Gateway' });
  });

  it('says which scope a 403 needs and where to grant it, without claiming it is missing', () => {
    const write = errorFromResponse({ ...base, status: 403, body: undefined }) as AuthError;
    expect(write.requiredScope).toBe('store.webhook:write');
    // A missing scope is assumed to be a 401 (A4); a documented 403 says only "Forbidden". Before, a
    // 403 (a firewall's HTML page too) was reported as "client lacks scope store.webhook:write".
    expect(write.message).toMatch(
      /^ShopRenter refused POST \S+ with 403 \(Forbidden\): check that the API client has the store\.webhook:write scope this request needs and is active \(Settings > API Settings\), and that the API URL is the shop's/,
    );
    expect(write.message).not.toMatch(/lacks scope/);
    const read = errorFromResponse({ ...base, method: 'GET', status: 403, body: undefined }) as AuthError;
    expect(read.requiredScope).toBe('store.webhook:read');
    const order = errorFromResponse({
      method: 'GET',
      url: 'https://demo.api2.myshoprenter.hu/api/orders/b3JkZXI',
      status: 403,
      body: undefined,
    }) as AuthError;
    expect(order.requiredScope).toBe('order.order:read');
  });

  it('masks secrets in the request body excerpt and the url', () => {
    const error = errorFromResponse({
      ...base,
      url: 'https://demo.api2.myshoprenter.hu/api/webHooks?access_token=abc',
      status: 400,
      body: undefined,
      requestBody: JSON.stringify({
        client_secret: 'hunter2',
        webHookParameters: [
          { url: 'https://hooks.example.com/hooks/demo/order_confirm/AbCdEfGhIjKlMnOpQrStUv' },
        ],
      }),
    });
    expect(error.url).toBe('https://demo.api2.myshoprenter.hu/api/webHooks?access_token=***');
    expect(error.requestBodyExcerpt).toBe(
      '{"client_secret":"***","webHookParameters":[{"url":"https://hooks.example.com/hooks/demo/order_confirm/***"}]}',
    );
    expect(JSON.stringify(error.toJSON())).not.toContain('hunter2');
  });

  it('mentions the attempts and what to do for 429 and 504', () => {
    const limited = errorFromResponse({
      ...base,
      status: 429,
      body: undefined,
      attempts: 5,
      retryAfterSeconds: 2,
    });
    expect(limited.message).toContain('after 5 attempts');
    expect(limited.message).toContain('rate limiter');
    expect((limited as RateLimitError).retryAfterSeconds).toBe(2);
    const tooBig = errorFromResponse({ ...base, status: 504, body: undefined });
    expect(tooBig.message).toContain('split it');
  });
});
