import { DEMO_CLIENT, type RunningSandbox, type SandboxOptions, startSandbox } from '../index.js';

export interface ApiAnswer {
  status: number;
  headers: Headers;
  text: string;
  // biome-ignore lint/suspicious/noExplicitAny: tests read answers loosely and assert values
  json: () => any;
}

export interface RequestOptions {
  shop?: string;
  token?: string | null;
  body?: unknown;
  rawBody?: string;
  contentType?: string | null;
  accept?: string | null;
  headers?: Record<string, string>;
}

export interface TestSandbox extends RunningSandbox {
  /** A fresh access token for the shop's client (DEMO_CLIENT by default). */
  token(shop?: string, client?: { clientId: string; clientSecret: string }): Promise<string>;
  /** Calls `/{shop}/api{path}` with JSON by default and a fresh token unless `token` is given. */
  api(method: string, path: string, options?: RequestOptions): Promise<ApiAnswer>;
  /** Any sandbox URL (admin routes, token endpoint). */
  call(method: string, path: string, options?: RequestOptions): Promise<ApiAnswer>;
}

async function answer(response: Response): Promise<ApiAnswer> {
  const text = await response.text();
  return { status: response.status, headers: response.headers, text, json: () => JSON.parse(text) };
}

/** Starts a sandbox on 127.0.0.1:0 for a test; the rate limit is off unless the options set one. */
export async function startTestSandbox(options: SandboxOptions = {}): Promise<TestSandbox> {
  const running = await startSandbox({ rateLimit: false, ...options });
  const call = async (method: string, path: string, o: RequestOptions = {}): Promise<ApiAnswer> => {
    const headers: Record<string, string> = { ...o.headers };
    if (o.accept !== null) headers.accept = o.accept ?? 'application/json';
    if (o.token) headers.authorization = `Bearer ${o.token}`;
    let body: string | undefined;
    if (o.rawBody !== undefined) body = o.rawBody;
    else if (o.body !== undefined) body = JSON.stringify(o.body);
    if (body !== undefined && o.contentType !== null)
      headers['content-type'] = o.contentType ?? 'application/json';
    return answer(
      await fetch(`${running.url}${path}`, { method, headers, ...(body === undefined ? {} : { body }) }),
    );
  };
  const token = async (shop = 'demo', client = DEMO_CLIENT) => {
    const res = await call('POST', `/${shop}/app/token`, {
      body: {
        grant_type: 'client_credentials',
        client_id: client.clientId,
        client_secret: client.clientSecret,
      },
    });
    if (res.status !== 200) throw new Error(`token request failed: ${res.status} ${res.text}`);
    return res.json().access_token as string;
  };
  const tokens = new Map<string, string>();
  const api = async (method: string, path: string, o: RequestOptions = {}) => {
    const shop = o.shop ?? 'demo';
    let useToken = o.token;
    if (useToken === undefined) {
      useToken = tokens.get(shop) ?? (await token(shop));
      tokens.set(shop, useToken);
    }
    return call(method, `/${shop}/api${path}`, { ...o, token: useToken });
  };
  return Object.assign(running, { token, api, call });
}

/** A valid webHooks POST body for `url`. */
export function webhookBody(url: string, overrides: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    event: 'order_confirm',
    status: '1',
    label: 'test webhook',
    webHookParameters: [{ type: 'json', url }],
    ...overrides,
  };
}

/**
 * A sandbox with shop `demo` and one API client that holds only the webhook scopes; every `sandbox.api`
 * call uses that client's token unless it names another.
 */
export async function startWebhookScopedSandbox(): Promise<{
  sandbox: TestSandbox;
  apiBase: string;
  token: string;
}> {
  const client = {
    clientId: 'c',
    clientSecret: 's',
    scopes: ['store.webhook:read', 'store.webhook:write'],
  };
  const sandbox = await startTestSandbox({ shops: [{ name: 'demo', clients: [client] }] });
  const token = await sandbox.token('demo', client);
  const api = sandbox.api;
  sandbox.api = (method, path, options = {}) => api(method, path, { token, ...options });
  return { sandbox, apiBase: `${sandbox.url}/demo/api`, token };
}
