import { formatDuration } from '@srhooks/contracts/duration';
import { fullName } from '@srhooks/contracts/person-name';
import { maskName } from '@srhooks/receiver/personal-data-mask';
import { CliError, EXIT_CODES, remoteError, usageError } from '../cli-error.js';
import { productName } from '../cli-invocation.js';
import { defineCommand } from '../command.js';
import { assertShopName, shopSource } from '../config/shop-name.js';
import { maskDeliveryUrl, maskDeliveryUrls } from '../delivery/mask-delivery-url.js';
import { eventOfDeliveryUrl, slashAfterToken } from '../delivery/url-event.js';
import { renderTable } from '../output/index.js';
import { answerWithin } from '../request-limit.js';

import { DEFAULT_REQUEST_TIMEOUT_MS } from '../wiring/timeout-option.js';
import { askSandbox, notASandbox, sandboxLimit, unknownShopHint } from './sandbox-answer.js';
import { resolveSandboxBase } from './sandbox-url.js';

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
  /** `subscribe`: the new subscriber's address; `unsubscribe`: which subscriber (default: the newest). */
  email?: string;
  /** Wait for each delivery's outcome (default true; `--no-wait`: report them as scheduled). */
  wait?: boolean;
  /** `--reveal`: the customer's name whole (masked to initials by default, in `--json` too). */
  reveal?: boolean;
  /**
   * `--timeout`, in ms (default 30 s): the time limit of each request to the sandbox, and how long to
   * wait for the outcomes.
   */
  timeout?: number;
}

interface DeliverySummary {
  id: string;
  event: string;
  url: string;
  /** scheduled | in_flight | delivered | failed (the sandbox's delivery states). */
  state: string;
  /** What the receiver answered, when it answered. */
  status?: number;
  /** Why a delivery failed (network error, timeout, or the answer's start). */
  error?: string;
  scheduledFor?: string;
}

const POLL_MS = 100;
const FINISHED = new Set(['delivered', 'failed']);

export interface SandboxSimulateResult {
  action: SandboxAction;
  shop: string;
  /** Order: inner id, customer name (masked unless `--reveal`), gross total; subscriber: id and status (no e-mail addresses in output). */
  subject: Record<string, string | number | null>;
  deliveries: DeliverySummary[];
  /** Whether the outcomes were waited for; deliveries still `scheduled` are due after the wait. */
  waited: boolean;
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
      // the sandbox refuses one too; said here in the CLI's words, before any request
      if (options.email !== undefined && !/^[^\s@]+@[^\s@]+\.[^\s@]+$/.test(options.email))
        throw usageError(
          `--email "${options.email}" is not an e-mail address`,
          'e.g. --email anna@example.hu, or leave --email out for a sample address',
          'invalid_argument',
        );
      return {
        path: `/${shop}/_sandbox/subscribers`,
        body: { ...seed, ...(options.email ? { subscriber: { email: options.email } } : {}) },
      };
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
      if (!/^\d+$/.test(options.orderId) || !/^\d+$/.test(options.status)) {
        throw usageError(
          `order id and status must be whole numbers, got "${options.orderId}" and "${options.status}"`,
          'e.g. srhooks sandbox status 1001 5 (sandbox order prints the order id)',
          'invalid_argument',
        );
      }
      return {
        path: `/${shop}/_sandbox/orders/${encodeURIComponent(options.orderId)}/status`,
        body: { status: options.status, ...(options.statusText ? { statusText: options.statusText } : {}) },
      };
  }
}

function summarise(entry: unknown): DeliverySummary {
  const d = (entry ?? {}) as Json;
  return {
    id: String(d.id ?? ''),
    event: String(d.event ?? ''),
    url: String(d.url ?? ''),
    state: String(d.state ?? ''),
    ...(typeof d.status === 'number' ? { status: d.status } : {}),
    ...(typeof d.error === 'string' ? { error: d.error } : {}),
    ...(typeof d.scheduledFor === 'string' ? { scheduledFor: d.scheduledFor } : {}),
  };
}

/**
 * Polls the sandbox's delivery log until every delivery due within the wait has an outcome
 * (delivered or failed). Deliveries scheduled later (webHookDelay) are left as they are.
 */
