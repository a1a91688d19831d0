/**
 * The sandbox's own command line (`node dist/main.js`, the container image's command): PORT/HOST
 * from the environment, flags over them; a bad port names where it came from (`PORT` or `--port`)
 * and is refused before the server starts, not with Node's "options.port should be >= 0" message.
 */
import { describe, expect, it } from 'vitest';
import { readMainOptions } from './main-options.js';

describe('readMainOptions', () => {
  it('reads PORT and HOST, flags winning', () => {
    expect(readMainOptions([], { PORT: '9000', HOST: '0.0.0.0' })).toMatchObject({
      port: 9000,
      host: '0.0.0.0',
    });
    expect(readMainOptions(['--port', '0'], { PORT: '9000' })).toMatchObject({ port: 0, host: '127.0.0.1' });
    expect(readMainOptions([], {})).toMatchObject({ port: 8787 });
  });

  it.each([
    [[], { PORT: 'abc' }, /^PORT must be a port number from 0 to 65535 \(0: any free port\), got 'abc'/],
    [[], { PORT: '99999' }, /^PORT must be a port number from 0 to 65535/],
    [[], { PORT: '80.5' }, /^PORT must be a port number/],
    [['--port=-1'], {}, /^--port must be a port number from 0 to 65535/],
    [['--port', '70000'], { PORT: '1' }, /^--port must be a port number/],
  ])('refuses %j %j', (args, env, message) => {
    expect(() => readMainOptions(args, env)).toThrow(message);
  });
});
