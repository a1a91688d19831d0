/**
 * The entry point (the app's page in the shop's admin) refusing a stale call is a page the merchant reads:
 * open the app again, then contact the app's developer — not the developer's advice ("check this server's
 * clock (NTP)"), which is in the 'app request refused' log line with the skew.
 */
import { signAppRequest } from '@srhooks/contracts';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  APP_CLIENT_SECRET,
  type AppModeFixture,
  startAppModeFixture,
} from './test-support/app-mode-fixture.js';

describe('app mode: a stale entry-point call', () => {
  let f: AppModeFixture;
  beforeAll(async () => {
    f = await startAppModeFixture({ shops: ['alpha'] });
  });
  afterAll(async () => {
    await f?.close();
  });

  it('is a page telling the merchant to open the app again, then to contact the developer; the clock is in the log', async () => {
    const query = {
      shopname: 'alpha',
      code: 'staleentry1',
      timestamp: String(Math.floor(Date.now() / 1000) - 3600),
    };
    const path = `/app/entry?${new URLSearchParams({ ...query, hmac: signAppRequest(query, APP_CLIENT_SECRET) })}`;
    const response = await fetch(`${f.baseUrl}${path}`, { headers: { accept: 'text/html' } });
    expect(response.status).toBe(401);
    const text = (await response.text()).replaceAll('&#39;', "'").replaceAll('&#x27;', "'");
    expect(text).toContain(
      "This link has expired: open the app again from the shop admin; if this page comes back, contact the app's developer (the clock of the app's service may be off).",
    );
    expect(text).not.toContain('NTP');
    expect(text).not.toContain('tolerance');
    // the developer reads the skew in the log (3600 s when signed, a second or two more on a loaded machine)
    const refused = f.logLines
      .map((line) => JSON.parse(line) as { msg: string; appRequest?: { refused: string; reason?: string } })
      .filter((line) => line.msg === 'app request refused' && line.appRequest?.refused === 'stale');
    expect(refused.at(-1)?.appRequest?.reason).toMatch(/\b360[0-9] s away from now \(tolerance 300 s\).*NTP/);
  });
});
