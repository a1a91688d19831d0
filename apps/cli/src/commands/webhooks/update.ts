import { dedupeFieldsWarning } from '@srhooks/contracts/dedupe-key';
import { usageError } from '../../cli-error.js';
import { defineCommand } from '../../command.js';
import { checkSignedUrlTarget } from '../../delivery/url-event.js';
import { connectShop } from '../../shop-client.js';
import type { WebhookResult } from './get.js';
import { checkUpdateFlags, hasUpdateFlags, specFromUpdateFlags, type WebhookFlags } from './webhook-flags.js';
import { forWebhookId } from './webhook-id.js';
import { renderWebhookDetail } from './webhook-view.js';

export interface UpdateWebhookOptions extends WebhookFlags {
  id: string;
}

/** Checks the flags, reads the subscription, applies the flags and PUTs the whole subscription back. */
export const updateWebhookCommand = defineCommand<UpdateWebhookOptions, WebhookResult>({
  async run(options, context) {
    if (!hasUpdateFlags(options)) {
      throw usageError(
        'nothing to update',
        'pass at least one of --event, --url, --type, --field/--fields, --clear-fields, --delay, --clear-delay, --label, --enabled, --disabled',
      );
    }
    checkUpdateFlags(options);
    const { target, client } = await connectShop(options.shop, context.env, options.timeoutMs);
    const current = await forWebhookId(target.shop, options.id, () => client.webhooks.get(options.id));
    const spec = specFromUpdateFlags(current, options);
    // only when the URL or the event changes: a --label or --disabled is never refused for a URL set before
    if (options.url !== undefined || options.event !== undefined) {
      checkSignedUrlTarget(
        spec.url,
        target.shop,
        spec.event,
        options.url ? '--url' : "the subscription's URL",
      );
    }
    const warning = dedupeFieldsWarning(`webhook ${current.id} (${spec.event})`, spec.event, spec.fields);
    if (warning) context.output.warn(warning);
    return { shop: target.shop, webhook: await client.webhooks.update(current.id, spec) };
  },

  render(result, style) {
    return `${style.green('✔')} updated webhook ${result.webhook.id}\n${renderWebhookDetail(result.webhook, style)}`;
  },
});
