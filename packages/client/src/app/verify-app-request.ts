import { timingSafeEqual } from 'node:crypto';
import {
  type AppMessageOrder,
  type AppShopParameter,
  isValidShopName,
  signAppRequest,
} from '@srhooks/contracts';
import { InputError } from '../errors.js';
import { callOptionWords, checkOptionKeys, kindOf, numberOption, optionKeys } from '../option-checks.js';
import { hexDigest, type QueryInput, queryValues } from './app-query.js';
import { AppRequestError } from './app-request-error.js';
import type { ReplayGuard } from './replay-guard.js';

/**
 * Verifies a request ShopRenter sends to a platform app — install (RedirectUri), EntryPoint and
 * UninstallUri all carry `shopname`, `code`, `timestamp`, `hmac` (FACTS.md §7; the Payment API's
 * page on deleting an app writes the uninstall call's `shopName`, also taken, see below):
 *
 * 1. each of the four is present exactly once and has its expected shape (shop name; `code` of
 *    letters/digits; `timestamp` in seconds; `hmac` 64 hex characters, either case);
 * 2. `hmac` equals hex(HMAC-SHA256(clientSecret, "shopname=…&code=…&timestamp=…")), compared in
 *    constant time. The documentation's alphabetical order ("code=…&shopname=…&timestamp=…") is
 *    accepted too unless `acceptAlphabeticalOrder: false`. Safe because of step 1: with `&` and
 *    `=` impossible inside the values, each message parses one way only, and a message of one
 *    order (starting `shopname=`) can never equal one of the other (starting `code=`), so a
 *    signature made for one request cannot be re-read as another;
 * 3. `timestamp` is within `toleranceSeconds` (default 300) of `now()`, either side;
 * 4. when a `replayGuard` is given, a `code` already seen is refused (`replayed`).
 *
 * Other parameters (`app_url` on install; the app's own parameters on the EntryPoint) are not
 * signed by ShopRenter: they are returned in `unsigned` for the caller to treat as such.
 * Pure apart from the guard; never throws for a bad request.
 */

export interface VerifyAppRequestOptions {
  /** Current time in milliseconds (default `Date.now`). */
  now?: () => number;
  /** How far `timestamp` may be from now, in seconds (default 300). Nothing documents a limit. */
  toleranceSeconds?: number;
  /** Also accept the alphabetical message order the documentation's prose shows (default true). */
  acceptAlphabeticalOrder?: boolean;
  /** Refuses a `code` seen before. */
  replayGuard?: ReplayGuard;
}

export interface VerifiedAppRequest {
  ok: true;
  shop: string;
  code: string;
  /** ShopRenter's `timestamp`, in seconds. */
  timestamp: number;
  /** Which message order the signature used. */
  order: AppMessageOrder;
  /** Every other parameter (first value each): `app_url`, the app's own. Not signed. */
  unsigned: Record<string, string>;
  /** The key a `replayGuard` recorded for this request (`replayGuard.forget(replayKey)` if it was not handled). */
  replayKey: string;
}

export type AppRequestResult = VerifiedAppRequest | { ok: false; error: AppRequestError };

export const DEFAULT_TIMESTAMP_TOLERANCE_SECONDS = 300;
/** The options, and `clientSecret`, which the handlers pass in the same object. */
const VERIFY_APP_REQUEST_OPTION_KEYS = [
  ...optionKeys<VerifyAppRequestOptions>()([
    'now',
    'toleranceSeconds',
    'acceptAlphabeticalOrder',
    'replayGuard',
  ]),
  'clientSecret',
];

/**
 * Refuses a misspelt option of an app request or notification check: ignored, it would leave its
 * default in force, and a `replayguard` for `replayGuard` no replay check at all.
 */
export function checkAppOptionKeys(options: unknown, known: readonly string[], call: string): void {
  if (typeof options !== 'object' || options === null) return;
  checkOptionKeys(options, known, 'options', {
    ...callOptionWords(call),
    consequence:
      'Left in, it would be ignored and its default used (a misspelt replayGuard: no replay check).',
  });
}
const SIGNED = ['shopname', 'code', 'timestamp', 'hmac'] as const;
const CODE = /^[A-Za-z0-9]{1,256}$/;
const SECONDS = /^\d{1,12}$/;

