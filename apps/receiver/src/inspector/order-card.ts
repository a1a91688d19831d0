/**
 * An event's payload as a readable card: for orders the customer, shipping and billing addresses, the
 * products with quantities and prices, and the totals; for newsletter events the subscriber. Payloads
 * are read through contracts' lenient schemas; personal data is masked unless `reveal`.
 */
import {
  type AppUninstalledPayload,
  fullName,
  isOrderEvent,
  isWebhookEvent,
  type OrderItem,
  OrderItemSchema,
  type PaymentCardChangeNotification,
  PaymentCardChangeNotificationSchema,
  type PaymentStatusNotification,
  PaymentStatusNotificationSchema,
  type Subscriber,
  SubscriberSchema,
} from '@srhooks/contracts';
import { z } from 'zod';
import { maskEmail, maskFreeText, maskName, maskPhone } from '../personal-data/personal-data-mask.js';
import { statusBadge } from './delivery-list-page.js';
import { formatAmount, formatLanguage, formatTime } from './display-format.js';
import { html, type SafeHtml } from './html.js';
import { maskedText } from './masked-text.js';

type Text = string | null | undefined;

function present(value: Text): value is string {
  return typeof value === 'string' && value.trim() !== '';
}

function joined(...parts: Text[]): string | null {
  const text = parts.filter(present).join(' ');
  return text === '' ? null : text;
}

interface Masking {
  reveal: boolean;
}

/** A contact field as shown: null when empty, whole when revealed, else masked by `mask`. */
function contact(value: Text, masking: Masking, mask: (text: string) => string): SafeHtml | string | null {
  if (!present(value)) return null;
  return masking.reveal ? value : maskedText(mask(value));
}

function name(value: string | null, masking: Masking): SafeHtml | string | null {
  return value === null ? null : masking.reveal ? value : maskedText(maskName(value));
}

function lines(values: Array<SafeHtml | string | null>): SafeHtml {
  const shown = values.filter((value): value is SafeHtml | string => value !== null);
  if (shown.length === 0) return html`<span class="muted">—</span>`;
  return html`${shown.map((value, index) => html`${index > 0 ? html`<br>` : ''}${value}`)}`;
}

function address(order: OrderItem, prefix: 'shipping' | 'payment', masking: Masking): SafeHtml {
  const field = (key: string): Text => order[`${prefix}${key}` as keyof OrderItem] as Text;
  const street = [field('Address1'), field('Address2')]
    .filter(present)
    .map((line) => (masking.reveal ? line : maskedText(maskName(line))));
  return html`<address>${lines([
    name(fullName({ firstname: field('Firstname'), lastname: field('Lastname') }), masking),
    present(field('Company')) ? name(field('Company') as string, masking) : null,
    ...street,
    joined(field('Postcode'), field('City')),
    present(field('ZoneName')) ? (field('ZoneName') as string) : null,
    present(field('CountryName')) ? (field('CountryName') as string) : null,
  ])}</address>`;
}

function money(value: number | null | undefined, currency: Text): string | null {
  return formatAmount(value ?? null, currency ?? null);
}

function definition(term: string, value: SafeHtml | string | null): SafeHtml {
  return html`<dt>${term}</dt><dd>${value ?? html`<span class="muted">—</span>`}</dd>`;
}

