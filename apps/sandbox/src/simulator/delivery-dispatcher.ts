import {
  type DeliveryPayload,
  encodeDelivery,
  isOrderEvent,
  randomBoundary,
  type WebhookEvent,
  writeMultipartFormData,
} from '@srhooks/contracts';
import { delayHours, MAX_DELIVERY_RECORDS_PER_SHOP } from '../assumptions.js';
import type { ShopData, StoredWebhook } from '../state/shop-data.js';
import { deliveredItem } from './delivered-item.js';
import type { DeliveryAttempt } from './delivery-attempt.js';
import { postDelivery } from './post-delivery.js';

/** A delivery that cannot be scheduled (its delay gives no date). */
export class DeliveryScheduleError extends Error {
  override readonly name = 'DeliveryScheduleError';
}

export interface DispatcherOptions {
  /** 1 = real time; 86400 = a day of `webHookDelay` in a second. */
  timeScale: number;
  timeoutMs: number;
  expectContinueTimeoutMs: number;
  /** Called whenever a delivery record changes (persistence). */
  onChange: () => void;
  /** The shop's `lateDeliverMs` fault: a failed delivery is sent once more this long after it failed. */
  lateDeliveryMs?: (shop: string) => number | undefined;
  log: (details: Record<string, unknown>, message: string) => void;
}

interface EncodedBody {
  contentType: string;
  body: Buffer;
}

// setTimeout cannot wait longer than about 24.8 days; longer delays are re-armed in steps.
const MAX_TIMER_MS = 2 ** 31 - 1;
const HOUR_MS = 3_600_000;

function copy(attempt: DeliveryAttempt): DeliveryAttempt {
  return { ...attempt };
}

/**
 * Sends events to the subscriptions of a shop as ShopRenter does: one POST per enabled
 * subscription URL, after the subscription's `webHookDelay`, no retries, every attempt recorded.
 */
export class DeliveryDispatcher {
  private readonly timers = new Map<string, NodeJS.Timeout>();
  private readonly inFlight = new Map<string, AbortController>();
  private readonly bodies = new Map<string, EncodedBody>();
  private idleWaiters: (() => void)[] = [];
  private closed = false;

  constructor(private readonly options: DispatcherOptions) {}

  /**
   * Records and schedules one event carrying `items` (orders or subscribers, full field set) for
   * every enabled subscription of `event` in the shop. Returns the new records (copies).
   *
   * One subscription URL cannot harm another, nor the event itself: whatever goes wrong while a
   * delivery is prepared (a delay that gives no date, a payload that does not encode) is recorded
   * as that delivery's failure, and the others are scheduled as usual. This method does not throw
   * for a subscription's sake, so the shop event (an order, a subscriber) always happens.
   */
  dispatch(
    shop: string,
    data: ShopData,
    event: WebhookEvent,
    items: Record<string, unknown>[],
  ): DeliveryAttempt[] {
    const now = Date.now();
    const created: DeliveryAttempt[] = [];
    const toArm: DeliveryAttempt[] = [];
    for (const hook of data.webhooks) {
      if (hook.event !== event || hook.status !== '1') continue;
      for (const parameter of hook.webHookParameters) {
        const id = `dlv_${String(data.nextDeliveryId++).padStart(6, '0')}`;
        const base = {
          id,
          shop,
          subscriptionId: hook.id,
          event,
          url: parameter.url,
          format: parameter.type,
          durationMs: null,
          createdAt: new Date(now).toISOString(),
          at: null,
        };
        let attempt: DeliveryAttempt;
        try {
          const scheduledFor = this.dueTime(now, hook.webHookDelay);
          const projected = items.map((item) => deliveredItem(event, item, parameter.fields));
          const envelope = (
            isOrderEvent(event) ? { orders: { order: projected } } : { newsletter: { subscriber: projected } }
          ) as DeliveryPayload;
          const encoded = encodeDelivery(event, envelope, { format: parameter.type });
          attempt = { ...base, state: 'scheduled', scheduledFor, data: encoded.data };
          this.bodies.set(id, { contentType: encoded.contentType, body: encoded.body });
          data.pendingPayloads[id] = envelope;
          toArm.push(attempt);
        } catch (error) {
          attempt = {
            ...base,
            state: 'failed',
            scheduledFor: base.createdAt,
            data: '',
            error: `the sandbox could not prepare this delivery, so it was not sent: ${(error as Error).message || String(error)}`,
          };
          this.options.log(
            { delivery: id, shop, event, subscription: hook.id, error: attempt.error },
            'webhook delivery not prepared',
          );
        }
        data.deliveries.push(attempt);
        created.push(attempt);
      }
    }
    this.trim(data);
    for (const attempt of toArm) this.arm(attempt, data);
    if (created.length > 0) this.options.onChange();
    return created.map(copy);
  }

