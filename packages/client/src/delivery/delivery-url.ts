import {
  ContractsError,
  isValidShopName,
  isWebhookEvent,
  signDeliveryUrl,
  WEBHOOK_EVENTS,
  type WebhookEvent,
} from '@srhooks/contracts';
import { assertSecureUrl } from '../endpoint-urls.js';
import { InputError } from '../errors.js';
import { checkReceiverSecret } from './verify-delivery.js';

export interface DeliveryUrlInput {
  /** The receiver's public base URL, e.g. `https://hooks.example.com` (may carry a path). */
  baseUrl: string;
  shop: string;
  event: WebhookEvent;
  /** The receiver secret (at least 16 characters). */
  secret: string;
}

/**
 * The URL to register for (shop, event): `{baseUrl}/hooks/{shop}/{event}/{token}`, where the token
 * is an HMAC of shop and event under the secret. Deliveries are unsigned (FACTS.md §4), so this URL
 * is what proves a delivery is genuine.
 */
export function buildDeliveryUrl(input: DeliveryUrlInput): string {
  if (input === null || typeof input !== 'object') {
    throw new InputError('buildDeliveryUrl needs {baseUrl, shop, event, secret}', { field: 'input' });
  }
  assertSecureUrl(input.baseUrl, 'baseUrl');
  if (!isValidShopName(input.shop)) {
    throw new InputError(
      `shop ${JSON.stringify(input.shop)} is not a valid ShopRenter shop name (lowercase letters, digits, hyphens)`,
      {
        field: 'shop',
        value: input.shop,
        code: 'invalid_shop',
      },
    );
  }
  if (!isWebhookEvent(input.event)) {
    throw new InputError(
      `event ${JSON.stringify(input.event)} is not a ShopRenter webhook event; allowed: ${WEBHOOK_EVENTS.join(', ')}`,
      {
        field: 'event',
        value: input.event,
        allowed: WEBHOOK_EVENTS,
        code: 'invalid_event',
      },
    );
  }
  checkReceiverSecret(input.secret, 'secret', 'buildDeliveryUrl: secret');
  try {
    return signDeliveryUrl(input.baseUrl, { shop: input.shop, event: input.event }, input.secret);
  } catch (error) {
    if (error instanceof ContractsError && error.code === 'invalid_public_url')
      throw new InputError(error.message, { field: 'baseUrl', value: input.baseUrl, code: 'invalid_url' });
    if (error instanceof ContractsError)
      throw new InputError(error.message, {
        field: 'secret',
        code: error.code === 'weak_secret' ? 'weak_secret' : 'invalid_input',
      });
    throw error;
  }
}
