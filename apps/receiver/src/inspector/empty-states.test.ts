/**
 * A new receiver's empty pages say what to do, not only that there is nothing: the deliveries list how
 * to see whether deliveries reach it (the shops' subscriptions, a test delivery), the handlers page where
 * handlers are configured. Real receiver (HTTP, tmp SQLite) with a shop and no handlers.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  type BrowserSession,
  loginAsBrowser,
  pageText,
  startAdminReceiver,
} from '../admin/test-support/admin-test-receiver.js';
import type { TestReceiver } from '../test-support/test-receiver.js';

describe('empty inspector pages', () => {
  let receiver: TestReceiver;
  let browser: BrowserSession;

  beforeAll(async () => {
    receiver = await startAdminReceiver({ shops: [{ name: 'demo', handlers: [] }], handlers: {} });
    browser = await loginAsBrowser(receiver);
  });

  afterAll(async () => {
    await receiver?.close();
  });

  const page = (path: string): Promise<string> => pageText(receiver.baseUrl, browser.cookie, path);

  it('says, with no delivery yet, how to check that deliveries reach the receiver', async () => {
    const text = await page('/ui');
    expect(text).toContain('No deliveries yet. New ones appear here as they arrive.');
    expect(text).toContain('<code>srhooks webhooks list --shop SHOP</code>');
    expect(text).toContain('<code>srhooks trigger order_confirm --to URL</code>');
  });

  it('says, with no handler configured, where handlers are configured', async () => {
    const text = await page('/ui/handlers');
    expect(text).toContain('No handlers are configured');
    expect(text).toContain('<code>handlers</code> in srhooks.config.json');
  });
});