export function verifyAppRequest(
  query: QueryInput,
  clientSecret: string,
  options: VerifyAppRequestOptions = {},
): AppRequestResult {
  appSecret('verifyAppRequest', 'clientSecret', 'ClientSecret', clientSecret);
  checkAppOptionKeys(options, VERIFY_APP_REQUEST_OPTION_KEYS, 'verifyAppRequest()');
  const tolerance = toleranceOption(options.toleranceSeconds);
  const values = queryValues(query);
  // `shopName`: how the Payment API's page on deleting an app writes the uninstall call's shop
  // parameter (the app documentation and the demo apps write `shopname`). Taken when `shopname` is
  // not there; its signature is checked with the parameter as it came and as `shopname`.
  const shopParameter: AppShopParameter =
    !values.has('shopname') && values.has('shopName') ? 'shopName' : 'shopname';
  if (shopParameter === 'shopname' && values.has('shopName')) {
    return refuse('malformed_parameter', 'both shopname and shopName are given: which shop is meant?');
  }
  const one: Partial<Record<(typeof SIGNED)[number], string>> = {};
  for (const name of SIGNED) {
    const list = values.get(name === 'shopname' ? shopParameter : name);
    if (!list || list.length === 0 || list[0] === '')
      return refuse('missing_parameter', `the ${name} parameter is missing`);
    if (list.length > 1)
      return refuse('malformed_parameter', `the ${name} parameter is given more than once`);
    one[name] = list[0];
  }
  const { shopname, code, timestamp, hmac } = one as Record<(typeof SIGNED)[number], string>;
  if (!isValidShopName(shopname))
    return refuse('malformed_parameter', 'shopname is not a ShopRenter shop name');
  if (!CODE.test(code)) return refuse('malformed_parameter', 'code must be letters and digits');
  if (!SECONDS.test(timestamp)) return refuse('malformed_parameter', 'timestamp must be Unix seconds');
  const given = hexDigest(hmac);
  if (!given) return refuse('malformed_parameter', 'hmac must be 64 hexadecimal characters');

  const params = { shopname, code, timestamp };
  const orders: AppMessageOrder[] =
    options.acceptAlphabeticalOrder === false ? ['demo'] : ['demo', 'alphabetical'];
  const spellings: AppShopParameter[] =
    shopParameter === 'shopName' ? ['shopName', 'shopname'] : ['shopname'];
  let matched: AppMessageOrder | undefined;
  for (const spelling of spellings) {
    for (const order of orders) {
      const expected = Buffer.from(signAppRequest(params, clientSecret, order, spelling), 'hex');
      if (timingSafeEqual(expected, given) && matched === undefined) matched = order;
    }
  }
  if (!matched) {
    return refuse(
      'bad_signature',
      'hmac does not match: the request was not signed with this app’s ClientSecret — check that this server has the app’s ClientSecret (the new one after a change)',
    );
  }

  const nowMs = (options.now ?? Date.now)();
  const skew = Math.abs(nowMs / 1000 - Number(timestamp));
  if (skew > tolerance) {
    return refuse(
      'stale',
      `timestamp is ${Math.round(skew)} s away from now (tolerance ${tolerance} s): open the app again from the shop admin; if that fails too, check this server's clock (NTP)`,
    );
  }
  const replayKey = `app:${shopname}:${code}`;
  if (options.replayGuard?.seen(replayKey, nowMs)) {
    return refuse('replayed', 'this code was already used: open the app again from the shop admin');
  }

  const unsigned: Record<string, string> = {};
  for (const [key, list] of values) {
    if (!(SIGNED as readonly string[]).includes(key) && key !== shopParameter && list[0] !== undefined)
      unsigned[key] = list[0];
  }
  return {
    ok: true,
    shop: shopname,
    code,
    timestamp: Number(timestamp),
    order: matched,
    unsigned,
    replayKey,
  };
}

function refuse(code: AppRequestError['code'], message: string): { ok: false; error: AppRequestError } {
  return { ok: false, error: new AppRequestError(code, message) };
}

/**
 * The app's secret checked before anything else: a missing one (an unset environment variable) or
 * one of the wrong type is a configuration mistake, an `InputError` on the first call whatever the
 * request, never a 401 for every genuine request. The message names the option and the kind of
 * value, never the value.
 */
export function appSecret(fn: string, field: string, shopRenterName: string, secret: unknown): void {
  if (typeof secret === 'string' && secret !== '') return;
  const missing = secret === undefined || secret === null || secret === '';
  throw new InputError(
    missing
      ? `${fn} needs the app's ${shopRenterName} (${field} is ${secret === '' ? 'empty' : String(secret)}): is the environment variable that should hold it set? Every genuine request would be refused without it`
      : `${fn}: ${field} is ${kindOf(secret)}, not a string: pass the app's ${shopRenterName} as text${Buffer.isBuffer(secret) ? ' (e.g. buffer.toString())' : ''}`,
    { field, value: undefined, code: missing ? 'missing_secret' : 'invalid_input' },
  );
}

/**
 * `toleranceSeconds` checked: a number of seconds ≥ 0 (default 300). `NaN` (a `Number(process.env.X)`
 * of an unset variable) would accept a signed request of any age, since no age is greater than it.
 */
export function toleranceOption(toleranceSeconds: unknown): number {
  return numberOption('options.toleranceSeconds', toleranceSeconds, DEFAULT_TIMESTAMP_TOLERANCE_SECONDS, {
    min: 0,
    unit: 'seconds',
    hint: `default ${DEFAULT_TIMESTAMP_TOLERANCE_SECONDS}`,
  });
}