  /** When a delivery with these delays is due (ISO 8601); throws `DeliveryScheduleError` when no date can say it. */
  private dueTime(now: number, delays: StoredWebhook['webHookDelay']): string {
    const delayMs = (delayHours(delays) * HOUR_MS) / this.options.timeScale;
    const due = new Date(now + delayMs);
    if (!Number.isFinite(delayMs) || Number.isNaN(due.getTime())) {
      throw new DeliveryScheduleError(
        `its webHookDelay (${delays.map((d) => `${d.delay} ${d.delayUnit}`).join(' + ')}) gives no representable date`,
      );
    }
    return due.toISOString();
  }

  /**
   * The `late-deliver` fault: sends the document of a failed delivery once more, as a new delivery
   * record (`lateOf` = the failed one's id) due now. ShopRenter is not known to do this; the sandbox
   * does it on request so tests can check that a late duplicate of a recovered event is harmless.
   */
  redeliver(data: ShopData, original: DeliveryAttempt): DeliveryAttempt {
    const now = Date.now();
    const attempt: DeliveryAttempt = {
      id: `dlv_${String(data.nextDeliveryId++).padStart(6, '0')}`,
      shop: original.shop,
      subscriptionId: original.subscriptionId,
      event: original.event,
      url: original.url,
      format: original.format,
      state: 'scheduled',
      durationMs: null,
      createdAt: original.createdAt,
      scheduledFor: new Date(now).toISOString(),
      at: null,
      data: original.data,
      lateOf: original.id,
    };
    const boundary = randomBoundary();
    this.bodies.set(attempt.id, {
      contentType: `multipart/form-data; boundary=${boundary}`,
      body: writeMultipartFormData([{ name: 'data', value: Buffer.from(original.data, 'utf8') }], boundary),
    });
    data.deliveries.push(attempt);
    this.trim(data);
    this.arm(attempt, data);
    this.options.onChange();
    return copy(attempt);
  }

  /** Re-arms deliveries a previous run left scheduled; ones it left in flight are recorded as failed. */
  resume(data: ShopData): void {
    for (const attempt of data.deliveries) {
      if (attempt.state === 'scheduled' && data.pendingPayloads[attempt.id]) this.arm(attempt, data);
      else if (attempt.state === 'scheduled' || attempt.state === 'in_flight') {
        attempt.state = 'failed';
        attempt.error = 'the sandbox stopped while this delivery was in flight; it was not retried';
        delete data.pendingPayloads[attempt.id];
      }
    }
  }

  /** Number of deliveries scheduled or in flight. */
  pending(): number {
    return this.timers.size + this.inFlight.size;
  }

  /** Resolves when nothing is scheduled or in flight (delayed deliveries included). */
  waitForIdle(): Promise<void> {
    if (this.pending() === 0) return Promise.resolve();
    return new Promise((resolve) => this.idleWaiters.push(resolve));
  }

  /** Cancels timers and aborts attempts in flight (scheduled ones stay scheduled in the data file). */
  close(): void {
    this.closed = true;
    for (const timer of this.timers.values()) clearTimeout(timer);
    this.timers.clear();
    for (const controller of this.inFlight.values()) controller.abort();
    this.notifyIfIdle();
  }

  private trim(data: ShopData): void {
    const excess = data.deliveries.length - MAX_DELIVERY_RECORDS_PER_SHOP;
    if (excess <= 0) return;
    // Drop the oldest finished records first; never drop one that is still pending.
    let toDrop = excess;
    data.deliveries = data.deliveries.filter((attempt) => {
      if (toDrop > 0 && (attempt.state === 'delivered' || attempt.state === 'failed')) {
        toDrop -= 1;
        this.bodies.delete(attempt.id);
        delete data.pendingPayloads[attempt.id];
        return false;
      }
      return true;
    });
  }

  private arm(attempt: DeliveryAttempt, data: ShopData): void {
    if (this.closed) return;
    const wait = Date.parse(attempt.scheduledFor) - Date.now();
    const timer = setTimeout(
      () => {
        this.timers.delete(attempt.id);
        if (Date.parse(attempt.scheduledFor) > Date.now()) this.arm(attempt, data);
        else void this.send(attempt, data);
      },
      Math.min(Math.max(wait, 0), MAX_TIMER_MS),
    );
    this.timers.set(attempt.id, timer);
  }

