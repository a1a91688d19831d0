/**
 * withFailureAdvice against the sandbox over real HTTP: a client whose token lacks scopes, or whose
 * secret is refused, fails with the advice's words wherever the failure reaches the caller — a rejected
 * call, an error while iterating pages, the errors inside batch results and a sync report — and the error
 * keeps its class, code and fields. Other failures, and everything that succeeds, pass unchanged.
 */
import {
  AuthError,
  createShopRenterClient,
  NotFoundError,
  type ShopRenterClient,
  TokenError,
} from '@srhooks/client';
import { DEMO_CLIENT, type RunningSandbox, startSandbox } from '@srhooks/sandbox';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type FailureAdvice, withFailureAdvice } from './advised-client.js';

let sandbox: RunningSandbox;
const NARROW = { clientId: 'narrow-client', clientSecret: 'narrow-secret', scopes: ['store.webhook:read'] };

beforeAll(async () => {
  sandbox = await startSandbox({
    rateLimit: false,
    shops: [
      { name: 'demo', clients: [DEMO_CLIENT] },
      { name: 'narrow', clients: [NARROW] },
    ],
  });
});
afterAll(async () => {
  await sandbox?.close();
});

function client(shop: string, auth: { clientId: string; clientSecret: string }): ShopRenterClient {
  return createShopRenterClient({
    shop,
    auth,
    apiUrl: sandbox.apiUrlTemplate,
    tokenUrl: sandbox.tokenUrlTemplate,
    retry: { maxAttempts: 1 },
  });
}

/** Advice that says which failure it was given, and remembers each. */
function recordingAdvice(): { advice: FailureAdvice; given: Array<TokenError | AuthError> } {
  const given: Array<TokenError | AuthError> = [];
  return {
    given,
    advice: (error) => {
      given.push(error);
      return `advised: ${error.code}${error instanceof AuthError && error.requiredScope ? ` ${error.requiredScope}` : ''}`;
    },
  };
}

async function rejection(promise: Promise<unknown>): Promise<unknown> {
  return promise.then(
    () => {
      throw new Error('expected the call to fail');
    },
    (error: unknown) => error,
  );
}

describe('withFailureAdvice', () => {
  it('words a rejected call, keeping class, code, fields and the stack', async () => {
    const { advice } = recordingAdvice();
    const advised = withFailureAdvice(client('narrow', NARROW), advice);
    const error = await rejection(advised.orders.search({}));
    expect(error).toBeInstanceOf(AuthError);
    expect(error).toMatchObject({
      code: 'forbidden',
      requiredScope: 'order.order:read',
      message: 'advised: forbidden order.order:read',
    });
    expect((error as Error).stack?.split('\n')[0]).toBe('AuthError: advised: forbidden order.order:read');
    expect((error as Error).stack).not.toContain('API Settings');
  });

  it('words a refused token', async () => {
    const { advice } = recordingAdvice();
    const advised = withFailureAdvice(client('narrow', { ...NARROW, clientSecret: 'wrong' }), advice);
    const error = await rejection(advised.webhooks.all());
    expect(error).toBeInstanceOf(TokenError);
    expect(error).toMatchObject({ code: 'invalid_client', status: 401, message: 'advised: invalid_client' });
  });

  it('words an error thrown while iterating pages', async () => {
    const { advice } = recordingAdvice();
    const advised = withFailureAdvice(client('narrow', NARROW), advice);
    const pages = advised.orders.iterateSearch({});
    const error = await rejection(
      (async () => {
        for await (const _page of pages) {
          // the first page already fails
        }
      })(),
    );
    expect(error).toMatchObject({ message: 'advised: forbidden order.order:read' });
  });

  it('words the errors inside batch results and a sync report', async () => {
    const { advice } = recordingAdvice();
    const advised = withFailureAdvice(client('narrow', NARROW), advice);
    const results = await advised.batch([{ method: 'GET', uri: 'orders' }]);
    expect(results[0]?.ok).toBe(false);
    expect(results[0]?.error).toBeInstanceOf(AuthError);
    expect(results[0]?.error?.message).toMatch(/^advised: /);

    const report = await advised.sync([{ event: 'order_confirm', url: 'https://example.com/hooks/order' }]);
    const failed = report.steps.filter((step) => step.error);
    expect(failed.length).toBeGreaterThan(0);
    for (const step of failed) expect(step.error?.message).toMatch(/^advised: /);
  });

  it('leaves other failures and successful calls alone, and keeps the client one object per part', async () => {
    const { advice, given } = recordingAdvice();
    const plain = client('demo', DEMO_CLIENT);
    const advised = withFailureAdvice(plain, advice);
    expect(advised.shop).toBe('demo');
    expect(advised.apiUrl).toBe(plain.apiUrl);
    expect(advised.orders).toBe(advised.orders);
    const missing = await rejection(advised.webhooks.get('bm9zdWNoaG9vaw'));
    expect(missing).toBeInstanceOf(NotFoundError);
    expect((missing as Error).message).not.toMatch(/^advised/);
    expect((await advised.webhooks.all()).length).toBeGreaterThanOrEqual(0);
    expect(given).toEqual([]);
  });

  it('keeps the client’s words where the advice gives none (null)', async () => {
    const advised = withFailureAdvice(client('narrow', NARROW), () => null);
    const error = await rejection(advised.orders.search({}));
    expect((error as Error).message).toContain('Settings > API Settings');
  });
});
