/**
 * `sampleOrder(seed)`: one deterministic, realistic order item with exactly the key set and
 * nesting of the captured `deliveries/order_confirm.json` (ShopRenter's default field set).
 *
 * Values are in the decoded form (`OrderItem`): amounts, quantity and tax rate are numbers, the
 * rest strings, `couponGrossPrice` is `null` without a coupon. So `decodeDelivery(encodeDelivery(x))`
 * gives `x` back, for JSON and XML.
 *
 * Consistency rules (read off the captured sample: 945 + 9000 = total 9945; 27% of 945 = tax
 * 255; 9945 + 255 + shipping 1006 + payment 0 = totalGross 11206):
 * - `price` is the net unit price, `taxRate` 27, `quantity` 1-3;
 * - `total` = Σ price × quantity; `taxPrice` = round(Σ price × quantity × taxRate / 100);
 * - `shippingNetPrice` / `paymentNetPrice` = gross / 1.27, rounded to 4 decimals;
 * - `totalGross` = total + taxPrice + shippingGrossPrice + paymentGrossPrice − couponGrossPrice.
 * Ids: `innerResourceId` = `orders/` + base64(`order-order_id=<innerId>`), products
 * `orderProducts/` + base64(`orderProduct-order_product_id=<id>`), shipping
 * `shippingModeExtend/` + base64(`shippingMode-id=<n>`), as in the capture.
 */
import type { OrderItem, OrderProduct } from '../schemas/delivery.js';
import {
  ADDRESS_SECOND_LINES,
  asciiFold,
  COMPANIES,
  COUPONS,
  EMAIL_DOMAINS,
  FIRST_NAMES,
  LAST_NAMES,
  ORDER_COMMENTS,
  ORDER_STATUSES,
  PAYMENT_METHODS,
  PRODUCTS,
  type Product,
  SHIPPING_METHODS,
  STREETS,
  TOWNS,
} from './hungarian-data.js';
import { type SeededRandom, seededRandom } from './seeded-random.js';

export const SAMPLE_STORE_NAME = 'demo';
export const SAMPLE_TAX_RATE = 27;
const COUNTRY = 'Magyarország';
const YEAR_2025 = Date.UTC(2025, 0, 1);
const YEAR_SECONDS = 365 * 24 * 3600;

const base64 = (text: string): string => Buffer.from(text, 'utf8').toString('base64');

/** `orders/` + base64(`order-order_id=<id>`), the order's API resource path. */
export function orderResourceId(innerId: string): string {
  return `orders/${base64(`order-order_id=${innerId}`)}`;
}

export function orderProductResourceId(innerId: string): string {
  return `orderProducts/${base64(`orderProduct-order_product_id=${innerId}`)}`;
}

function shippingResourceId(modeId: number): string {
  return `shippingModeExtend/${base64(`shippingMode-id=${modeId}`)}`;
}

/** ShopRenter's date format, `YYYY-MM-DD HH:MM:SS` (UTC here, so samples do not depend on TZ). */
export function formatShopDate(epochMs: number): string {
  return new Date(epochMs).toISOString().slice(0, 19).replace('T', ' ');
}

const roundTo = (value: number, decimals: number): number => {
  const factor = 10 ** decimals;
  return Math.round(value * factor) / factor;
};

/** Gross → net at the sample tax rate, 4 decimals as ShopRenter prints (e.g. 970.0714). */
export function netOf(gross: number): number {
  return roundTo(gross / (1 + SAMPLE_TAX_RATE / 100), 4);
}

interface Person {
  readonly firstname: string;
  readonly lastname: string;
}

interface Address {
  readonly company: string;
  readonly address1: string;
  readonly address2: string;
  readonly city: string;
  readonly zone: string;
  readonly postcode: string;
}

function randomPerson(random: SeededRandom): Person {
  return { firstname: random.pick(FIRST_NAMES), lastname: random.pick(LAST_NAMES) };
}

function randomAddress(random: SeededRandom, withCompany: boolean): Address {
  const town = random.pick(TOWNS);
  const number = random.int(1, 120);
  const suffix = random.chance(0.15) ? '/B' : '';
  return {
    company: withCompany ? random.pick(COMPANIES) : '',
    address1: `${random.pick(STREETS)} ${number}${suffix}`,
    address2: random.chance(0.3) ? random.pick(ADDRESS_SECOND_LINES) : '',
    city: town.city,
    zone: town.zone,
    postcode: random.pick(town.postcodes),
  };
}

function orderProduct(product: Product, innerId: string, quantity: number): OrderProduct {
  const [height, width, length] = product.size;
  return {
    innerId,
    innerResourceId: orderProductResourceId(innerId),
    outerResourceId: '',
    name: product.name,
    sku: product.sku,
    price: product.netPrice,
    currency: 'HUF',
    taxRate: SAMPLE_TAX_RATE,
    quantity,
    image: `https://${SAMPLE_STORE_NAME}.shoprenter.hu/custom/${SAMPLE_STORE_NAME}/image/data/product/${product.sku.toLowerCase()}.jpg`,
    category: product.category,
    volume: {
      height,
      width,
      length,
      volumeUnit: [
        { unit: 'cm', language: 'hu' },
        { unit: 'cm', language: 'en' },
      ],
    },
    weight: {
      weight: product.weight,
      weightUnit: [
        { unit: 'kg', language: 'hu' },
        { unit: 'kg', language: 'en' },
      ],
    },
  };
}

