import { isXmlContentType } from '../http/xml-content-type.js';
import type { FetchMiddleware } from './types.js';

/**
 * ShopRenter answers XML unless asked for JSON (FACTS.md §2). We always ask for JSON, but if a
 * server answers XML anyway, its body is converted here so the rest of the client sees JSON.
 * An XML body that cannot be read is passed through as text (error reporting still sees it).
 * The XML reader (contracts' codec and its XML parser) is loaded only when an XML answer comes.
 */
export function xmlToJsonMiddleware(): FetchMiddleware {
  return (next) => async (request) => {
    const response = await next(request);
    if (!isXmlContentType(response.headers.get('content-type'))) return response;
    const { xmlResponseToJson } = await import('../http/xml-response.js');
    const text = await response.text();
    let json: string;
    try {
      json = text.trim() === '' ? '' : JSON.stringify(xmlResponseToJson(text));
    } catch {
      return rebuild(response, text, response.headers.get('content-type') ?? 'text/plain');
    }
    return rebuild(response, json, 'application/json; charset=utf-8');
  };
}

function rebuild(response: Response, body: string, contentType: string): Response {
  const headers = new Headers(response.headers);
  headers.set('content-type', contentType);
  headers.delete('content-length');
  headers.delete('content-encoding');
  headers.set('x-srhooks-converted-from', 'xml');
  const nullBody = response.status === 204 || response.status === 304 || body === '';
  return new Response(nullBody ? null : body, {
    status: response.status,
    statusText: response.statusText,
    headers,
  });
}
