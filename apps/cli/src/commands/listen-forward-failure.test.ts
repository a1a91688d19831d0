/**
 * `srhooks listen --forward-to` a local app that is not running: the most common failure of the loop
 * reads at a glance without `--reveal` (the receiver's own words: the target's host and why it got no
 * answer), while the stored error text stays hidden until revealed, as every handler error is.
 */

import { freePort } from '@srhooks/sandbox';
import { describe, expect, it } from 'vitest';
import { runCli, startCli, tempConfigDir } from '../test-support/run-cli.js';

describe('srhooks listen --forward-to a target that is down', () => {
  it('says the connection was refused, masked view included', async () => {
    const config = tempConfigDir();
    const port = await freePort();
    const listen = startCli(config.dir, [
      'listen',
      '--port',
      '0',
      '--shop',
      'demo',
      '--events',
      'order_confirm',
      '--forward-to',
      `http://127.0.0.1:${port}/webhooks`,
    ]);
    try {
      const urlLine = await listen.waitForLine(/\/hooks\/demo\/order_confirm\//);
      const url = urlLine.trim().split(/\s+/).at(-1) ?? '';
      const sent = await runCli(config.dir, ['trigger', 'order_confirm', '--to', url, '--seed', '3']);
      expect(sent.code).toBe(0);
      const line = await listen.waitForLine(/→ forward retrying/);
      expect(line).toContain(
        `→ forward retrying  POST to 127.0.0.1:${port} got no answer: connection refused: nothing listens at that address and port (ECONNREFUSED); the full error hidden (`,
      );
    } finally {
      expect(await listen.interrupt()).toBe(0);
      config.cleanup();
    }
  });
});
