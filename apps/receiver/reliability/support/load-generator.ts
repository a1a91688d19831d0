/**
 * A bounded load generator: sends every delivery once at full speed over keep-alive connections and
 * re-sends only those that got no 2xx (an error status, a reset connection, a refused connection, a
 * timeout), each by the same worker after `retryDelayMs`, until all are acknowledged or the deadline
 * passes. It keeps what each delivery's acknowledgement said, so a scenario can compare "acked" with
 * what the store holds.
 */
import { Agent, request } from 'node:http';
import type { LoadDelivery } from './order-deliveries.js';

export interface LoadOptions {
  baseUrl: string;
  deliveries: readonly LoadDelivery[];
  /** Requests in flight at once (= keep-alive sockets). */
  concurrency: number;
  /** Pause before re-sending a delivery that got no 2xx. */
  retryDelayMs: number;
  /** One request may take this long before it is abandoned (and re-sent). */
  requestTimeoutMs?: number;
  /** Stop re-sending after this long; what is still unacknowledged is reported as such. */
  deadlineMs: number;
  /** Each worker pauses this long after a delivery is acknowledged (spreads a bounded load over time). */
  paceMs?: number;
  /**
   * Delivery i is not sent before `i × spreadOverMs / deliveries.length` ms after the start: the load
   * covers this window however fast the receiver answers (an arrival schedule, unlike `paceMs`).
   */
  spreadOverMs?: number;
  /** After every 2xx, with the number acknowledged so far. */
  onAck?: (acked: number) => void;
}

export interface AckedDelivery {
  status: number;
  /** When the 2xx arrived (epoch ms). */
  at: number;
  deliveryId: string | null;
  events: number | null;
  duplicates: number | null;
}

export interface LoadResult {
  /** Deliveries sent at least once. */
  sent: number;
  /** HTTP attempts, first sends and re-sends. */
  requests: number;
  /** innerId → what the 2xx answer said. */
  acked: Map<string, AckedDelivery>;
  /** innerIds never acknowledged before the deadline. */
  unacked: string[];
  /** Answers by status code, and failures by error code (`ECONNREFUSED`, `ECONNRESET`, `timeout`, …). */
  outcomes: Record<string, number>;
  seconds: number;
}

interface Answer {
  status: number;
  body: string;
}

function post(agent: Agent, url: URL, delivery: LoadDelivery, timeoutMs: number): Promise<Answer> {
  return new Promise((resolve, reject) => {
    const req = request(
      {
        agent,
        method: 'POST',
        host: url.hostname,
        port: url.port,
        path: delivery.path,
        headers: {
          'user-agent': 'ShopRenter',
          accept: '*/*',
          'content-type': delivery.contentType,
          'content-length': delivery.body.length,
        },
      },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (chunk: Buffer) => chunks.push(chunk));
        res.on('end', () =>
          resolve({ status: res.statusCode ?? 0, body: Buffer.concat(chunks).toString('utf8') }),
        );
        res.on('error', reject);
      },
    );
    req.setTimeout(timeoutMs, () =>
      req.destroy(Object.assign(new Error('request timed out'), { code: 'timeout' })),
    );
    req.on('error', reject);
    req.end(delivery.body);
  });
}

function ackOf(answer: Answer): AckedDelivery {
  try {
    const body = JSON.parse(answer.body) as { deliveryId?: unknown; events?: unknown; duplicates?: unknown };
    return {
      status: answer.status,
      at: Date.now(),
      deliveryId: typeof body.deliveryId === 'string' ? body.deliveryId : null,
      events: typeof body.events === 'number' ? body.events : null,
      duplicates: typeof body.duplicates === 'number' ? body.duplicates : null,
    };
  } catch {
    return { status: answer.status, at: Date.now(), deliveryId: null, events: null, duplicates: null };
  }
}

export async function runLoad(options: LoadOptions): Promise<LoadResult> {
  const started = Date.now();
  const deadline = started + options.deadlineMs;
  const url = new URL(options.baseUrl);
  const agent = new Agent({ keepAlive: true, maxSockets: options.concurrency });
  const acked = new Map<string, AckedDelivery>();
  const outcomes: Record<string, number> = {};
  const count = (key: string) => {
    outcomes[key] = (outcomes[key] ?? 0) + 1;
  };
  let next = 0;
  let sent = 0;
  let requests = 0;

  const worker = async (): Promise<void> => {
    for (;;) {
      const index = next;
      const delivery = options.deliveries[index];
      if (delivery === undefined) return;
      next += 1;
      if (options.spreadOverMs) {
        const due = started + (index * options.spreadOverMs) / options.deliveries.length;
        if (due > Date.now()) await new Promise((resolve) => setTimeout(resolve, due - Date.now()));
      }
      sent += 1;
      for (let attempt = 1; ; attempt++) {
        if (attempt > 1) {
          if (Date.now() + options.retryDelayMs > deadline) break;
          await new Promise((resolve) => setTimeout(resolve, options.retryDelayMs));
        }
        requests += 1;
        try {
          const answer = await post(agent, url, delivery, options.requestTimeoutMs ?? 10_000);
          count(String(answer.status));
          if (answer.status >= 200 && answer.status < 300) {
            acked.set(delivery.innerId, ackOf(answer));
            options.onAck?.(acked.size);
            if (options.paceMs) await new Promise((resolve) => setTimeout(resolve, options.paceMs));
            break;
          }
        } catch (error) {
          count((error as { code?: string }).code ?? 'error');
        }
      }
    }
  };

  try {
    await Promise.all(Array.from({ length: options.concurrency }, worker));
  } finally {
    agent.destroy();
  }
  return {
    sent,
    requests,
    acked,
    unacked: options.deliveries.filter((delivery) => !acked.has(delivery.innerId)).map((d) => d.innerId),
    outcomes,
    seconds: (Date.now() - started) / 1000,
  };
}

/** `200:9980,503:12,ECONNREFUSED:40` for a figures line. */
export function formatOutcomes(outcomes: Record<string, number>): string {
  return Object.entries(outcomes)
    .sort(([a], [b]) => a.localeCompare(b))
    .map(([key, value]) => `${key}:${value}`)
    .join(',');
}
