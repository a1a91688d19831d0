import { describe, expect, it } from 'vitest';
import { readFixtureJson } from '../test-support/shoprenter-fixtures.js';
import {
  ApiErrorBodySchema,
  INNER_ERROR_CODES,
  innerErrorText,
  isDocumentedErrorText,
  isInnerErrorCode,
  resourceNotMatchedText,
  STATUS_TEXTS,
} from './api-error.js';
import {
  BATCH_MAX_BODY_BYTES,
  BATCH_RECOMMENDED_REQUESTS,
  BatchRequestSchema,
  BatchResponseSchema,
} from './batch.js';
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

  it('batch: more than the recommended 200 inner requests is still a valid body (32 MB is the hard limit)', () => {
    const requests = Array.from({ length: BATCH_RECOMMENDED_REQUESTS + 1 }, (_, i) => ({
      method: 'GET' as const,
      uri: `https://x/api/webHooks/${i}`,
    }));
    expect(BatchRequestSchema.parse({ data: { requests } }).data.requests).toHaveLength(201);
    expect(BATCH_MAX_BODY_BYTES).toBe(32 * 1024 * 1024);
  });

  it('knows every documented inner error code with its status and documented texts', () => {
    expect(isInnerErrorCode(40008)).toBe(true);
    expect(isInnerErrorCode(40009)).toBe(true);
    expect(isInnerErrorCode(40019)).toBe(false);
    expect(Object.keys(INNER_ERROR_CODES)).toHaveLength(28);
    expect(INNER_ERROR_CODES[40401]).toEqual({ status: 404, texts: ['Resource not found! {resource}'] });
    expect(INNER_ERROR_CODES[40033].status).toBe(404);
    expect(INNER_ERROR_CODES[40101].texts[0]).toBe('You have no permission for this operation!');
    expect(innerErrorText(40001)).toBe('Data parameter not found in POST/PUT!');
    expect(innerErrorText(40005, { parameter: 'id' }, 3)).toBe(
      'The id parameter is an already exist OuterID.',
    );
    expect(innerErrorText(40007, { id: 'my-hook' }, 1)).toBe('The given OuterId is not exist: my-hook!');
    expect(innerErrorText(40008, { page: 3 })).toBe(
      'Page not found! This Resource minimum page is 0 and maximum page is 3',
    );
    expect(() => innerErrorText(40001, {}, 1)).toThrow(RangeError);
    expect(isDocumentedErrorText(40003, 'The following fields are required: label, event!')).toBe(true);
    expect(isDocumentedErrorText(40003, 'Required field(s) missing: label')).toBe(false);
    expect(isDocumentedErrorText(40019, 'anything')).toBe(false);
    expect(resourceNotMatchedText('/category/Y2F0')).toBe('Resource matching URI "/category/Y2F0" not found');
    expect(STATUS_TEXTS[429]).toBe('Too Many Requests');
    // The documented body is message-only; the inner code is optional.
    expect(
      ApiErrorBodySchema.parse({ message: 'Resource matching URI "/x" not found' }).error,
    ).toBeUndefined();
    expect(
      ApiErrorBodySchema.parse({ error: 40005, message: 'enum type, check accepted values' }).error,
    ).toBe(40005);
  });
});
