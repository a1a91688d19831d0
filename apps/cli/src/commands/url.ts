import { join } from 'node:path';
import { isWebhookEvent, WEBHOOK_EVENTS, type WebhookEvent } from '@srhooks/contracts/events';
import { publicBaseUrlProblem, signDeliveryUrl } from '@srhooks/contracts/receiver-path';
import { usageError } from '../cli-error.js';
import { productName } from '../cli-invocation.js';
import { defineCommand } from '../command.js';
import { resolveConfigDir } from '../config/config-dir.js';
import { readListenSecrets } from '../config/listen-secrets.js';
import { firstSecret, secretsFromEnv } from '../config/receiver-secrets.js';
import { assertShopName, shopSource } from '../config/shop-name.js';
import { unknownEventError } from '../event-name.js';
import { parseHttpUrl } from '../url-option.js';

export interface UrlOptions {
  shop?: string;
  event?: string;
  base?: string;
  secret?: string;
}

export interface UrlResult {
  shop: string;
  event: WebhookEvent;
  url: string;
}

export const urlCommand = defineCommand<UrlOptions, UrlResult>({
  async run(options, context) {
    const shop = options.shop ?? context.env.SRHOOKS_SHOP;
    if (!shop) throw usageError('missing --shop', 'pass --shop NAME (or set SRHOOKS_SHOP)');
    assertShopName(shop, shopSource(options.shop, 'SRHOOKS_SHOP'));
    if (!options.event) throw usageError('missing --event', `use one of: ${WEBHOOK_EVENTS.join(', ')}`);
    if (!isWebhookEvent(options.event)) throw unknownEventError(options.event);
    const base = options.base ?? context.env.SRHOOKS_PUBLIC_URL;
    if (!base) {
      throw usageError(
        'missing --base',
        "pass the receiver's public base URL, e.g. --base https://hooks.example.com (or set SRHOOKS_PUBLIC_URL)",
      );
    }
    parseHttpUrl(
      options.base === undefined ? 'SRHOOKS_PUBLIC_URL' : '--base',
      base,
      'e.g. --base https://hooks.example.com',
    );
    // the receiver's publicUrl rule (contracts): a query string or fragment is refused, never dropped
    const baseProblem = publicBaseUrlProblem(base);
    if (baseProblem !== null) {
      throw usageError(
        `${options.base === undefined ? 'SRHOOKS_PUBLIC_URL' : '--base'} "${base}" ${baseProblem}`,
        undefined,
        'invalid_public_url',
      );
    }
    // as listen signs: --secret, else SRHOOKS_SECRETS, else listen's own secret from listen.json
    const listenSecret =
      options.secret === undefined && secretsFromEnv(context.env).length === 0
        ? (await readListenSecrets(resolveConfigDir(context.env)))?.urlSecret
        : undefined;
    const secret = firstSecret(options.secret, context.env, listenSecret);
    if (listenSecret !== undefined && secret === listenSecret && !isLocalBase(base)) {
      // a receiver elsewhere has its own SRHOOKS_SECRETS: it would answer this URL 404
      context.output.warn(
        `signed with the secret ${productName('listen')} keeps (${join(resolveConfigDir(context.env), 'listen.json')}), as SRHOOKS_SECRETS is not set: only ${productName('listen')} accepts this URL; for the receiver at ${base} set SRHOOKS_SECRETS to its secrets (or pass --secret)`,
      );
    }
    return { shop, event: options.event, url: signDeliveryUrl(base, { shop, event: options.event }, secret) };
  },

  render(result) {
    return result.url;
  },
});

/** A base on this machine (where a listen runs), not a receiver elsewhere. */
function isLocalBase(base: string): boolean {
  const host = new URL(base).hostname;
  return host === 'localhost' || host === '[::1]' || host === '::1' || /^127\./.test(host);
}
