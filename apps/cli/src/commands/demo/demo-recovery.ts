/**
 * The demo's recovery step: what `Nothing lost` means when the receiver itself was down. The receiver
 * stops; the shop places an order, whose delivery fails (ShopRenter does not resend it); the receiver
 * starts again on the same database and port, and its start-up recovery pass reads the order back
 * from the shop's API and stores it with `source: "recovery"` (the inspector's `recovery` badge).
 */
import { formatDuration } from '@srhooks/contracts/duration';
import type { OrderSimulator } from '@srhooks/sandbox';
import type { DemoReceiver } from './demo-services.js';

export interface DemoRecovery {
  /** The order placed while the receiver was down. */
  orderNumber: string;
  /** What the shop's delivery attempt did (`failed`: the receiver was down). */
  delivery: string;
  /** The recovered event as the receiver stored it. */
  eventId: string;
  source: 'webhook' | 'recovery';
  /** Handler outcome of the recovered event (`succeeded` once its handlers ran). */
  status: string;
  /** The inspector filtered to recovered events. */
  inspector: string;
  recoveredMs: number;
}

export interface DemoRecoveryOptions {
  simulator: OrderSimulator;
  shop: string;
  receiver: DemoReceiver;
  /** Starts the receiver again (same port, same database) and returns it. */
  restart: () => Promise<DemoReceiver>;
  timeoutMs: number;
  signal: AbortSignal;
}

export async function demonstrateRecovery(
  options: DemoRecoveryOptions,
): Promise<{ recovery: DemoRecovery; receiver: DemoReceiver }> {
  const { simulator, shop } = options;
  await options.receiver.close();
  const { order, deliveries } = await simulator.placeOrder(shop);
  await simulator.waitForIdle();
  const orderNumber = order.innerId ?? '';
  const attempt = simulator
    .deliveries(shop)
    .find((d) => deliveries.some((scheduled) => scheduled.id === d.id));
  const started = performance.now();
  const receiver = await options.restart();
  const deadline = Date.now() + options.timeoutMs;
  for (;;) {
    options.signal.throwIfAborted();
    const page = await receiver.app.store.listEvents({ shop, source: 'recovery', q: orderNumber, limit: 10 });
    const event = page.items.find((item) => item.orderNumber === orderNumber && item.duplicateOf === null);
    if (event && (event.status === 'succeeded' || event.status === 'stored' || event.status === 'dead')) {
      return {
        receiver,
        recovery: {
          orderNumber,
          delivery: attempt?.state ?? 'unknown',
          eventId: event.id,
          source: event.source,
          status: event.status,
          inspector: `${receiver.url}/ui?source=recovery`,
          recoveredMs: Math.round(performance.now() - started),
        },
      };
    }
    if (Date.now() > deadline) {
      throw new Error(`order #${orderNumber} was not recovered within ${formatDuration(options.timeoutMs)}`);
    }
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}
