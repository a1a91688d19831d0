/** The worker inside buildReceiver: started with the app, stopped on close after running jobs finished. */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { buildReceiver } from '../app.js';
import { defineReceiverConfig } from '../config/load-config.js';
import { ingestSamples, openSqlite, tempDir } from './test-support/processing-fixtures.js';
import { waitFor } from './test-support/wait-for.js';

const tmp = tempDir('processing-plugin');
afterAll(() => tmp.cleanup());

interface Gate {
  started: number;
  release?: () => void;
}

function config(name: string, handlerPath: string) {
  return defineReceiverConfig({
    secrets: ['test-secret-0123456789abcdef'],
    db: join(tmp.dir, `${name}.db`),
    logLevel: 'silent',
    handlers: { slow: { type: 'module', path: handlerPath } },
    shops: [{ name: 'demo', handlers: ['slow'] }],
  });
}

describe('processing plugin', () => {
  it('runs jobs while the app is up and lets a running job finish on close', async () => {
    const gate: Gate = { started: 0 };
    (globalThis as { __srhooksGate?: Gate }).__srhooksGate = gate;
    const handlerPath = join(tmp.dir, 'slow-handler.mjs');
    writeFileSync(
      handlerPath,
      `export default {
        order_confirm: () => new Promise((resolve) => {
          const gate = globalThis.__srhooksGate;
          gate.started += 1;
          gate.release = resolve;
        }),
      };`,
    );
    const app = await buildReceiver(config('graceful', handlerPath), { defaultMetrics: false });
    await app.ready();
    expect(app.worker?.handlers).toEqual(['slow']);
    const { events } = await ingestSamples(app.store, { handlers: ['slow'], receivedAt: new Date() });
    await waitFor(() => gate.started === 1, 'the handler to start');

    let closed = false;
    const closing = app.close().then(() => {
      closed = true;
    });
    await new Promise((resolve) => setTimeout(resolve, 50));
    expect(closed).toBe(false);
    gate.release?.();
    await closing;

    const store = await openSqlite(join(tmp.dir, 'graceful.db'));
    try {
      const event = await store.getEvent(events[0]!.id);
      expect(event?.status).toBe('succeeded');
      expect(event?.jobs[0]?.attemptLog.map((attempt) => attempt.outcome)).toEqual(['succeeded']);
    } finally {
      await store.close();
    }
  });

  it('runs no handlers with processing disabled (an ingest-only instance)', async () => {
    const handlerPath = join(tmp.dir, 'never.mjs');
    writeFileSync(
      handlerPath,
      `export default { order_confirm: () => { throw new Error('must not run'); } };`,
    );
    const app = await buildReceiver(config('ingest-only', handlerPath), {
      defaultMetrics: false,
      processing: { enabled: false },
    });
    try {
      await app.ready();
      expect(app.worker).toBeNull();
      const { events } = await ingestSamples(app.store, { handlers: ['slow'], receivedAt: new Date() });
      await new Promise((resolve) => setTimeout(resolve, 100));
      expect((await app.store.getEvent(events[0]!.id))?.jobs[0]?.status).toBe('pending');
    } finally {
      await app.close();
    }
  });

  it('refuses to start with an invalid handler option, naming the key', async () => {
    const cfg = config('bad-retry', join(tmp.dir, 'never.mjs'));
    const broken = {
      ...cfg,
      handlers: { slow: { ...cfg.handlers.slow!, retry: { delays: ['soon'] } } },
    };
    await expect(buildReceiver(broken, { defaultMetrics: false })).rejects.toThrow(
      'handlers.slow.retry.delays[0] is "soon"; use milliseconds or a duration such as "5s", "5m", "2h", "1d"',
    );
  });
});
