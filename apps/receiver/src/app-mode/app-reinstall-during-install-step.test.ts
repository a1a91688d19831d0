/**
 * The owner uninstalls and installs the app again while the first install's step waits for the shop API's
 * answers to its subscription calls, which the shop has already carried out. ShopRenter drops the app's
 * subscriptions on uninstall (assumed, A29: the sandbox does), so what the first step registered is gone. The
 * first step must not record its outcome then: the second install call's step — which, holding the lock after
 * it, does nothing when it finds the step no longer due (`onlyIfDueAt`: the shop's API calls are not repeated
 * when another holder ran the step first) — runs and records subscriptions that are on the shop. With that
 * skip and without this, the shop was recorded installed with subscriptions ShopRenter had deleted (none on
 * the shop: its events never arrived); before the skip, the second step repeated every call and so
 * registered them again.
 * Against the sandbox over real HTTP, its API behind a proxy that holds the answers to subscription creates.
 */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  APP_ID,
  type AppModeFixture,
  eventually,
  freePort,
  startAppModeFixture,
} from './test-support/app-mode-fixture.js';
import { shopRow } from './test-support/shop-rows.js';

/** How long the proxy holds the sandbox's answer to the subscription creates (carried out already). */
const HOLD_MS = 3000;

/** Forwards `/{shop}/api/…` to the sandbox; the answers to POSTs (the creates' batch) come `HOLD_MS` late. */
function slowAnswersProxy(target: () => string) {
  let held = 0;
  const server: Server = createServer(async (request, response) => {
    const chunks: Buffer[] = [];
    for await (const chunk of request) chunks.push(chunk as Buffer);
    const headers = new Headers();
    for (const [name, value] of Object.entries(request.headers))
      if (typeof value === 'string' && !['host', 'connection', 'content-length'].includes(name))
        headers.set(name, value);
    const upstream = await fetch(`${target()}${request.url}`, {
      method: request.method ?? 'GET',
      headers,
      ...(chunks.length > 0 ? { body: Buffer.concat(chunks) } : {}),
    });
    const body = Buffer.from(await upstream.arrayBuffer());
    if (request.method === 'POST') {
      held += 1;
      await new Promise((resolve) => setTimeout(resolve, HOLD_MS));
    }
    const answer: Record<string, string> = {};
    upstream.headers.forEach((value, name) => {
      if (!['content-encoding', 'content-length', 'transfer-encoding', 'connection'].includes(name))
        answer[name] = value;
    });
    response.writeHead(upstream.status, answer).end(body);
  });
  return {
    held: () => held,
    async start(port: number): Promise<void> {
      await new Promise<void>((resolve) => server.listen(port, '127.0.0.1', resolve));
    },
    url: () => `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

describe('app mode: the app installed again while the first install step waits for the shop API', () => {
  let f: AppModeFixture;
  const proxy = slowAnswersProxy(() => f.sandbox.url);
  beforeAll(async () => {
    const port = await freePort();
    await proxy.start(port);
    f = await startAppModeFixture({
      shops: ['alpha'],
      app: { installWaitSeconds: 0.2, apiUrl: `http://127.0.0.1:${port}/{shop}/api` },
    });
  });
  afterAll(async () => {
    await f?.close();
    await proxy.close();
  });

  it("records the second install's subscriptions, which are on the shop", async () => {
    const hooks = () => f.sandbox.sandbox.findShop('alpha')?.data.webhooks ?? [];
    expect((await f.sandbox.apps.install(APP_ID, 'alpha')).install.status).toBe(302);
    // The shop created the first step's subscriptions; their answers are held.
    await eventually(async () => (hooks().length === 2 ? true : undefined), 20_000);
    expect((await f.sandbox.apps.uninstall(APP_ID, 'alpha')).uninstall.status).toBe(200);
    expect(hooks()).toEqual([]);
    expect((await f.sandbox.apps.install(APP_ID, 'alpha')).install.status).toBe(302);

    // Both steps end; what the receiver records is what the shop has.
    const row = await eventually(async () => {
      const current = await shopRow(f.baseUrl, 'alpha');
      const onShop = hooks()
        .map((hook) => hook.id)
        .sort();
      const recorded = (current?.subscriptions ?? []).map((subscription) => subscription.id).sort();
      return current?.status === 'installed' &&
        proxy.held() === 2 &&
        JSON.stringify(recorded) === JSON.stringify(onShop)
        ? current
        : undefined;
    }, 30_000).catch(async (error: unknown) => {
      throw new Error(
        `${String(error)}: recorded ${JSON.stringify((await shopRow(f.baseUrl, 'alpha'))?.subscriptions)}, on the shop ${JSON.stringify(hooks().map((hook) => hook.id))}, ${proxy.held()} creates`,
      );
    });
    expect(row.subscriptions.map((subscription) => subscription.event).sort()).toEqual([
      'order_confirm',
      'order_status_change',
    ]);
    const lines = f.logLines.map((line) => JSON.parse(line) as { msg: string; shop?: string });
    expect(lines.some((line) => line.msg.startsWith('app install step ended unrecorded'))).toBe(true);
  }, 90_000);
});
