// @ts-check
/**
 * srhooks module handler: for each confirmed order, writes the review-request e-mail the shop would
 * send to the customer into an outbox file (mbox format; no SMTP here). Point a `module` handler at this
 * file (see README.md).
 *
 * Environment:
 *   REVIEW_REQUEST_OUTBOX     outbox file (default ./data/review-requests.mbox, relative to the receiver's cwd)
 *   REVIEW_REQUEST_URL        review link; {shop} and {order} are replaced (default https://{shop}.shoprenter.hu/)
 *   REVIEW_REQUEST_SHOP_NAME  the shop's name in the text (default: the order's storeName)
 *   REVIEW_REQUEST_FROM       sender, e.g. "Virágbolt <hello@viragbolt.hu>"
 */
import { appendFile, mkdir, readFile } from 'node:fs/promises';
import { dirname, resolve } from 'node:path';
import { defineHandlers } from '@srhooks/receiver';
import { renderReviewEmail } from './review-email.mjs';

/** @param {string} path */
async function readIfExists(path) {
  try {
    return await readFile(path, 'utf8');
  } catch (error) {
    if (/** @type {NodeJS.ErrnoException} */ (error).code === 'ENOENT') return '';
    throw error;
  }
}

/** mbox: a "From " line starts each message; body lines starting with "From " are quoted. @param {string} message @param {Date} date */
function mboxEntry(message, date) {
  const quoted = message.replace(/^(>*From )/gm, '>$1');
  return `From srhooks ${date.toUTCString()}\n${quoted}\n`;
}

export default defineHandlers({
  order_confirm: async (event, ctx) => {
    const outbox = resolve(process.env.REVIEW_REQUEST_OUTBOX ?? './data/review-requests.mbox');
    const date = new Date();
    const email = renderReviewEmail(event.order, {
      shop: event.shop,
      messageId: ctx.jobId,
      date,
      ...(process.env.REVIEW_REQUEST_SHOP_NAME ? { shopName: process.env.REVIEW_REQUEST_SHOP_NAME } : {}),
      ...(process.env.REVIEW_REQUEST_FROM ? { from: process.env.REVIEW_REQUEST_FROM } : {}),
      ...(process.env.REVIEW_REQUEST_URL ? { reviewUrl: process.env.REVIEW_REQUEST_URL } : {}),
    });
    const orderNumber = event.order.innerId;
    if (!email) {
      ctx.logger.warn(
        { orderNumber },
        'order has no e-mail address (add order_email to the subscription fields); no review request',
      );
      return;
    }
    // At-least-once delivery: after a crash this job may run again. The job id is the Message-ID, so a
    // message that already reached the outbox is not written twice.
    await mkdir(dirname(outbox), { recursive: true });
    if ((await readIfExists(outbox)).includes(`Message-ID: <${ctx.jobId}@srhooks>`)) {
      ctx.logger.info({ orderNumber }, 'review request already in the outbox');
      return;
    }
    await appendFile(outbox, mboxEntry(email.message, date), 'utf8');
    ctx.logger.info({ orderNumber, attempt: ctx.attempt }, 'review request written to the outbox');
  },
});
