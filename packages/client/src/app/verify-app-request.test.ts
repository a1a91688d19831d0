import { signAppRequest } from '@srhooks/contracts';
import { describe, expect, it } from 'vitest';
import { createMemoryReplayGuard } from './replay-guard.js';
import { verifyAppRequest } from './verify-app-request.js';

const secret = 'app-client-secret-for-tests';
const nowSeconds = 1_800_000_000;
const now = () => nowSeconds * 1000;

function signedQuery(overrides: Record<string, string> = {}, order: 'demo' | 'alphabetical' = 'demo') {
  const base = { shopname: 'demo', code: '0907a61c0c8d55e99db179b68161bc00', timestamp: String(nowSeconds) };
  const hmac = signAppRequest(base, secret, order);
  return { ...base, hmac, app_url: 'https://demo.myshoprenter.hu/admin/app/55', ...overrides };
}

describe('verifyAppRequest (FACTS.md §7)', () => {
  it('accepts a request signed as ShopRenter signs it and returns the unsigned extras', () => {
    const result = verifyAppRequest(signedQuery({ pelda: 'parameter' }), secret, { now });
    expect(result).toEqual({
      ok: true,
      shop: 'demo',
      code: '0907a61c0c8d55e99db179b68161bc00',
      timestamp: nowSeconds,
      order: 'demo',
      unsigned: { app_url: 'https://demo.myshoprenter.hu/admin/app/55', pelda: 'parameter' },
      replayKey: 'app:demo:0907a61c0c8d55e99db179b68161bc00',
    });
  });

  it('reads a raw query string, a URL and URLSearchParams alike', () => {
    const text = new URLSearchParams(signedQuery()).toString();
    expect(verifyAppRequest(text, secret, { now }).ok).toBe(true);
    expect(verifyAppRequest(`https://app.example.com/install?${text}`, secret, { now }).ok).toBe(true);
    expect(verifyAppRequest(new URLSearchParams(text), secret, { now }).ok).toBe(true);
  });

  it('accepts uppercase hex (same bytes)', () => {
    const query = signedQuery();
    expect(verifyAppRequest({ ...query, hmac: query.hmac.toUpperCase() }, secret, { now }).ok).toBe(true);
  });

  it("accepts the documentation's alphabetical order unless turned off", () => {
    const query = signedQuery({}, 'alphabetical');
    const accepted = verifyAppRequest(query, secret, { now });
    expect(accepted.ok && accepted.order).toBe('alphabetical');
    const refused = verifyAppRequest(query, secret, { now, acceptAlphabeticalOrder: false });
    expect(!refused.ok && refused.error.code).toBe('bad_signature');
  });

  it('takes the uninstall call’s shop as shopName too (paymentapi/docs/m_uninstall.md writes it so), signed either way', () => {
    const base = {
      shopname: 'demo',
      code: '0907a61c0c8d55e99db179b68161bc00',
      timestamp: String(nowSeconds),
    };
    const { shopname, ...rest } = base;
    for (const spelling of ['shopName', 'shopname'] as const) {
      for (const order of ['demo', 'alphabetical'] as const) {
        const hmac = signAppRequest(base, secret, order, spelling);
        const result = verifyAppRequest({ shopName: shopname, ...rest, hmac }, secret, { now });
        expect(result, `${spelling} ${order}`).toMatchObject({ ok: true, shop: 'demo', order, unsigned: {} });
      }
    }
    const forged = verifyAppRequest(
      { shopName: 'other', ...rest, hmac: signAppRequest(base, secret) },
      secret,
      { now },
    );
    expect(!forged.ok && forged.error.code).toBe('bad_signature');
    expect(!forged.ok && forged.error.message).toMatch(/check that this server has the app’s ClientSecret/);
    const both = verifyAppRequest({ ...signedQuery(), shopName: 'other' }, secret, { now });
    expect(!both.ok && both.error).toMatchObject({
      code: 'malformed_parameter',
      message: expect.stringMatching(/both shopname and shopName/),
    });
  });

  it.each([
    ['shopname', 'other'],
    ['code', '0907a61c0c8d55e99db179b68161bc01'],
    ['timestamp', String(nowSeconds - 1)],
  ])('refuses a request whose %s was changed after signing', (name, value) => {
    const result = verifyAppRequest({ ...signedQuery(), [name]: value }, secret, { now });
    expect(!result.ok && result.error.code).toBe('bad_signature');
    expect(!result.ok && result.error.status).toBe(401);
  });

  it('refuses a hmac made with another secret or with one character changed', () => {
    const query = signedQuery();
    const flipped = `${query.hmac.slice(0, 10)}${query.hmac[10] === '0' ? '1' : '0'}${query.hmac.slice(11)}`;
    expect(verifyAppRequest({ ...query, hmac: flipped }, secret, { now }).ok).toBe(false);
    expect(verifyAppRequest(query, 'another-secret', { now }).ok).toBe(false);
  });

  it.each(['shopname', 'code', 'timestamp', 'hmac'])('refuses a request without %s', (name) => {
    const query: Record<string, string> = signedQuery();
    delete query[name];
    const result = verifyAppRequest(query, secret, { now });
    expect(!result.ok && result.error.code).toBe('missing_parameter');
    expect(!result.ok && result.error.message).toContain(name);
  });

  it.each([[{ shopname: 'Demo&code=1' }], [{ code: 'abc&x=1' }], [{ timestamp: '17e8' }], [{ hmac: 'zz' }]])(
    'refuses malformed values %j',
    (override) => {
      const result = verifyAppRequest({ ...signedQuery(), ...override }, secret, { now });
      expect(!result.ok && result.error.code).toBe('malformed_parameter');
    },
  );

  it('refuses a parameter given twice', () => {
    const text = `${new URLSearchParams(signedQuery()).toString()}&shopname=other`;
    const result = verifyAppRequest(text, secret, { now });
    expect(!result.ok && result.error.code).toBe('malformed_parameter');
  });

  it('refuses a stale or future timestamp beyond the tolerance, accepts one inside it', () => {
    const query = signedQuery();
    const later = (seconds: number) => () => (nowSeconds + seconds) * 1000;
    expect(verifyAppRequest(query, secret, { now: later(300) }).ok).toBe(true);
    const stale = verifyAppRequest(query, secret, { now: later(301) });
    expect(!stale.ok && stale.error.code).toBe('stale');
    expect(!stale.ok && stale.error.message).toMatch(
      /open the app again from the shop admin; if that fails too, check this server's clock/,
    );
    const future = verifyAppRequest(query, secret, { now: later(-301) });
    expect(!future.ok && future.error.code).toBe('stale');
    expect(verifyAppRequest(query, secret, { now: later(900), toleranceSeconds: 1000 }).ok).toBe(true);
  });

  it('refuses a replayed code when given a replay guard', () => {
    const replayGuard = createMemoryReplayGuard({ ttlSeconds: 600 });
    const query = signedQuery();
    expect(verifyAppRequest(query, secret, { now, replayGuard }).ok).toBe(true);
    const again = verifyAppRequest(query, secret, { now, replayGuard });
    expect(!again.ok && again.error.code).toBe('replayed');
    const otherCode = signedQuery({});
    otherCode.code = 'ffff';
    otherCode.hmac = signAppRequest(
      { shopname: 'demo', code: 'ffff', timestamp: String(nowSeconds) },
      secret,
    );
    expect(verifyAppRequest(otherCode, secret, { now, replayGuard }).ok).toBe(true);
  });
});
