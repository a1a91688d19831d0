const SECRET_KEY = /secret|password|token|authorization|api[-_]?key/i;
/** `/hooks/{shop}/{event}/{token}`: the token in a receiver URL is a secret too. */
const DELIVERY_TOKEN = /(\/hooks\/[^/"\s\\]+\/[^/"\s\\]+\/)[A-Za-z0-9_-]{8,}/g;
const MAX_EXCERPT = 500;

/** Masks secret-looking values in a JSON value (keys) and in strings (receiver URL tokens). */
export function redactSecrets(value: unknown): unknown {
  if (typeof value === 'string') return value.replace(DELIVERY_TOKEN, '$1***');
  if (Array.isArray(value)) return value.map(redactSecrets);
  if (value && typeof value === 'object') {
    const out: Record<string, unknown> = {};
    for (const [key, inner] of Object.entries(value)) {
      out[key] = SECRET_KEY.test(key) && inner !== null && inner !== undefined ? '***' : redactSecrets(inner);
    }
    return out;
  }
  return value;
}

/** The first 500 characters of a request body, with secrets masked, for error reports. */
export function requestBodyExcerpt(body: unknown): string | undefined {
  if (body === undefined || body === null || body === '') return undefined;
  let value = body;
  if (typeof body === 'string') {
    try {
      value = JSON.parse(body);
    } catch {
      value = body;
    }
  }
  const text =
    typeof value === 'string' ? (redactSecrets(value) as string) : JSON.stringify(redactSecrets(value));
  return text.length > MAX_EXCERPT ? `${text.slice(0, MAX_EXCERPT)}…` : text;
}