async function waitForOutcomes(
  base: string,
  shop: string,
  scheduled: DeliverySummary[],
  timeoutMs: number,
): Promise<DeliverySummary[]> {
  const deadline = Date.now() + timeoutMs;
  const due = (d: DeliverySummary) => !d.scheduledFor || Date.parse(d.scheduledFor) <= deadline;
  let current = scheduled;
  while (current.some((d) => due(d) && !FINISHED.has(d.state)) && Date.now() < deadline) {
    await new Promise((resolve) => setTimeout(resolve, POLL_MS));
    // each read of the log within the time limit too (a sandbox that stops answering)
    const log = await answerWithin(sandboxLimit(base, timeoutMs), async (signal) => {
      let answer: Response;
      try {
        answer = await fetch(`${base}/${shop}/_sandbox/deliveries`, {
          headers: { accept: 'application/json' },
          signal,
        });
      } catch (error) {
        if (signal.aborted) throw error;
        throw remoteError(
          `lost the sandbox at ${base} while waiting for the deliveries`,
          undefined,
          'network_error',
          error,
        );
      }
      if (!answer.ok) throw remoteError(`the sandbox answered ${answer.status} to its delivery log`);
      return (await answer.json()) as { deliveries?: unknown[] };
    });
    const byId = new Map(
      log.deliveries?.map((entry) => {
        const summary = summarise(entry);
        return [summary.id, summary] as const;
      }) ?? [],
    );
    current = current.map((d) => byId.get(d.id) ?? d);
  }
  return current.map((d) =>
    due(d) && !FINISHED.has(d.state)
      ? { ...d, error: `no outcome within ${formatDuration(timeoutMs)} (still ${d.state})` }
      : d,
  );
}

/**
 * What to check, by how the deliveries failed: a receiver URL answered 404 means the receiver did not
 * sign it (it is running); no answer at all means nothing listens there; anything else is in REASON.
 */
function failureHint(failed: readonly DeliverySummary[]): string {
  if (failed.every((d) => d.status === 404 && slashAfterToken(d.url))) {
    return `the receiver answered 404: the subscription's URL has a "/" after its token, which the receiver never takes; remove the trailing slash (srhooks webhooks update ID --url …, the ids in srhooks webhooks list)`;
  }
  if (failed.every((d) => d.status === 404 && eventOfDeliveryUrl(d.url) !== undefined)) {
    return `the receiver answered 404: it did not sign that URL, which was made with another secret or for another shop or event; register the URL ${productName('listen')} prints, or one from srhooks url with the receiver's secret`;
  }
  if (failed.every((d) => d.status === undefined)) return 'is the receiver running? srhooks listen';
  return 'see REASON';
}

/** The customer's name as initials (`K***`), as every view shows personal data until `--reveal`. */
function maskedCustomer<T extends Record<string, unknown>>(order: T, reveal: boolean): T {
  if (reveal) return order;
  const masked: Record<string, unknown> = { ...order };
  for (const key of ['firstname', 'lastname']) {
    if (typeof masked[key] === 'string' && masked[key] !== '') masked[key] = maskName(masked[key]);
  }
  return masked as T;
}

