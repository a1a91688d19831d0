// @ts-check
/**
 * Renders the review-request e-mail for one confirmed order: plain text, Hungarian, listing the ordered
 * products with quantities. Pure (no I/O), so it is easy to adapt and to test.
 */

/** @typedef {import('@srhooks/contracts').OrderItem} OrderItem */

/**
 * @typedef {object} ReviewEmailOptions
 * @property {string} shop          the shop's ShopRenter name (used in links and the sender)
 * @property {string} messageId     stable per order and handler: the job id (idempotency key)
 * @property {Date} date
 * @property {string} [shopName]    how the shop calls itself in the text (default: the shop name)
 * @property {string} [from]        sender address (default noreply@{shop}.shoprenter.hu)
 * @property {string} [reviewUrl]   link template; {shop} and {order} are replaced
 */

const VOWELS = 'aáeéiíoóöőuúüű';

/**
 * The Hungarian definite article for a word: "az" before a vowel sound, "a" otherwise. Numbers are read
 * aloud: "az 1." (egy), "a 10." (tíz), "az 1000." (ezer), "az 5…" (öt…).
 * @param {string} word
 */
export function article(word) {
  const first = word.trim().charAt(0).toLowerCase();
  if (/\d/.test(first)) {
    const digits = (/^\d+/.exec(word.trim()) ?? [''])[0];
    if (first === '5') return 'az';
    if (first === '1') return digits.length % 3 === 1 ? 'az' : 'a';
    return 'a';
  }
  return VOWELS.includes(first) ? 'az' : 'a';
}

/** @param {unknown} value */
function text(value) {
  if (typeof value === 'number') return String(value);
  return typeof value === 'string' ? value.trim() : '';
}

/** "Balogh Éva": Hungarian order, family name first. @param {OrderItem} order */
export function customerName(order) {
  return [text(order.lastname), text(order.firstname)].filter(Boolean).join(' ');
}

/** @param {OrderItem} order */
export function orderedProducts(order) {
  const products = order.orderProducts?.orderProduct ?? [];
  return products
    .map((product) => ({ name: text(product.name), quantity: product.quantity }))
    .filter((product) => product.name !== '');
}

/** @param {number | undefined} quantity */
function formatQuantity(quantity) {
  if (typeof quantity !== 'number' || !Number.isFinite(quantity)) return '';
  return ` – ${quantity.toLocaleString('hu-HU')} db`;
}

/** RFC 5322 date, e.g. "Sat, 28 Nov 2026 06:26:22 +0000". @param {Date} date */
function mailDate(date) {
  return date.toUTCString().replace('GMT', '+0000');
}

/**
 * The message as it would be sent: headers (UTF-8, RFC 6532) and a plain-text body.
 * Returns null when the order carries no e-mail address (nobody to write to).
 * @param {OrderItem} order
 * @param {ReviewEmailOptions} options
 * @returns {{ to: string, subject: string, message: string } | null}
 */
export function renderReviewEmail(order, options) {
  const to = text(order.email);
  if (to === '') return null;
  const shopName = options.shopName || text(order.storeName) || options.shop;
  const orderNumber = text(order.innerId);
  const name = customerName(order) || 'Vásárlónk';
  const link = (options.reviewUrl ?? 'https://{shop}.shoprenter.hu/')
    .replaceAll('{shop}', encodeURIComponent(options.shop))
    .replaceAll('{order}', encodeURIComponent(orderNumber));
  const products = orderedProducts(order);
  const subject = orderNumber
    ? `Hogy tetszik, amit vásárolt? (${orderNumber}. számú rendelés)`
    : 'Hogy tetszik, amit vásárolt?';

  const lines = [
    `Kedves ${name}!`,
    '',
    `Köszönjük, hogy ${article(shopName)} ${shopName} webáruházban vásárolt. Reméljük, minden rendben megérkezett.`,
    '',
    products.length > 0
      ? `${orderNumber ? `${capitalise(article(orderNumber))} ${orderNumber}. számú rendelésében` : 'Rendelésében'} ezeket a termékeket kapta:`
      : 'Köszönjük a rendelését!',
    ...(products.length > 0
      ? ['', ...products.map((product) => `  • ${product.name}${formatQuantity(product.quantity)}`)]
      : []),
    '',
    'Sokat segítene nekünk és a többi vásárlónak, ha pár szóban értékelné őket:',
    link,
    '',
    'Köszönjük, hogy minket választott!',
    `${capitalise(article(shopName))} ${shopName} csapata`,
  ];
  const from = options.from ?? `${shopName} <noreply@${options.shop}.shoprenter.hu>`;
  const headers = [
    `From: ${from}`,
    `To: ${name} <${to}>`,
    `Subject: ${subject}`,
    `Date: ${mailDate(options.date)}`,
    `Message-ID: <${options.messageId}@srhooks>`,
    'MIME-Version: 1.0',
    'Content-Type: text/plain; charset=utf-8',
    'Content-Transfer-Encoding: 8bit',
    ...(orderNumber ? [`X-Srhooks-Order: ${orderNumber}`] : []),
  ];
  return { to, subject, message: `${headers.join('\n')}\n\n${lines.join('\n')}\n` };
}

/** @param {string} word */
function capitalise(word) {
  return word.charAt(0).toUpperCase() + word.slice(1);
}
