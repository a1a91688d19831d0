/**
 * `listen --host [::1]` and `sandbox --host [::1]`: an IPv6 address written as a URL writes it (in
 * brackets) is no host Node listens on. The fix line names it without the brackets; before, it said
 * "give one of its addresses", which ::1 is. Another unknown host keeps the general fix.
 */
import { afterAll, describe, expect, it } from 'vitest';
import { badHostError } from './bad-host.js';
import { runCli, tempConfigDir } from './test-support/run-cli.js';

const config = tempConfigDir();
afterAll(() => config.cleanup());

describe('--host in brackets', () => {
  it.each([[['listen', '--port', '0']], [['sandbox', '--port', '0']]])(
    'srhooks %j --host [::1]: exit 2, bad_host, the address without brackets',
    async (args) => {
      const run = await runCli(config.dir, [...args, '--host', '[::1]', '--json']);
      expect(run.code).toBe(2);
      expect(JSON.parse(run.stdout).error).toMatchObject({
        code: 'bad_host',
        message: expect.stringMatching(/^--host "\[::1\]" is not an address of this machine \(\w+\)$/),
        hint: 'write an IPv6 address without the brackets a URL puts around it: --host ::1',
      });
    },
  );

  it('any other host keeps the general fix', () => {
    expect(badHostError('no-such-host.invalid', 'ENOTFOUND').hint).toBe(
      'leave --host out (127.0.0.1), or give one of its addresses (0.0.0.0: all of them)',
    );
  });
});
