import { readFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestSandbox, type TestSandbox, webhookBody } from '../test-support/test-sandbox.js';

/**
 * The scope each served resource and method needs, as ShopRenter documents it: sr-api-docs
 * `fixtures/scopes/scopes.json` (the `ResourceScopes` table of each `api/*.md` page), copied to
 * `packages/contracts/fixtures/shoprenter/api/scopes.json` (SOURCES.md). Over real HTTP: a token
 * with exactly that scope gets through, a token with every other scope is answered 401/40101.
 */
const documented = JSON.parse(
  readFileSync(
    new URL('../../../../packages/contracts/fixtures/shoprenter/api/scopes.json', import.meta.url),
    'utf8',
  ),
) as Record<string, { endpoint: string; methods: Record<string, string> }>;

/** The documentation's resource key → the path the API (and the sandbox) serves it at. */
const PATHS: Record<string, string> = {
  webhook: '/webHooks', // the scope table writes `webhooks`; the resource's own page `/webHooks`
  order: '/orders',
  order_history: '/orderHistories',
  newsletter_subscriber: '/newsletterSubscribers',
};

/** What the sandbox serves of each resource (it reads orders, histories and subscribers only). */
const SERVED: Array<[resource: string, method: string]> = [
  ['webhook', 'GET'],
  ['webhook', 'POST'],
  ['webhook', 'PUT'],
  ['webhook', 'DELETE'],
  ['order', 'GET'],
  ['order_history', 'GET'],
  ['newsletter_subscriber', 'GET'],
];

const allScopes = [...new Set(Object.values(documented).flatMap((r) => Object.values(r.methods)))].sort();

function scopeOf(resource: string, method: string): string {
  const scope = documented[resource]?.methods[method];
  if (!scope) throw new Error(`no documented scope for ${method} ${resource}`);
  return scope;
}

describe('each served resource needs the scope ShopRenter documents (fixtures/scopes/scopes.json)', () => {
  let sb: TestSandbox;
  const client = (id: string, scopes: string[]) => ({ clientId: id, clientSecret: `${id}-secret`, scopes });

  beforeAll(async () => {
    const clients = [client('all', allScopes)];
    for (const [resource, method] of SERVED) {
      const scope = scopeOf(resource, method);
      clients.push(client(`only-${scope}`, [scope]));
      clients.push(
        client(
          `without-${scope}`,
          allScopes.filter((s) => s !== scope),
        ),
      );
    }
    sb = await startTestSandbox({ shops: [{ name: 'demo', clients }] });
  });
  afterAll(async () => {
    await sb.close();
  });

  const call = async (clientId: string, resource: string, method: string) => {
    const token = await sb.token('demo', { clientId, clientSecret: `${clientId}-secret` });
    const path = PATHS[resource] as string;
    if (method === 'POST')
      return sb.api('POST', path, { token, body: webhookBody('https://hooks.example.com/s') });
    if (method === 'GET') return sb.api('GET', path, { token });
    // PUT/DELETE on an id that names nothing: 404 once the scope check passed.
    return sb.api(method, `${path}/d2ViSG9vay1ub3RpZmljYXRpb25faWQ9OTk5OQ==`, {
      token,
      ...(method === 'PUT' ? { body: { label: 'x' } } : {}),
    });
  };

  it.each(SERVED)('%s %s: the documented scope alone is enough', async (resource, method) => {
    const answer = await call(`only-${scopeOf(resource, method)}`, resource, method);
    expect(answer.status, answer.text).not.toBe(401);
    expect(answer.status).toBeLessThan(500);
  });

  it.each(SERVED)('%s %s: every other scope is not', async (resource, method) => {
    const scope = scopeOf(resource, method);
    const answer = await call(`without-${scope}`, resource, method);
    expect(answer.status).toBe(401);
    expect(answer.json()).toEqual({ error: 40101, message: 'You have no permission for this operation!' });
    expect(answer.headers.get('x-sandbox-hint')).toContain(`'${scope}'`);
  });

  it('grants the demo client every scope srhooks reads and writes with', async () => {
    const { DEMO_CLIENT } = await import('../index.js');
    for (const [resource, method] of SERVED) expect(DEMO_CLIENT.scopes).toContain(scopeOf(resource, method));
  });
});
