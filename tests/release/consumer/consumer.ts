/**
 * A user's app, written against the published @srhooks/client and @srhooks/contracts only: it
 * registers a webhook on a shop (the sandbox, at SANDBOX_URL) for its own HTTP endpoint, has the
 * shop place an order, verifies the delivery with handleDelivery, and prints one JSON line with
 * what it received. packed-install.test.ts copies it outside the repository, type-checks it under
 * `moduleResolution: node16` and `bundler`, and runs it.
 */
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import {
  buildDeliveryUrl,
  createShopRenterClient,
  type DeliveryResult,
  handleDelivery,
} from '@srhooks/client';
import { isOrderEvent, WEBHOOK_EVENTS, type WebhookEvent } from '@srhooks/contracts';

const sandboxUrl = process.env.SANDBOX_URL ?? 'http://127.0.0.1:8787';
const secret = 'consumer-secret-0123456789abcdef';
const event: WebhookEvent = 'order_confirm';
if (!WEBHOOK_EVENTS.includes(event)) throw new Error('order_confirm is not in WEBHOOK_EVENTS');

const received = new Promise<DeliveryResult>((resolve) => {
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => {
      const headers = new Headers();
      for (const [name, value] of Object.entries(req.headers)) {
        if (typeof value === 'string') headers.set(name, value);
      }
      const request = new Request(`http://${req.headers.host}${req.url}`, {
        method: req.method ?? 'GET',
        headers,
        body: Buffer.concat(chunks),
      });
      void handleDelivery(request, { secrets: [secret] }).then((result) => {
        res.statusCode = result.ok ? 200 : result.error.status;
        res.end();
        server.close();
        resolve(result);
      });
    });
  });
  server.listen(0, '127.0.0.1', () => void register((server.address() as AddressInfo).port));
});

async function register(port: number): Promise<void> {
  const shop = createShopRenterClient({
    shop: 'demo',
    auth: { clientId: 'sandbox-demo-client', clientSecret: 'sandbox-demo-secret' },
    apiUrl: `${sandboxUrl}/{shop}/api`,
    tokenUrl: `${sandboxUrl}/{shop}/app/token`,
  });
  const url = buildDeliveryUrl({ baseUrl: `http://127.0.0.1:${port}`, shop: 'demo', event, secret });
  const webhook = await shop.webhooks.create({ event, url });
  const placed = await fetch(`${sandboxUrl}/demo/_sandbox/orders`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ seed: 7 }),
  });
  if (placed.status !== 201) throw new Error(`the sandbox did not place an order: HTTP ${placed.status}`);
  process.stderr.write(`registered webhook ${webhook.id} for ${webhook.event}\n`);
}

const result = await received;
if (!result.ok) {
  process.stdout.write(`${JSON.stringify({ ok: false, error: result.error.message })}\n`);
  process.exitCode = 1;
} else {
  const { delivery } = result;
  const orders = isOrderEvent(delivery.event) && 'orders' in delivery ? delivery.orders : [];
  process.stdout.write(
    `${JSON.stringify({ ok: true, shop: result.shop, event: result.event, orders: orders.map((order) => order.innerId) })}\n`,
  );
}
