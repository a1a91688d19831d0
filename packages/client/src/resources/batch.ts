import {
  BATCH_METHODS,
  BATCH_RECOMMENDED_REQUESTS,
  BatchResponseSchema,
} from '@srhooks/contracts/schemas/batch';
import { errorFromResponse } from '../error-from-response.js';
import { InputError, ShopRenterApiError } from '../errors.js';
import { parseBody, unwrap } from '../http/api-call.js';
import { callOptionWords, checkOptionKeys, optionKeys } from '../option-checks.js';
import type { ResourceContext } from './context.js';

export type BatchMethod = (typeof BATCH_METHODS)[number];

export interface BatchRequestInput {
  method: BatchMethod;
  /** Resource path relative to the API base (`webHooks/abc`) or the absolute URL under it. */
  uri: string;
  /** Body of a POST/PUT. */
  data?: unknown;
  /**
   * The href an id was given as, with the shop it names (`webhookRequests` sets it): a client of
   * another shop refuses the request. Not sent.
   */
  href?: { value: string; shop: string };
}

/** The outcome of one inner request, in the order the requests were given. */
export interface BatchResult {
  index: number;
  method: BatchMethod;
  uri: string;
  status: number;
  ok: boolean;
  body: unknown;
  /** The typed error when `ok` is false (the outer 200 says nothing about inner requests). */
  error: ShopRenterApiError | undefined;
}

export interface BatchOptions {
  /**
   * Inner requests per call, at most 200: the documentation's recommendation (FACTS.md §2; the
   * API's hard limit is the 32 MB body, but srhooks keeps to the recommendation).
   */
  chunkSize?: number;
  /** Called after each chunk with the results so far. */
  onChunk?: (done: number, total: number) => void;
  /** Aborts the call: the chunk in flight and the ones not sent yet (see CallOptions). */
  signal?: AbortSignal;
}

export type BatchFunction = (
  requests: readonly BatchRequestInput[],
  options?: BatchOptions,
) => Promise<BatchResult[]>;

/**
 * `POST /batch`: chunks to at most 200 inner requests, sends chunks one after another (never in
 * parallel, FACTS.md §2) and reports every inner request with its own status.
 */
const BATCH_OPTION_KEYS = optionKeys<BatchOptions>()(['chunkSize', 'onChunk', 'signal']);

export function createBatch({ api, apiBase, shop }: ResourceContext): BatchFunction {
  return async (requests, options = {}) => {
    checkOptionKeys(options, BATCH_OPTION_KEYS, 'options', callOptionWords('batch()'));
    const chunkSize = options.chunkSize ?? BATCH_RECOMMENDED_REQUESTS;
    if (!Number.isInteger(chunkSize) || chunkSize < 1 || chunkSize > BATCH_RECOMMENDED_REQUESTS) {
      throw new InputError(
        `chunkSize must be a whole number from 1 to ${BATCH_RECOMMENDED_REQUESTS} (the documentation's recommended batch size), got ${JSON.stringify(chunkSize)}`,
        {
          field: 'chunkSize',
          value: chunkSize,
        },
      );
    }
    if (!Array.isArray(requests)) {
      throw new InputError('batch() takes a list of {method, uri, data?} requests', {
        field: 'requests',
        value: requests,
      });
    }
    const inner = requests.map((request, index) => toInnerRequest(request, index, apiBase, shop));
    const url = `${apiBase}/batch`;
    const results: BatchResult[] = [];
    for (let start = 0; start < inner.length; start += chunkSize) {
      const chunk = inner.slice(start, start + chunkSize);
      const body = { data: { requests: chunk } };
      const result = await api.POST('/batch', {
        body: body as never,
        ...(options.signal ? { signal: options.signal } : {}),
      });
      const data = unwrap(result, { method: 'POST', url, requestBody: body });
      const parsed = parseBody(BatchResponseSchema, data, {
        method: 'POST',
        url,
        status: result.response.status,
      });
      const answers = parsed.requests.request;
      if (answers.length !== chunk.length) {
        throw new ShopRenterApiError(
          'unexpected_response',
          `POST ${url} answered ${answers.length} results for ${chunk.length} requests: the outcome of this batch is unknown; list the resources to see what changed`,
          {
            status: result.response.status,
            innerCode: undefined,
            method: 'POST',
            url,
            requestBodyExcerpt: undefined,
            serverMessage: undefined,
          },
        );
      }
      chunk.forEach((request, offset) => {
        const answer = answers[offset];
        const status = answer?.response.header.statusCode ?? 0;
        const ok = status >= 200 && status < 300;
        const responseBody = answer?.response.body;
        results.push({
          index: start + offset,
          method: request.method,
          uri: request.uri,
          status,
          ok,
          body: responseBody,
          error: ok
            ? undefined
            : errorFromResponse({
                status,
                body: responseBody,
                method: request.method,
                url: request.uri,
                requestBody: request.data,
              }),
        });
      });
      options.onChunk?.(results.length, inner.length);
    }
    return results;
  };
}

function toInnerRequest(
  request: BatchRequestInput,
  index: number,
  apiBase: string,
  shop: string | undefined,
): BatchRequestInput {
  const where = `requests[${index}]`;
  if (!request || typeof request !== 'object') {
    throw new InputError(`${where} must be {method, uri, data?}`, { field: where, value: request });
  }
  const href = request.href;
  if (href !== undefined && shop !== undefined && href.shop !== shop) {
    // Ids are numbered per shop: the same id here would be another webhook of this client's shop.
    throw new InputError(
      `${where}: ${JSON.stringify(href.value)} is an href of shop "${href.shop}", but this client is for shop "${shop}": use that shop's client`,
      { field: `${where}.uri`, value: href.value },
    );
  }
  if (!(BATCH_METHODS as readonly string[]).includes(request.method)) {
    throw new InputError(
      `${where}.method ${JSON.stringify(request.method)} is not accepted; allowed: ${BATCH_METHODS.join(', ')}`,
      {
        field: `${where}.method`,
        value: request.method,
        allowed: BATCH_METHODS,
      },
    );
  }
  if (typeof request.uri !== 'string' || request.uri.trim() === '') {
    throw new InputError(`${where}.uri is required: a path such as webHooks/<id>`, {
      field: `${where}.uri`,
      value: request.uri,
    });
  }
  let uri = request.uri.trim();
  if (/^https?:\/\//i.test(uri)) {
    if (uri !== apiBase && !uri.startsWith(`${apiBase}/`)) {
      throw new InputError(
        `${where}.uri ${JSON.stringify(uri)} is not under this client's API base ${apiBase}`,
        {
          field: `${where}.uri`,
          value: uri,
        },
      );
    }
  } else {
    uri = `${apiBase}/${uri.replace(/^\/+/, '')}`;
  }
  return { method: request.method, uri, ...(request.data === undefined ? {} : { data: request.data }) };
}
