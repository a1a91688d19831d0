import {
  type NewsletterSubscriber,
  NewsletterSubscriberCollectionSchema,
  type NewsletterSubscriberSearchParams,
  NewsletterSubscriberSearchParamsSchema,
} from '@srhooks/contracts/schemas/newsletter-subscriber';
import { isFullItem } from '@srhooks/contracts/schemas/order-search';
import { InputError, ValidationError } from '../errors.js';
import { parseBody, unwrap } from '../http/api-call.js';
import { checkSearchKeys } from '../option-checks.js';
import type { CallOptions, ResourceContext } from './context.js';

export interface NewsletterSubscribersResource {
  /** Every subscriber matching the filters (`email`, `status`, `subscribedAt`), page after page, `full=1`. */
  all(
    params?: Omit<NewsletterSubscriberSearchParams, 'page' | 'full'>,
    options?: CallOptions,
  ): Promise<NewsletterSubscriber[]>;
}

export function createNewsletterSubscribersResource({
  api,
  apiBase,
}: ResourceContext): NewsletterSubscribersResource {
  return {
    async all(params = {}, options = {}) {
      const out: NewsletterSubscriber[] = [];
      checkSearchKeys(
        params,
        Object.keys(NewsletterSubscriberSearchParamsSchema.shape),
        'GET /newsletterSubscribers',
      );
      for (let page = 0; ; page++) {
        const parsed = NewsletterSubscriberSearchParamsSchema.safeParse({
          limit: 200,
          ...params,
          page,
          full: 1,
        });
        if (!parsed.success) {
          const issue = parsed.error.issues[0];
          const field = issue?.path.join('.') || 'params';
          throw new InputError(`newsletter subscriber search ${field}: ${issue?.message ?? 'not accepted'}`, {
            field,
            value: params,
          });
        }
        const query = parsed.data;
        const url = `${apiBase}/newsletterSubscribers?${new URLSearchParams(Object.entries(query).map(([k, v]) => [k, String(v)]))}`;
        const result = await api.GET('/newsletterSubscribers', {
          params: { query },
          ...(options.signal ? { signal: options.signal } : {}),
        });
        let body: unknown;
        try {
          body = unwrap(result, { method: 'GET', url });
        } catch (error) {
          if (error instanceof ValidationError && error.innerCode === 40008) return out;
          throw error;
        }
        const collection = parseBody(NewsletterSubscriberCollectionSchema, body, {
          method: 'GET',
          url,
          status: result.response.status,
        });
        for (const item of collection.items) {
          if (isFullItem<NewsletterSubscriber>(item as NewsletterSubscriber))
            out.push(item as NewsletterSubscriber);
        }
        if (!collection.next || collection.items.length === 0) return out;
      }
    },
  };
}
