/**
 * The listen tests' shared `srhooks listen` (listen*.test.ts): a sandbox, a login of shop `acme`, and one
 * listen (JSON output, events order_confirm and newsletter_subscribe) on a config dir of its own,
 * started in `beforeAll` and stopped in `afterAll`. Call `listenFixture()` at the top of a test file.
 */
import type { RunningSandbox } from '@srhooks/sandbox';
import { afterAll, beforeAll } from 'vitest';
import { type RunningCli, runCli, startCli, tempConfigDir } from './run-cli.js';
import { loginArgs, startTestSandbox } from './test-sandbox.js';

/** listen's first JSON line. */
export interface ListenStart {
  type: string;
  url: string;
  db: string;
  urls: { shop: string; event: string; url: string }[];
}

export interface ListenFixture {
  readonly config: ReturnType<typeof tempConfigDir>;
  readonly sandbox: RunningSandbox;
  readonly listen: RunningCli;
  readonly start: ListenStart;
}

export function listenFixture(): ListenFixture {
  const config = tempConfigDir();
  let state: { sandbox: RunningSandbox; listen: RunningCli; start: ListenStart } | undefined;
  const started = () => {
    if (state === undefined) throw new Error('the listen fixture is used before its beforeAll ran');
    return state;
  };

  beforeAll(async () => {
    const sandbox = await startTestSandbox();
    const login = await runCli(config.dir, loginArgs(sandbox, 'acme'));
    if (login.code !== 0) throw new Error(login.stderr);
    const listen = startCli(config.dir, [
      'listen',
      '--port',
      '0',
      '--events',
      'order_confirm,newsletter_subscribe',
      '--json',
    ]);
    const start = JSON.parse(await listen.waitForLine(/"type":"listening"/)) as ListenStart;
    state = { sandbox, listen, start };
  });
  afterAll(async () => {
    await state?.listen.interrupt();
    await state?.sandbox.close();
    config.cleanup();
  });

  return {
    config,
    get sandbox() {
      return started().sandbox;
    },
    get listen() {
      return started().listen;
    },
    get start() {
      return started().start;
    },
  };
}
