import type { FastifyReply } from 'fastify';
import { toXmlResponse } from './xml-writer.js';

/** The API answers XML unless the request sends `Accept: application/json` (FACTS.md §2). */
export function wantsJson(accept: string | undefined): boolean {
  return typeof accept === 'string' && /application\/(?:[\w.+-]*\+)?json/i.test(accept);
}

/**
 * Is this URL one of the emulated API routes, API2 (`/{shop}/api`) or the legacy API
 * (`/{shop}/legacy-api`), where errors are negotiated JSON/XML and carry ShopRenter's own text?
 */
export function isApiUrl(url: string): boolean {
  return /^\/[^/?#]+\/(?:legacy-)?api(?:[/?#]|$)/.test(url);
}

export function sendApiBody(reply: FastifyReply, status: number, body: unknown, json: boolean): FastifyReply {
  reply.code(status);
  if (status === 204 || body === undefined) return reply.send();
  if (json) return reply.type('application/json; charset=utf-8').send(JSON.stringify(body));
  return reply.type('application/xml; charset=utf-8').send(toXmlResponse(body));
}
