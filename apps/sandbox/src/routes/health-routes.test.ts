import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startSandbox } from '../start-sandbox.js';

describe('GET /readyz', () => {
  let running: Awaited<ReturnType<typeof startSandbox>>;
  beforeAll(async () => {
    running = await startSandbox({ port: 0, logger: false });
  });
  afterAll(async () => {
    await running.close();
  });

  it('answers 200 {ok: true} over HTTP, not counted as a shop request', async () => {
    const response = await fetch(`${running.url}/readyz`);
    expect(response.status).toBe(200);
    expect(await response.json()).toEqual({ ok: true });
    expect(running.sandbox.requestCount().total).toBe(0);
  });
});
