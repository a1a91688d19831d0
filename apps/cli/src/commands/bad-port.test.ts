/**
 * A port fetch refuses to request ("bad port": 6000, 10080, …, the fetch spec's list that undici and
 * browsers share) is refused when `listen` or `sandbox` starts, not run on: the admin commands and
 * the sandbox subcommands (fetch) could never reach a server there.
 */
import { afterAll, describe, expect, it } from 'vitest';
import { fetchRefusesPort } from '../config/bad-port.js';
import { runCli, tempConfigDir } from '../test-support/run-cli.js';

const config = tempConfigDir();
afterAll(() => config.cleanup());

describe('a --port fetch refuses to request is a usage error at start', () => {
  it.each([
    ['listen', 6000],
    ['sandbox', 6000],
    ['listen', 10080],
  ])('srhooks %s --port %i: exit 2, naming the port and saying to pick another', async (command, port) => {
    const run = await runCli(config.dir, [command, '--port', String(port)], { timeoutMs: 20_000 });
    expect(run.code).toBe(2);
    expect(run.stderr).toBe(
      `error: port ${port} is one that HTTP clients refuse to connect to: use another port\npick another with --port (0 = any free port): srhooks commands (fetch) could not reach a server on port ${port}\n`,
    );
    const json = await runCli(config.dir, [command, '--port', String(port), '--json'], { timeoutMs: 20_000 });
    expect(JSON.parse(json.stdout).error).toMatchObject({ code: 'bad_port', exitCode: 2 });
  });
});

describe('fetchRefusesPort asks fetch, sending nothing', () => {
  it('is true for the ports fetch refuses only', async () => {
    expect(await fetchRefusesPort(6000)).toBe(true);
    expect(await fetchRefusesPort(1)).toBe(true);
    expect(await fetchRefusesPort(4750)).toBe(false);
    expect(await fetchRefusesPort(8787)).toBe(false);
    expect(await fetchRefusesPort(0)).toBe(false);
  });
});