function orderCard(order: OrderItem, masking: Masking): SafeHtml {
  const currency = order.currency;
  const products = order.orderProducts?.orderProduct ?? [];
  const productRows = products.map((product) => {
    const quantity = product.quantity ?? null;
    const lineTotal = product.price != null && quantity != null ? product.price * quantity : null;
    const productCurrency = product.currency ?? currency;
    return html`<tr>
      <td data-label="Product">${product.name ?? '—'}${present(product.sku) ? html`<br><span class="muted mono">${product.sku}</span>` : ''}</td>
      <td data-label="Quantity" class="num">${quantity ?? '—'}</td>
      <td data-label="Unit price (net)" class="num">${money(product.price, productCurrency) ?? '—'}</td>
      <td data-label="Tax rate" class="num">${product.taxRate != null ? `${product.taxRate}%` : '—'}</td>
      <td data-label="Line total (net)" class="num">${money(lineTotal, productCurrency) ?? '—'}</td>
    </tr>`;
  });
  const email = contact(order.email, masking, maskEmail);
  const phone = contact(order.phone, masking, maskPhone);
  const coupon =
    present(order.couponCode) || (order.couponGrossPrice ?? 0) !== 0
      ? definition(
          `Coupon${present(order.couponCode) ? ` ${order.couponCode}` : ''}`,
          money(order.couponGrossPrice, currency),
        )
      : '';
  return html`<div class="card-grid">
  <div>
    <h3>Customer</h3>
    <dl class="meta">
      ${definition('Name', name(fullName(order), masking))}
      ${definition('E-mail', email)}
      ${definition('Phone', phone)}
      ${present(order.comment) ? definition('Comment', masking.reveal ? order.comment : html`<span class="muted">${maskedText(maskFreeText(order.comment))}</span>`) : ''}
    </dl>
  </div>
  <div>
    <h3>Shipping</h3>
    ${address(order, 'shipping', masking)}
    <p class="muted">${order.shippingMethodName ?? ''}${order.shippingGrossPrice != null ? ` · ${money(order.shippingGrossPrice, currency)}` : ''}</p>
  </div>
  <div>
    <h3>Billing</h3>
    ${address(order, 'payment', masking)}
    ${present(order.paymentTaxnumber) ? html`<p class="muted">Tax number ${name(order.paymentTaxnumber, masking)}</p>` : ''}
    <p class="muted">${order.paymentMethodName ?? ''}${order.paymentGrossPrice ? ` · ${money(order.paymentGrossPrice, currency)}` : ''}</p>
  </div>
</div>
<h3>Products</h3>
${
  products.length === 0
    ? html`<p class="muted">No products in the delivery (the subscription's field list may omit them).</p>`
    : html`<table class="products stack">
  <caption class="visually-hidden">Products</caption>
  <thead><tr><th>Product</th><th class="num">Quantity</th><th class="num">Unit price (net)</th><th class="num">Tax rate</th><th class="num">Line total (net)</th></tr></thead>
  <tbody>${productRows}</tbody>
</table>`
}
<h3>Totals</h3>
<dl class="meta totals">
  ${definition('Net total', money(order.total, currency))}
  ${definition('Tax', money(order.taxPrice, currency))}
  ${definition('Shipping (gross)', money(order.shippingGrossPrice, currency))}
  ${order.paymentGrossPrice ? definition('Payment fee (gross)', money(order.paymentGrossPrice, currency)) : ''}
  ${coupon}
  ${definition('Gross total', html`<strong>${money(order.totalGross, currency) ?? '—'}</strong>`)}
</dl>
${
  order.orderHistory
    ? html`<p class="muted">Shop status: ${order.orderHistory.statusText ?? order.orderHistory.status ?? '—'}${present(order.orderHistory.dateAdded) ? ` · ${order.orderHistory.dateAdded} (shop-local time)` : ''}</p>`
    : ''
}`;
}

function subscriberCard(subscriber: Subscriber, masking: Masking): SafeHtml {
  const email = contact(subscriber.email, masking, maskEmail);
  const phone = contact(subscriber.phone, masking, maskPhone);
  return html`<h3>Subscriber</h3>
<dl class="meta">
  ${definition('Name', name(fullName(subscriber), masking))}
  ${definition('E-mail', email)}
  ${definition('Phone', phone)}
  ${definition('Status', subscriber.status ?? null)}
  ${definition('Language', present(subscriber.language) ? formatLanguage(subscriber.language) : null)}
  ${definition('Subscribed', present(subscriber.subscribe_date) ? `${subscriber.subscribe_date} (shop-local time)` : null)}
</dl>`;
}

/** A text of a Payment API notification (`reason`, `message`): from outside, so hidden whole like a comment. */
function outsideText(value: string | null | undefined, masking: Masking): SafeHtml | string | null {
  if (!present(value)) return null;
  return masking.reveal ? value : html`<span class="muted">${maskedText(maskFreeText(value))}</span>`;
}

/** A notification's `time` (Unix seconds) as the inspector's other times, in UTC. */
function unixTime(seconds: number): string {
  return formatTime(new Date(seconds * 1000));
}

function paymentStatusCard(payment: PaymentStatusNotification, masking: Masking): SafeHtml {
  return html`<h3>Payment</h3>
<dl class="meta payment">
  ${definition('Payment id', String(payment.id))}
  ${definition('Status', statusBadge(payment.status))}
  ${definition('Time', unixTime(payment.time))}
  ${definition('Reason', outsideText(payment.reason, masking))}
</dl>`;
}

function cardChangeCard(change: PaymentCardChangeNotification, masking: Masking): SafeHtml {
  return html`<h3>Card change</h3>
<dl class="meta payment">
  ${definition('Change id', String(change.changeId))}
  ${definition('Subscription id', String(change.subscriptionId))}
  ${definition('Status', statusBadge(change.status))}
  ${definition('Payment status', present(change.paymentStatus) ? change.paymentStatus : null)}
  ${definition('Time', unixTime(change.time))}
  ${definition('Message', outsideText(change.message, masking))}
</dl>`;
}

/** The receiver's own `app_uninstalled` payload (contracts' AppUninstalledPayload), read leniently. */
const AppUninstalledSchema = z.looseObject({
  shop: z.string(),
  uninstalledAt: z.iso.datetime({ offset: true }),
  cancelledJobs: z.number().int().nonnegative(),
  uninstalledBy: z.enum(['shoprenter', 'operator']).optional(),
}) satisfies z.ZodType<AppUninstalledPayload>;

const UNINSTALLED_BY: Record<NonNullable<AppUninstalledPayload['uninstalledBy']>, string> = {
  shoprenter: "ShopRenter (its call to the app's UninstallUri)",
  operator: 'an operator (marked uninstalled)',
};

function uninstallCard(uninstall: AppUninstalledPayload): SafeHtml {
  return html`<h3>App uninstalled</h3>
<dl class="meta uninstall">
  ${definition('Shop', uninstall.shop)}
  ${definition('Uninstalled', formatTime(new Date(uninstall.uninstalledAt)))}
  ${definition('Told by', uninstall.uninstalledBy ? UNINSTALLED_BY[uninstall.uninstalledBy] : 'not recorded (stored before receivers recorded it)')}
  ${definition('Jobs cancelled', String(uninstall.cancelledJobs))}
</dl>`;
}

/** The card for an event's normalised payload; a payload the schemas cannot read is said so (the raw JSON is shown elsewhere). */
export function payloadCard(event: string, payload: unknown, masking: Masking): SafeHtml {
  if (event === 'payment_status') {
    const payment = PaymentStatusNotificationSchema.safeParse(payload);
    if (payment.success) return paymentStatusCard(payment.data, masking);
  } else if (event === 'payment_card_change') {
    const change = PaymentCardChangeNotificationSchema.safeParse(payload);
    if (change.success) return cardChangeCard(change.data, masking);
  } else if (event === 'app_uninstalled') {
    const uninstall = AppUninstalledSchema.safeParse(payload);
    if (uninstall.success) return uninstallCard(uninstall.data);
  } else if (isWebhookEvent(event) && !isOrderEvent(event)) {
    const subscriber = SubscriberSchema.safeParse(payload);
    if (subscriber.success) return subscriberCard(subscriber.data, masking);
  } else {
    const order = OrderItemSchema.safeParse(payload);
    if (order.success) return orderCard(order.data, masking);
  }
  return html`<p class="notice error">The stored payload does not have the expected ${event} shape; see the raw body below.</p>`;
}