/** Picks 1-4 different products, each with quantity 1-3. */
function randomProducts(random: SeededRandom): OrderProduct[] {
  const count = random.int(1, 4);
  const remaining = [...PRODUCTS];
  let nextId = random.int(1000, 90000);
  const products: OrderProduct[] = [];
  for (let i = 0; i < count; i++) {
    const index = random.int(0, remaining.length - 1);
    const [product] = remaining.splice(index, 1);
    if (product === undefined) break;
    products.push(orderProduct(product, String(nextId), random.int(1, 3)));
    nextId += 1;
  }
  return products;
}

/** One realistic order, the same for the same seed (default seed 1). See the module comment. */
export function sampleOrder(seed: number | string = 1): OrderItem {
  const random = seededRandom(seed);
  const innerId = String(random.int(100, 99999));
  const customer = randomPerson(random);
  const isCompany = random.chance(0.15);
  const billing = randomAddress(random, isCompany);
  const shipsElsewhere = random.chance(0.2);
  const recipient = shipsElsewhere ? randomPerson(random) : customer;
  const shipping = shipsElsewhere ? randomAddress(random, false) : billing;
  const shippingMethod = random.pick(SHIPPING_METHODS);
  const paymentMethod = random.pick(PAYMENT_METHODS);
  const coupon = random.chance(0.2) ? random.pick(COUPONS) : undefined;
  const products = randomProducts(random);
  const dateAdded = formatShopDate(YEAR_2025 + random.int(0, YEAR_SECONDS - 1) * 1000);

  const total = products.reduce((sum, line) => sum + (line.price ?? 0) * (line.quantity ?? 0), 0);
  const taxPrice = Math.round(
    products.reduce(
      (sum, line) => sum + ((line.price ?? 0) * (line.quantity ?? 0) * (line.taxRate ?? 0)) / 100,
      0,
    ),
  );
  const couponGrossPrice = coupon?.grossPrice ?? null;
  const totalGross =
    total + taxPrice + shippingMethod.grossPrice + paymentMethod.grossPrice - (couponGrossPrice ?? 0);
  const emailUser = `${asciiFold(customer.firstname)}.${asciiFold(customer.lastname)}${random.int(1, 99)}`;

  return {
    storeName: SAMPLE_STORE_NAME,
    innerId,
    innerResourceId: orderResourceId(innerId),
    outerResourceId: '',
    firstname: customer.firstname,
    lastname: customer.lastname,
    phone: `+36${random.pick(['20', '30', '70'])}${random.int(1, 9)}${random.digits(6)}`,
    fax: '',
    email: `${emailUser}@${random.pick(EMAIL_DOMAINS)}`,
    cart_token: random.hex(32),
    shippingFirstname: recipient.firstname,
    shippingLastname: recipient.lastname,
    shippingCompany: shipping.company,
    shippingAddress1: shipping.address1,
    shippingAddress2: shipping.address2,
    shippingCity: shipping.city,
    shippingCountryName: COUNTRY,
    shippingZoneName: shipping.zone,
    shippingPostcode: shipping.postcode,
    paymentFirstname: customer.firstname,
    paymentLastname: customer.lastname,
    paymentCompany: billing.company,
    paymentAddress1: billing.address1,
    paymentAddress2: billing.address2,
    paymentCity: billing.city,
    paymentCountryName: COUNTRY,
    paymentZoneName: billing.zone,
    shippingMethodName: shippingMethod.name,
    shippingNetPrice: netOf(shippingMethod.grossPrice),
    shippingGrossPrice: shippingMethod.grossPrice,
    shippingInnerResourceId: shippingResourceId(shippingMethod.modeId),
    paymentMethodName: paymentMethod.name,
    paymentNetPrice: netOf(paymentMethod.grossPrice),
    paymentGrossPrice: paymentMethod.grossPrice,
    couponCode: coupon?.code ?? '',
    couponGrossPrice,
    languageId: '1',
    languageCode: 'hu',
    comment: random.chance(0.3) ? random.pick(ORDER_COMMENTS) : '',
    total,
    totalGross,
    taxPrice,
    currency: 'HUF',
    paymentPostcode: billing.postcode,
    paymentTaxnumber: isCompany
      ? `${random.digits(8)}-2-${random.int(2, 44).toString().padStart(2, '0')}`
      : '',
    orderHistory: {
      status: ORDER_STATUSES[0].status,
      statusText: ORDER_STATUSES[0].statusText,
      comment: '',
      dateAdded,
    },
    orderProducts: { orderProduct: products },
  };
}
