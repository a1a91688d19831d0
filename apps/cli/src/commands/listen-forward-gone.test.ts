/**
 * `srhooks listen --forward-to` a target that answers 410 Gone: the receiver disables the handler and
 * the job waits for it (not a failure, not a dead letter). listen says so when the attempt happens
 * (`→ forward disabled (HTTP 410): …` with the command that enables it again), and when an erasure
 * (`srhooks erase --include-unfinished`) later cancels the waiting job it says the erasure cancelled
 * it, not `dead HTTP 410` (the 410 was the earlier attempt's). The target's answer quotes a customer:
 * it never reaches the output.
 */

import { describe, expect, it } from 'vitest';
import { startCaptureServer } from '../test-support/capture-server.js';
import { runCli, startCli, tempConfigDir } from '../test-support/run-cli.js';

/** What the gone target answers: a customer's name and e-mail address (never printed without --reveal). */
const GONE_ANSWER = 'endpoint removed; last customer Kovács Éva <kovacs.eva@example.com>';

describe('srhooks listen --forward-to a target that answers 410 Gone', () => {
  it('prints the handler disabled when the attempt happens, then the waiting job cancelled by an erasure', async () => {
    const config = tempConfigDir();
    const target = await startCaptureServer(() => ({ status: 410, body: GONE_ANSWER }));
    const listen = startCli(config.dir, [
      'listen',
      '--port',
      '0',
      '--shop',
      'demo',
      '--events',
      'order_confirm',
      '--forward-to',
      `${target.url}/webhooks`,
    ]);
    try {
      const urlLine = await listen.waitForLine(/\/hooks\/demo\/order_confirm\//);
      const url = urlLine.trim().split(/\s+/).at(-1) ?? '';
      const sent = await runCli(config.dir, ['trigger', 'order_confirm', '--to', url, '--seed', 'gone-1']);
      expect(sent.code).toBe(0);
      const stored = await listen.waitForLine(/ {2}demo {2}order_confirm {2}#\d+ .*stored/);
      const order = /#(\d+)/.exec(stored)?.[1] ?? '';
      const head = `^\\d\\d:\\d\\d:\\d\\d {2}demo {2}order_confirm {2}#${order} {2}`;

      await listen.waitForLine(
        new RegExp(
          `${head}→ forward disabled \\(HTTP 410\\): its jobs wait until it is enabled \\(srhooks handlers enable forward\\)$`,
        ),
      );
      expect(target.requests).toHaveLength(1);

      const erased = await runCli(config.dir, [
        'erase',
        '--shop',
        'demo',
        '--order-id',
        order,
        '--reason',
        'GDPR-QA-410',
        '--include-unfinished',
      ]);
      expect(erased.code, erased.stderr).toBe(0);
      await listen.waitForLine(
        new RegExp(
          `${head}→ forward cancelled by an erasure: the event's personal data was erased on request, so its handler will not send it$`,
        ),
      );
      expect(listen.stdout()).not.toMatch(/→ forward dead/);
      expect(listen.stdout()).not.toMatch(/→ forward retrying/);
      // The erasure is announced as a change of the delivery too, which is no arrival: once a later
      // delivery is printed (listen prints in order), the erased one still has its one line.
      const later = await runCli(config.dir, ['trigger', 'order_confirm', '--to', url, '--seed', 'gone-2']);
      expect(later.code).toBe(0);
      await listen.waitForLine(new RegExp(` {2}demo {2}order_confirm {2}#(?!${order} )\\d+ .*stored`));
      const arrivals = listen
        .stdout()
        .split('\n')
        .filter((line) => line.includes(`#${order} `) && !line.includes('→'));
      expect(arrivals).toHaveLength(1);
    } finally {
      expect(await listen.interrupt()).toBe(0);
      await target.close();
      config.cleanup();
    }
    for (const text of ['Kovács', 'kovacs.eva', 'endpoint removed']) {
      expect(listen.stdout()).not.toContain(text);
      expect(listen.stderr()).not.toContain(text);
    }
  });
});