/** A delivery that failed, or was due and got no outcome within the wait. */
function unsuccessful(result: SandboxSimulateResult): DeliverySummary[] {
  if (!result.waited) return [];
  return result.deliveries.filter(
    (d) => d.state === 'failed' || (d.error !== undefined && d.state !== 'delivered'),
  );
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

/** What to do about a sandbox error, where the sandbox's message does not already say it. */
function sandboxErrorHint(code: string, shop: string, options: SandboxSimulateOptions): string | undefined {
  if (code === 'unknown_shop') return unknownShopHint(shop);
  // the sandbox's advice names its API's field (statusText): the CLI's flag instead
  if (code === 'unknown_status')
    return 'use one of those, or give a status of your own its name with --status-text';
  if (code === 'no_subscriber')
    return `subscribe one first with srhooks sandbox subscribe${shop === 'demo' ? '' : ` --shop ${shop}`}`;
  // unsubscribe --email with an address the shop does not have (it has other subscribers)
  if (code === 'not_found' && options.action === 'unsubscribe' && options.email !== undefined)
    return `that address is not subscribed on ${shop}: subscribe it with srhooks sandbox subscribe --email <address>${shop === 'demo' ? '' : ` --shop ${shop}`}, or leave --email out to unsubscribe the newest subscriber`;
  return undefined;
}

/** Asks a running sandbox to place an order (or change one, abandon a cart, …) and lists the deliveries it scheduled. */
export const sandboxSimulateCommand = defineCommand<SandboxSimulateOptions, SandboxSimulateResult>({
  async run(options, context) {
    const shop = options.shop ?? context.env.SRHOOKS_SANDBOX_SHOP ?? 'demo';
    assertShopName(shop, shopSource(options.shop, 'SRHOOKS_SANDBOX_SHOP'));
    const { url: base } = await resolveSandboxBase(options.sandboxUrl, shop, context.env, context.output);
    const { path, body } = route(options, shop);
    const answer = await askSandbox(base, { method: 'POST', path, body, timeoutMs: options.timeout });
    const parsed = answer.body;
    if (!answer.ok) {
      const hint = sandboxErrorHint(answer.errorCode ?? '', shop, options);
      const message =
        answer.errorCode === 'unknown_status'
          ? answer.message.replace(/\.?\s*For a status of your own[\s\S]*$/, '')
          : answer.message;
      throw new CliError(`the sandbox answered ${answer.status}: ${message}`, {
        code: 'sandbox_error',
        // a status it does not have is refused (400) as a value given on the command line; an order,
        // shop or subscriber it does not have (404) is the sandbox saying no, exit 3 as every not-found
        exitCode: answer.errorCode === 'unknown_status' ? EXIT_CODES.usage : EXIT_CODES.remote,
        ...(hint ? { hint } : {}),
      });
    }
    if (!Array.isArray(parsed.deliveries)) throw notASandbox(base, `POST ${path}`, answer.status);
    const subject = parsed.order
      ? maskedCustomer(
          pick(parsed.order, ['innerId', 'firstname', 'lastname', 'totalGross', 'currency']),
          options.reveal === true,
        )
      : pick(parsed.subscriber, ['id', 'status']);
    const scheduled = (Array.isArray(parsed.deliveries) ? parsed.deliveries : []).map(summarise);
    const waited = options.wait !== false && scheduled.length > 0;
    const deliveries = waited
      ? await waitForOutcomes(
          base.replace(/\/+$/, ''),
          shop,
          scheduled,
          options.timeout ?? DEFAULT_REQUEST_TIMEOUT_MS,
        )
      : scheduled;
    // a signed receiver URL's token cut to four characters, in --json too: only srhooks url (and
    // listen's list, webhooks --json) gives it whole
    const shown = deliveries.map((d) => ({
      ...d,
      url: maskDeliveryUrl(d.url),
      ...(d.error === undefined ? {} : { error: maskDeliveryUrls(d.error) }),
    }));
    return { action: options.action, shop, subject, deliveries: shown, waited };
  },

  /** A delivery that failed (or got no outcome in time) fails the command: the shop never resends. */
  exitCode(result) {
    return unsuccessful(result).length > 0 ? EXIT_CODES.remote : EXIT_CODES.ok;
  },

  render(result, style) {
    const s = result.subject;
    const failed = unsuccessful(result);
    const mark = failed.length > 0 ? style.red('✖') : style.green('✔');
    const head =
      'innerId' in s
        ? `${mark} ${result.action === 'cart' ? 'abandoned cart' : 'order'} ${s.innerId} in ${result.shop}: ${fullName(s) ?? '?'}, ${s.totalGross ?? '?'} ${s.currency ?? ''}`.trimEnd()
        : `${mark} subscriber ${s.id} in ${result.shop}`;
    if (result.deliveries.length === 0) {
      return `${head}\n${style.dim('no subscription for this event: nothing will be delivered (srhooks webhooks list)')}`;
    }
    const paint = (state: string) =>
      state === 'delivered' ? style.green(state) : state === 'failed' ? style.red(state) : state;
    const table = renderTable(result.deliveries, [
      { header: 'EVENT', value: (d) => d.event },
      { header: 'STATE', value: (d) => paint(d.state) },
      { header: 'HTTP', value: (d) => (d.status ? String(d.status) : '') },
      { header: 'URL', value: (d) => d.url },
      { header: 'REASON', value: (d) => (d.state === 'delivered' ? '' : (d.error ?? '')) },
    ]);
    const lines = [head, table];
    if (failed.length > 0) {
      lines.push(
        style.red(
          `${failed.length} of ${result.deliveries.length} deliver${result.deliveries.length === 1 ? 'y' : 'ies'} failed: ShopRenter does not resend (assumed: its documentation names no retries), so a real shop's event would be lost here (${failureHint(failed)})`,
        ),
      );
    } else if (!result.waited) {
      lines.push(
        style.dim(
          `not waiting for the outcomes (--no-wait); see them with GET /${result.shop}/_sandbox/deliveries`,
        ),
      );
    }
    return lines.join('\n');
  },
});
