/**
 * What the exit-code convention says of Ctrl-C: a one-shot command (here `trigger`, waiting for a
 * target that never answers) is ended by the signal, as other Unix tools are — the shell reports
 * 130 — with nothing printed; a long-running one (`listen`) stops gracefully and exits 0.
 */
import { afterAll, describe, expect, it } from 'vitest';
import { startCli, tempConfigDir } from './test-support/run-cli.js';
import { silentServer } from './test-support/silent-server.js';

const config = tempConfigDir();
const silent = await silentServer();
afterAll(async () => {
  await silent.close();
  config.cleanup();
});

describe('Ctrl-C', () => {
  it('ends a one-shot command by the signal (the shell says 130), quietly', async () => {
    const run = startCli(config.dir, [
      'trigger',
      'order_confirm',
      '--to',
      `http://127.0.0.1:${silent.port}/x`,
    ]);
    await silent.received(1);
    expect(await run.interrupt()).toBeNull();
    expect(run.child.signalCode).toBe('SIGINT');
    expect(run.stdout()).toBe('');
    expect(run.stderr()).toBe('');
  });

  it('stops listen gracefully, exit 0', async () => {
    const run = startCli(config.dir, ['listen', '--port', '0']);
    await run.waitForLine(/waiting for deliveries/);
    expect(await run.interrupt()).toBe(0);
    expect(run.stderr()).toContain('stopping the receiver (SIGINT)');
  });
});
