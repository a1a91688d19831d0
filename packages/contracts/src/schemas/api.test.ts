import { describe, expect, it } from 'vitest';
import { readFixtureJson } from '../test-support/shoprenter-fixtures.js';
import { ApiErrorBodySchema, INNER_ERROR_CODES, isInnerErrorCode } from './api-error.js';
import { BatchRequestSchema, BatchResponseSchema } from './batch.js';
import { OrderSchema, orderIdFor, orderIdFromResourcePath } from './order.js';
import { TokenErrorBodySchema, TokenRequestSchema, TokenResponseSchema } from './token.js';

describe('order, token, batch and error schemas', () => {
  it('parses GET /orders/{id} and keeps every other field', () => {
    const order = OrderSchema.parse(readFixtureJson('api/order/response_json_get_id.json'));
    expect(order.id).toBe('b3JkZXItb3JkZXJfaWQ9MTcy');
    expect(order.innerId).toBe('172');
    expect(order.total).toBe(3990);
    expect(order.externalInfo).toEqual({ partner_order_id: '12345', partner_prefix: 'EMAG' });
    expect(orderIdFor(172)).toBe('b3JkZXItb3JkZXJfaWQ9MTcy');
  });

  it.each([
    ['orders/b3JkZXItb3JkZXJfaWQ9MTkw', 'b3JkZXItb3JkZXJfaWQ9MTkw'],
    ['/orders/b3JkZXItb3JkZXJfaWQ9MTkw', 'b3JkZXItb3JkZXJfaWQ9MTkw'],
    ['https://demo.api2.myshoprenter.hu/api/orders/b3JkZXItb3JkZXJfaWQ9MTkw', 'b3JkZXItb3JkZXJfaWQ9MTkw'],
    ['b3JkZXItb3JkZXJfaWQ9MTkw', 'b3JkZXItb3JkZXJfaWQ9MTkw'],
  ])('orderIdFromResourcePath(%s)', (input, expected) => {
    expect(orderIdFromResourcePath(input)).toBe(expected);
  });

  it('validates the token request and both answers', () => {
    expect(() =>
      TokenRequestSchema.parse({ grant_type: 'client_credentials', client_id: '', client_secret: 's' }),
    ).toThrow(/client_id is required/);
    expect(
      TokenResponseSchema.parse({ token_type: 'Bearer', expires_in: 3600, access_token: 'a.b.c' }).expires_in,
    ).toBe(3600);
    expect(
      TokenErrorBodySchema.parse({
        error: 'invalid_request',
        error_description: 'The request is missing a required parameter',
        hint: 'Check the `client_id` parameter',
        message: 'The request is missing a required parameter',
      }).hint,
    ).toBe('Check the `client_id` parameter');
  });

  it('checks batch envelopes and reads inner status codes', () => {
    expect(() => BatchRequestSchema.parse({ data: { requests: [] } })).toThrow();
    const tooMany = Array.from({ length: 201 }, () => ({ method: 'GET', uri: 'https://x/api/webHooks' }));
    expect(BatchRequestSchema.safeParse({ data: { requests: tooMany } }).success).toBe(false);
    const answer = BatchResponseSchema.parse({
      requests: {
        request: [
          {
            method: 'POST',
            uri: 'https://x/api/webHooks',
            response: { header: { statusCode: 201 }, body: {} },
          },
          {
            method: 'DELETE',
            uri: 'https://x/api/webHooks/a',
            response: { header: { statusCode: '404' }, body: null },
          },
        ],
      },
    });
    expect(answer.requests.request.map((r) => r.response.header.statusCode)).toEqual([201, 404]);
  });

  it('knows the documented inner error codes', () => {
    expect(isInnerErrorCode(40008)).toBe(true);
    expect(isInnerErrorCode(40009)).toBe(false);
    expect(INNER_ERROR_CODES[40401]).toBe('resource not found');
    expect(
      ApiErrorBodySchema.parse({ error: 40005, message: 'enum type, check accepted values' }).error,
    ).toBe(40005);
  });
});
