import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildSandbox } from '../index.js';
import { type CaptureServer, startCaptureServer } from '../test-support/capture-server.js';
import { startTestSandbox, webhookBody } from '../test-support/test-sandbox.js';

describe('persistence with a data file', () => {
  let dir: string;
  let receiver: CaptureServer;
  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'srhooks-sandbox-'));
    receiver = await startCaptureServer();
  });
  afterAll(async () => {
    await receiver.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('keeps webhooks, orders, subscribers, deliveries and tokens across a restart', async () => {
    const dataFile = join(dir, 'sandbox.json');
    const first = await startTestSandbox({ dataFile });
    const token = await first.token();
    const created = (
      await first.api('POST', '/webHooks', { token, body: webhookBody(`${receiver.url}/p`) })
    ).json();
    await first.api('POST', '/webHooks/kept-outer-id', {
      token,
      body: webhookBody('http://127.0.0.1:9/o', { status: '0' }),
    });
    const { order } = await first.simulator.placeOrder('demo', { seed: 1 });
    await first.simulator.subscribe('demo');
    await first.simulator.waitForIdle();
    await first.close();

    const second = await startTestSandbox({ dataFile });
    try {
      const got = await second.api('GET', `/webHooks/${created.id}`, { token });
      expect(got.status).toBe(200);
      expect(got.json().webHookParameters.url).toBe(`${receiver.url}/p`);
      // The RS256 key was kept (the token above still works) and so were outer ids.
      expect((await second.api('GET', '/webHooks/kept-outer-id', { token })).json().id).toBe('kept-outer-id');
      expect(second.simulator.orders('demo').map((o) => o.innerId)).toEqual([order.innerId]);
      expect(second.simulator.subscribers('demo')).toHaveLength(1);
      expect(second.simulator.deliveries('demo')).toMatchObject([{ state: 'delivered', status: 200 }]);
      // Counters continue: no id is handed out twice.
      const next = await second.simulator.placeOrder('demo');
      expect(Number(next.order.innerId)).toBe(Number(order.innerId) + 1);
      const another = (
        await second.api('POST', '/webHooks', { token, body: webhookBody(`${receiver.url}/q`) })
      ).json();
      expect(another.id).not.toBe(created.id);
    } finally {
      await second.close();
    }
  });

  it('sends a delayed delivery scheduled before a restart after it', async () => {
    const dataFile = join(dir, 'delayed.json');
    const timeScale = 86_400 * 2; // 1 day = 500 ms
    const first = await startTestSandbox({ dataFile, timeScale });
    await first.api('POST', '/webHooks', {
      body: webhookBody(`${receiver.url}/after-restart`, {
        webHookDelay: [{ delay: '1', delayUnit: 'day' }],
      }),
    });
    await first.simulator.placeOrder('demo');
    await first.close();
    expect(receiver.requests.filter((r) => r.url === '/after-restart')).toHaveLength(0);

    const second = await startTestSandbox({ dataFile, timeScale });
    try {
      await second.simulator.waitForIdle();
      expect(receiver.requests.filter((r) => r.url === '/after-restart')).toHaveLength(1);
      expect(second.simulator.deliveries('demo').at(-1)).toMatchObject({ state: 'delivered', status: 200 });
    } finally {
      await second.close();
    }
    // Once sent, the stored payload is dropped from the file; the record stays.
    const saved = JSON.parse(readFileSync(dataFile, 'utf8'));
    expect(saved.shops.demo.pendingPayloads).toEqual({});
    expect(saved.shops.demo.deliveries).toMatchObject([{ state: 'delivered', status: 200 }]);
  });

  it('refuses a --data path that is a directory, in words, saying what to do', async () => {
    await expect(buildSandbox({ dataFile: dir })).rejects.toThrow(
      `data file ${dir} (--data) is a directory, not a file; give --data a file path (one that does not exist yet is created), or leave --data out to keep the state in memory.`,
    );
  });

  it('starts with a --data file that does not exist yet (in a directory that does not either)', async () => {
    const dataFile = join(dir, 'new', 'sandbox.json');
    const { app } = await buildSandbox({ dataFile });
    await app.close();
    expect(existsSync(dataFile)).toBe(true);
  });

  it('refuses a data file that is not one, saying what to do', async () => {
    const dataFile = join(dir, 'garbage.json');
    writeFileSync(dataFile, '{"hello": "world"}');
    await expect(buildSandbox({ dataFile })).rejects.toThrow(/is not a sandbox data file; move it away/);
    writeFileSync(dataFile, '{');
    await expect(buildSandbox({ dataFile })).rejects.toThrow(/is not valid JSON/);
  });

  it('names the line and column of a broken data file and quotes nothing of it (it holds orders)', async () => {
    const dataFile = join(dir, 'broken.json');
    writeFileSync(dataFile, '{"shops": {"demo": {"orders": [{"firstname": Kiss Anna}]}}}');
    const error = await buildSandbox({ dataFile }).then(
      () => undefined,
      (caught: unknown) => caught as Error & { code?: string },
    );
    expect(error?.code).toBe('data_file_corrupt');
    expect(error?.message).toBe(
      `data file ${dataFile} is not valid JSON: unexpected character at line 1, column 46; fix the JSON at line 1, column 46 (your editor shows the spot), or move the file away to start fresh.`,
    );
    for (const words of ['Kiss', 'Anna', 'firstname']) expect(error?.message).not.toContain(words);
  });

  it('lets a seed file redefine demo (its entry replaces the default one)', async () => {
    const seedFile = join(dir, 'seed-demo.json');
    writeFileSync(
      seedFile,
      JSON.stringify([
        {
          name: 'demo',
          clients: [{ clientId: 'mine', clientSecret: 'sec', scopes: ['store.webhook:read'] }],
        },
        { name: 'bolt', clients: [] },
      ]),
    );
    const sb = await startTestSandbox({ seedFile });
    try {
      expect(sb.sandbox.shopNames()).toEqual(['demo', 'bolt']);
      await expect(sb.token('demo')).rejects.toThrow(/401/);
      await expect(sb.token('demo', { clientId: 'mine', clientSecret: 'sec' })).resolves.toMatch(/\./);
    } finally {
      await sb.close();
    }
    writeFileSync(
      seedFile,
      JSON.stringify([
        { name: 'bolt', clients: [] },
        { name: 'bolt', clients: [] },
      ]),
    );
    await expect(buildSandbox({ seedFile })).rejects.toThrow(/configured twice/);
  });

  it('reads shops from a seed file and rejects bad seeds', async () => {
    const seedFile = join(dir, 'seed.json');
    writeFileSync(
      seedFile,
      JSON.stringify([
        { name: 'bolt', clients: [{ clientId: 'id', clientSecret: 'sec', scopes: ['store.webhook:read'] }] },
      ]),
    );
    const sb = await startTestSandbox({ seedFile });
    try {
      // Extra shops: the default `demo` stays.
      expect(sb.sandbox.shopNames()).toEqual(['demo', 'bolt']);
      expect((await sb.api('GET', '/webHooks')).status).toBe(200);
      expect(
        (
          await sb.api('GET', '/webHooks', {
            shop: 'bolt',
            token: await sb.token('bolt', { clientId: 'id', clientSecret: 'sec' }),
          })
        ).status,
      ).toBe(200);
    } finally {
      await sb.close();
    }
    writeFileSync(seedFile, JSON.stringify([{ name: 'Bad Name', clients: [] }]));
    await expect(buildSandbox({ seedFile })).rejects.toThrow(/is not a ShopRenter shop name/);
    await expect(
      buildSandbox({
        shops: [
          { name: 'a', clients: [] },
          { name: 'a', clients: [] },
        ],
      }),
    ).rejects.toThrow(/configured twice/);
  });
});
