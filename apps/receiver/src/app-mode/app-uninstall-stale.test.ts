/**
 * An uninstall call that arrives outside the timestamp tolerance (ShopRenter's call held up, or this server's
 * clock off) is refused (401 `stale`) and changes nothing: a genuine signature older than the tolerance may
 * also be an old entry-point link (signed alike, seen by staff and browser history) sent to the uninstall URL.
 * But when it is ShopRenter's call, the shop has removed the app and ShopRenter does not send it again
 * (assumed), so the refusal's log line says which shop signed it, why it was refused, and how to mark the
 * shop uninstalled if it did remove the app. Before, it said `app request refused` with the code alone.
 */
import { signAppRequest } from '@srhooks/contracts';
import { describe, expect, it } from 'vitest';
import { APP_CLIENT_SECRET, APP_ID, appModeFixtureForAll } from './test-support/app-mode-fixture.js';
import { shopRow } from './test-support/shop-rows.js';

interface RefusalLine {
  msg: string;
  shop?: string;
  advice?: string;
  appRequest?: { kind: string; refused: string; reason?: string };
}

describe('app mode: a stale uninstall call', () => {
  const f = appModeFixtureForAll({ shops: ['alpha'] });

  it('is refused and changes nothing; its log line names the shop, the skew and how to mark it by hand', async () => {
    await f.sandbox.apps.install(APP_ID, 'alpha');
    expect((await shopRow(f.baseUrl, 'alpha'))?.status).toBe('installed');
    const query = {
      shopname: 'alpha',
      code: 'late1',
      timestamp: String(Math.floor(Date.now() / 1000) - 900),
    };
    const answer = await fetch(
      `${f.baseUrl}/app/uninstall?${new URLSearchParams({ ...query, hmac: signAppRequest(query, APP_CLIENT_SECRET) })}`,
    );
    expect(answer.status).toBe(401);
    expect(((await answer.json()) as { error: { code: string } }).error.code).toBe('stale');
    expect((await shopRow(f.baseUrl, 'alpha'))?.status).toBe('installed');

    const refused = f.logLines
      .map((line) => JSON.parse(line) as RefusalLine)
      .filter((line) => line.msg === 'app request refused' && line.appRequest?.kind === 'uninstall');
    expect(refused).toHaveLength(1);
    // 900 s when signed, a second or two more by the time a loaded machine checks it
    expect(refused[0]?.appRequest?.reason).toMatch(/\b90[0-9] s away from now \(tolerance 300 s\)/);
    expect(refused[0]?.shop).toBe('alpha');
    expect(refused[0]?.advice).toContain('srhooks app mark-uninstalled alpha');

    // A forged call names no shop in the log: its shopname is not proven.
    const forged = { shopname: 'alpha', code: 'forged1', timestamp: String(Math.floor(Date.now() / 1000)) };
    await fetch(
      `${f.baseUrl}/app/uninstall?${new URLSearchParams({ ...forged, hmac: signAppRequest(forged, 'not-the-secret') })}`,
    );
    const last = f.logLines
      .map((line) => JSON.parse(line) as RefusalLine)
      .filter((line) => line.msg === 'app request refused')
      .at(-1);
    expect(last?.appRequest?.refused).toBe('bad_signature');
    expect(last?.shop).toBeUndefined();
    expect(last?.advice).toBeUndefined();
  });
});
