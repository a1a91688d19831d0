import { z } from 'zod';
import { LinkSchema, LooseStringSchema } from './loose.js';

/**
 * `GET /newsletterSubscribers` (FACTS.md §6): filters `email`, `status` (0/1), `subscribedAt`;
 * there is no "updated since" filter, so changes can only be found by comparing snapshots.
 */
const text = LooseStringSchema.optional();

export const NewsletterSubscriberSchema = z.looseObject({
  href: z.string().optional(),
  id: z.string(),
  firstname: text,
  lastname: text,
  email: text,
  phone: text,
  status: text,
  blacklisted: text,
  dateSubscribed: text,
  hash: text,
  mailmasterId: text,
  dateCreated: text,
  dateUpdated: text,
  language: LinkSchema.nullable().optional(),
});

export const NewsletterSubscriberSearchParamsSchema = z.strictObject({
  page: z.number().int().min(0).optional(),
  limit: z.number().int().min(1).max(200).optional(),
  full: z.union([z.literal(0), z.literal(1)]).optional(),
  email: z.string().optional(),
  status: z.union([z.literal(0), z.literal(1)]).optional(),
  subscribedAt: z.string().optional(),
});

const pageLink = LinkSchema.nullable().optional();

export const NewsletterSubscriberCollectionSchema = z.looseObject({
  href: z.string().optional(),
  page: text,
  limit: text,
  first: pageLink,
  previous: pageLink,
  next: pageLink,
  last: pageLink,
  items: z.array(z.union([NewsletterSubscriberSchema, LinkSchema])),
});

export type NewsletterSubscriber = z.infer<typeof NewsletterSubscriberSchema>;
export type NewsletterSubscriberSearchParams = z.infer<typeof NewsletterSubscriberSearchParamsSchema>;
export type NewsletterSubscriberCollection = z.infer<typeof NewsletterSubscriberCollectionSchema>;