  private encodedBody(attempt: DeliveryAttempt, data: ShopData): EncodedBody {
    const encoded = this.bodies.get(attempt.id);
    if (encoded) return encoded;
    // Scheduled by a previous run: encode the stored payload again (same document, new boundary).
    const payload = data.pendingPayloads[attempt.id];
    if (!payload) throw new Error('the payload of this delivery was lost');
    return encodeDelivery(attempt.event, payload, { format: attempt.format });
  }

  private async send(attempt: DeliveryAttempt, data: ShopData): Promise<void> {
    if (this.closed) return;
    const controller = new AbortController();
    this.inFlight.set(attempt.id, controller);
    const started = Date.now();
    attempt.state = 'in_flight';
    attempt.at = new Date(started).toISOString();
    this.options.onChange();
    try {
      const encoded = this.encodedBody(attempt, data);
      const result = await postDelivery(
        { url: attempt.url, contentType: encoded.contentType, body: encoded.body },
        {
          timeoutMs: this.options.timeoutMs,
          expectContinueTimeoutMs: this.options.expectContinueTimeoutMs,
          signal: controller.signal,
        },
      );
      attempt.status = result.status;
      attempt.responseBody = result.responseBody;
      attempt.state = result.status >= 200 && result.status < 300 ? 'delivered' : 'failed';
      if (attempt.state === 'failed') attempt.error = `the receiver answered ${result.status}`;
    } catch (error) {
      attempt.state = 'failed';
      attempt.error = controller.signal.aborted
        ? 'the sandbox was closed during this delivery'
        : sendFailure(error);
    } finally {
      attempt.durationMs = Date.now() - started;
      this.inFlight.delete(attempt.id);
      this.bodies.delete(attempt.id);
      delete data.pendingPayloads[attempt.id];
      this.options.log(
        {
          delivery: attempt.id,
          shop: attempt.shop,
          event: attempt.event,
          state: attempt.state,
          status: attempt.status,
          durationMs: attempt.durationMs,
          error: attempt.error,
        },
        'webhook delivery attempted',
      );
      this.options.onChange();
      this.scheduleLateDelivery(attempt, data);
      this.notifyIfIdle();
    }
  }

  private scheduleLateDelivery(attempt: DeliveryAttempt, data: ShopData): void {
    if (this.closed || attempt.state !== 'failed' || attempt.lateOf !== undefined) return;
    const delay = this.options.lateDeliveryMs?.(attempt.shop);
    if (delay === undefined) return;
    const key = `late:${attempt.id}`;
    const timer = setTimeout(() => {
      this.timers.delete(key);
      if (!this.closed) this.redeliver(data, attempt);
    }, delay);
    this.timers.set(key, timer);
  }

  private notifyIfIdle(): void {
    if (this.pending() !== 0) return;
    const waiters = this.idleWaiters;
    this.idleWaiters = [];
    for (const resolve of waiters) resolve();
  }
}

/** Network failures of a delivery in words, as the CLI names them (`sandbox order` prints this). */
const NETWORK_REASONS: Record<string, (where: string) => string> = {
  ECONNREFUSED: (where) => `connection refused: nothing listens at ${where}`,
  ECONNRESET: (where) => `the connection to ${where} was reset`,
  ENOTFOUND: (where) => `the host name ${where} does not resolve`,
  EAI_AGAIN: (where) => `the host name ${where} could not be looked up (DNS did not answer)`,
  ETIMEDOUT: (where) => `the connection to ${where} timed out`,
  EHOSTUNREACH: (where) => `the host ${where} is unreachable`,
  ENETUNREACH: (where) => `the network of ${where} is unreachable`,
};

/**
 * Why a delivery got no answer: a network failure in words with where and its code
 * ("connection refused: nothing listens at 127.0.0.1:4750 (ECONNREFUSED)", not Node's
 * "connect ECONNREFUSED 127.0.0.1:4750"); any other error's own message.
 */
function sendFailure(error: unknown): string {
  const failure = error as NodeJS.ErrnoException & { address?: string; port?: number; hostname?: string };
  const reason = failure.code ? NETWORK_REASONS[failure.code] : undefined;
  const where = failure.address
    ? `${failure.address}${failure.port ? `:${failure.port}` : ''}`
    : failure.hostname;
  if (reason && where) return `${reason(where)} (${failure.code})`;
  return (error as Error).message || String(error);
}
