/** The store plugin says when it created a new, empty SQLite file (a wrong SRHOOKS_DB looks like a fresh install). */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { ConfigError } from '../config/config-error.js';
import { defineReceiverConfig } from '../config/load-config.js';
import { startTestReceiver } from '../test-support/test-receiver.js';
import { storeSelection } from './store-plugin.js';

const dir = mkdtempSync(join(tmpdir(), 'srhooks-store-plugin-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const createdLines = (lines: string[]) =>
  lines.filter((line) => line.includes('a new, empty SQLite store was created'));

describe('storePlugin', () => {
  it("never takes PgStore's test-only jobClock from the configuration: the store a config selects is on the server's clock", () => {
    const secrets = ['store-plugin-secret-0123456789abcdef'];
    const config = defineReceiverConfig({
      secrets,
      databaseUrl: 'postgres://postgres@127.0.0.1:5432/test',
      databaseSchema: 'store_plugin',
    });
    expect(storeSelection(config)).toEqual({
      kind: 'postgres',
      url: 'postgres://postgres@127.0.0.1:5432/test',
      schema: 'store_plugin',
    });
    expect(() =>
      defineReceiverConfig({
        secrets,
        databaseUrl: 'postgres://x@127.0.0.1/test',
        jobClock: 'caller',
      } as never),
    ).toThrow(ConfigError);
  });

  it('warns once at start when the SQLite file did not exist, naming it and what recovery would do; not for an existing file', async () => {
    const db = join(dir, 'fresh', 'srhooks.db');
    const first = await startTestReceiver({ db });
    await first.close();
    const created = createdLines(first.logLines);
    expect(created).toHaveLength(1);
    const line = JSON.parse(created[0] as string);
    expect(line).toMatchObject({ level: 40, store: { kind: 'sqlite', file: db, created: true } });
    expect(line.msg).toContain(`created at ${db}`);
    expect(line.msg).toContain(
      "store the last 3 days' orders again as new events and run their handlers again",
    );

    const second = await startTestReceiver({ db });
    await second.close();
    expect(createdLines(second.logLines)).toEqual([]);
  });
});
