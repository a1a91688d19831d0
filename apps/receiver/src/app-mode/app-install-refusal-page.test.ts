/**
 * The install call (RedirectUri) is the shop owner's browser, sent there by ShopRenter. A refusal — a call
 * not signed with the app's ClientSecret (the backend configured with another one), a stale or reused call,
 * a reserved shop name — is a page for that owner saying what went wrong and what to do (install again from
 * the shop admin, then contact the app's developer), over real HTTP. Before, the browser showed the JSON
 * error body. Callers that do not ask for HTML (the sandbox, scripts) still get the JSON body.
 */
import { signAppRequest } from '@srhooks/contracts';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  APP_CLIENT_SECRET,
  type AppModeFixture,
  signedAppPath,
  startAppModeFixture,
} from './test-support/app-mode-fixture.js';

const BROWSER_ACCEPT = 'text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8';

let codes = 0;
const signed = (shop: string) => signedAppPath('/app/install', shop, `refusal${++codes}`);

describe('app mode: install refusals in the shop owner’s browser', () => {
  let f: AppModeFixture;
  beforeAll(async () => {
    f = await startAppModeFixture({ shops: ['alpha'] });
  });
  afterAll(async () => {
    await f?.close();
  });

  const page = async (path: string) => {
    const response = await fetch(`${f.baseUrl}${path}`, {
      headers: { accept: BROWSER_ACCEPT },
      redirect: 'manual',
    });
    const text = (await response.text()).replaceAll('&#39;', "'").replaceAll('&#x27;', "'");
    return { status: response.status, type: response.headers.get('content-type') ?? '', text };
  };

  it('a call not signed with the app’s ClientSecret: a page saying to install again, then to contact the developer', async () => {
    const query = { shopname: 'alpha', code: 'forged1', timestamp: String(Math.floor(Date.now() / 1000)) };
    const forged = `/app/install?${new URLSearchParams({ ...query, hmac: signAppRequest(query, 'another-client-secret') })}`;
    const answer = await page(forged);
    expect(answer.status).toBe(401);
    expect(answer.type).toMatch(/^text\/html/);
    expect(answer.text).toContain('The app could not be installed on alpha');
    expect(answer.text).toContain('install the app again');
    expect(answer.text).toContain("contact the app's developer");
    // A script or the sandbox (no HTML asked for): the JSON body, as before.
    const json = await fetch(`${f.baseUrl}${forged}`);
    expect(json.status).toBe(401);
    expect(((await json.json()) as { error: { code: string } }).error.code).toBe('bad_signature');
  });

  it('a call used already (the browser reloaded after the install): a page, not JSON', async () => {
    const path = signed('alpha');
    expect((await fetch(`${f.baseUrl}${path}`, { redirect: 'manual' })).status).toBe(302);
    const again = await page(path);
    expect(again.status).toBe(401);
    expect(again.type).toMatch(/^text\/html/);
    expect(again.text).toContain('already used');
  });

  it('a stale call (the link expired, or the server clock is off): install again, nothing for the merchant to do about a clock', async () => {
    const timestamp = String(Math.floor(Date.now() / 1000) - 3600);
    const query = { shopname: 'alpha', code: 'stale1', timestamp };
    const stale = `/app/install?${new URLSearchParams({ ...query, hmac: signAppRequest(query, APP_CLIENT_SECRET) })}`;
    const answer = await page(stale);
    expect(answer.status).toBe(401);
    expect(answer.text).toContain('The app could not be installed on alpha');
    expect(answer.text).toContain('install link had expired');
    expect(answer.text).toContain('install the app again');
    // Not the app's: the app is not installed yet, and the clock is the developer's server.
    expect(answer.text).not.toContain('open the app again');
    expect(answer.text).not.toContain('NTP');
    // The developer reads the skew in the log instead.
    const refused = f.logLines
      .map((line) => JSON.parse(line) as { msg: string; appRequest?: { refused: string; reason?: string } })
      .filter((line) => line.msg === 'app request refused' && line.appRequest?.refused === 'stale');
    // 3600 s when signed, a second or two more by the time a loaded machine checks it
    expect(refused.at(-1)?.appRequest?.reason).toMatch(/\b360[0-9] s away from now \(tolerance 300 s\).*NTP/);
  });

  it('the reserved shop name: a page saying to contact the developer', async () => {
    const answer = await page(signed('payment-api'));
    expect(answer.status).toBe(403);
    expect(answer.type).toMatch(/^text\/html/);
    expect(answer.text).toContain("Contact the app's developer");
  });
});
