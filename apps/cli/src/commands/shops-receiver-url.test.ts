/**
 * Plain `srhooks shops` with SRHOOKS_RECEIVER_URL set (a platform app's developer, as the root README's
 * "Build a ShopRenter app" exports it): it lists the stored credentials, and says how to list the shops that
 * receiver serves — its app installs — instead of only "no stored shops, run srhooks login", which is for a
 * shop's own API client and no help to an app.
 */
import { afterAll, describe, expect, it } from 'vitest';
import { runCli, tempConfigDir } from '../test-support/run-cli.js';

const config = tempConfigDir();
afterAll(() => config.cleanup());

describe('srhooks shops with SRHOOKS_RECEIVER_URL set', () => {
  it('says how to list the shops of the receiver it names', async () => {
    const env = { SRHOOKS_RECEIVER_URL: 'http://127.0.0.1:3000' };
    const human = await runCli(config.dir, ['shops'], { env });
    expect(human.code).toBe(0);
    expect(human.stdout).toContain(
      'SRHOOKS_RECEIVER_URL names a receiver (http://127.0.0.1:3000): srhooks shops --receiver lists the shops it serves (config shops and app installs)',
    );
    const json = await runCli(config.dir, ['shops', '--json'], { env });
    expect(JSON.parse(json.stdout)).toMatchObject({ shops: [], receiverUrl: 'http://127.0.0.1:3000' });
    // Without it, nothing is said about a receiver.
    const plain = await runCli(config.dir, ['shops'], { env: { SRHOOKS_RECEIVER_URL: '' } });
    expect(plain.stdout).not.toContain('SRHOOKS_RECEIVER_URL');
  });
});
