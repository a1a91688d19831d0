import { isValidShopName } from '@srhooks/contracts';
import { CliError, EXIT_CODES, remoteError, usageError } from '../cli-error.js';
import { defineCommand } from '../command.js';
import { renderTable } from '../output/index.js';
import { DEFAULT_SANDBOX_PORT } from './sandbox.js';

/** What the sandbox can be asked to make happen (its `/{shop}/_sandbox/…` admin routes). */
export type SandboxAction = 'order' | 'status' | 'cart' | 'subscribe' | 'unsubscribe';

export interface SandboxSimulateOptions {
  action: SandboxAction;
  shop?: string;
  sandboxUrl?: string;
  seed?: string;
  /** `status`: the order's inner id and the new status id. */
  orderId?: string;
  status?: string;
  statusText?: string;
  /** `unsubscribe`: which subscriber (default: the newest). */
  email?: string;
}

interface DeliverySummary {
  event: string;
  url: string;
  state: string;
  status?: number;
  scheduledFor?: string;
}

export interface SandboxSimulateResult {
  action: SandboxAction;
  shop: string;
  /** Order: inner id, customer name, gross total; subscriber: id and status (no e-mail addresses in output). */
  subject: Record<string, string | number | null>;
  deliveries: DeliverySummary[];
}

type Json = Record<string, unknown>;

function route(options: SandboxSimulateOptions, shop: string): { path: string; body: Json } {
  const seed = options.seed === undefined ? {} : { seed: options.seed };
  switch (options.action) {
    case 'order':
      return { path: `/${shop}/_sandbox/orders`, body: seed };
    case 'cart':
      return { path: `/${shop}/_sandbox/abandoned-carts`, body: seed };
    case 'subscribe':
      return { path: `/${shop}/_sandbox/subscribers`, body: seed };
    case 'unsubscribe':
      return {
        path: `/${shop}/_sandbox/subscribers/unsubscribe`,
        body: { ...seed, ...(options.email ? { email: options.email } : {}) },
      };
    case 'status':
      if (!options.orderId || !options.status) {
        throw usageError(
          'status needs the order id and the new status',
          'e.g. srhooks sandbox status 1001 5',
        );
      }
      return {
        path: `/${shop}/_sandbox/orders/${encodeURIComponent(options.orderId)}/status`,
        body: { status: options.status, ...(options.statusText ? { statusText: options.statusText } : {}) },
      };
  }
}

function pick(source: unknown, keys: string[]): Record<string, string | number | null> {
  const out: Record<string, string | number | null> = {};
  const record = (source ?? {}) as Json;
  for (const key of keys) {
    const value = record[key];
    out[key] = typeof value === 'string' || typeof value === 'number' ? value : null;
  }
  return out;
}

/** Asks a running sandbox to place an order (or change one, abandon a cart, …) and lists the deliveries it scheduled. */
export const sandboxSimulateCommand = defineCommand<SandboxSimulateOptions, SandboxSimulateResult>({
  async run(options, context) {
    const shop = options.shop ?? context.env.SRHOOKS_SANDBOX_SHOP ?? 'demo';
    if (!isValidShopName(shop)) throw usageError(`invalid shop name "${shop}"`);
    const base =
      options.sandboxUrl ?? context.env.SRHOOKS_SANDBOX_URL ?? `http://127.0.0.1:${DEFAULT_SANDBOX_PORT}`;
    if (!/^https?:\/\//.test(base) || !URL.canParse(base))
      throw usageError(`--sandbox-url must be an http(s) URL, got "${base}"`);
    const { path, body } = route(options, shop);
    const url = `${base.replace(/\/+$/, '')}${path}`;
    let response: Response;
    try {
      response = await fetch(url, {
        method: 'POST',
        headers: { 'content-type': 'application/json', accept: 'application/json' },
        body: JSON.stringify(body),
      });
    } catch (error) {
      throw remoteError(
        `cannot reach the sandbox at ${base}`,
        'start it with srhooks sandbox (or pass --sandbox-url / set SRHOOKS_SANDBOX_URL)',
        'network_error',
        error,
      );
    }
    const text = await response.text();
    let parsed: Json = {};
    try {
      parsed = text ? (JSON.parse(text) as Json) : {};
    } catch {
      // not JSON: reported below with the status
    }
    if (!response.ok) {
      const message = typeof parsed.message === 'string' ? parsed.message : text.slice(0, 200);
      throw new CliError(`the sandbox answered ${response.status}: ${message}`, {
        code: 'sandbox_error',
        exitCode: response.status === 404 ? EXIT_CODES.usage : EXIT_CODES.remote,
        ...(response.status === 404 ? { hint: `is "${shop}" a shop of this sandbox? (--shop)` } : {}),
      });
    }
    const subject = parsed.order
      ? pick(parsed.order, ['innerId', 'firstname', 'lastname', 'totalGross', 'currency'])
      : pick(parsed.subscriber, ['id', 'status']);
    const deliveries = (Array.isArray(parsed.deliveries) ? parsed.deliveries : []).map((entry) => {
      const d = entry as Json;
      return {
        event: String(d.event ?? ''),
        url: String(d.url ?? ''),
        state: String(d.state ?? ''),
        ...(typeof d.status === 'number' ? { status: d.status } : {}),
        ...(typeof d.scheduledFor === 'string' ? { scheduledFor: d.scheduledFor } : {}),
      };
    });
    return { action: options.action, shop, subject, deliveries };
  },

  render(result, style) {
    const s = result.subject;
    const head =
      'innerId' in s
        ? `${style.green('✔')} ${result.action === 'cart' ? 'abandoned cart' : 'order'} ${s.innerId} in ${result.shop}: ${[s.firstname, s.lastname].filter(Boolean).join(' ')}, ${s.totalGross ?? '?'} ${s.currency ?? ''}`.trimEnd()
        : `${style.green('✔')} subscriber ${s.id} in ${result.shop}`;
    if (result.deliveries.length === 0) {
      return `${head}\n${style.dim('no subscription for this event: nothing will be delivered (srhooks webhooks list)')}`;
    }
    const table = renderTable(result.deliveries, [
      { header: 'EVENT', value: (d) => d.event },
      { header: 'STATE', value: (d) => d.state },
      { header: 'URL', value: (d) => d.url.replace(/(\/hooks\/[^/]+\/[^/]+\/)(.{4}).+/, '$1$2…') },
    ]);
    return `${head}\n${table}`;
  },
});
