import { apiErrors } from '../../errors.js';
import type { ApiContext, ApiResult } from '../api-context.js';
import { paginate, parsePageQuery } from '../paging.js';
import { linkedResourceId } from '../resource-ids.js';

/**
 * `GET /currencies[/{id}]`: the currency an order's `currency` link names (documented as a link of the
 * order item). Its fields are not documented: the code a delivery writes as the order's `currency`
 * is assumed to be the field `code` (contracts' README, A53). The sandbox's shops know these
 * currencies; an order links to the one whose code its deliveries carry.
 */
export const SHOP_CURRENCIES: readonly { innerId: number; code: string; name: string }[] = [
  { innerId: 4, code: 'HUF', name: 'Forint' },
  { innerId: 1, code: 'EUR', name: 'Euro' },
  { innerId: 2, code: 'USD', name: 'US dollar' },
];

const CURRENCY_ID_PREFIX = 'currency-currency_id=';

/** The id of the currency with this code (an order's delivered `currency`), or undefined for another code. */
export function currencyIdFor(code: string): string | undefined {
  const found = SHOP_CURRENCIES.find((currency) => currency.code === code);
  return found === undefined ? undefined : linkedResourceId(CURRENCY_ID_PREFIX, found.innerId);
}

function renderCurrency(
  currency: (typeof SHOP_CURRENCIES)[number],
  apiBase: string,
): Record<string, unknown> {
  const id = linkedResourceId(CURRENCY_ID_PREFIX, currency.innerId);
  return {
    href: `${apiBase}/currencies/${id}`,
    id,
    innerId: String(currency.innerId),
    name: currency.name,
    code: currency.code,
  };
}

export function listCurrencies(ctx: ApiContext, query: Record<string, unknown>): ApiResult {
  const pageQuery = parsePageQuery(query);
  const body = paginate(SHOP_CURRENCIES, pageQuery, `${ctx.apiBase}/currencies`, (currency) => {
    const rendered = renderCurrency(currency, ctx.apiBase);
    return pageQuery.full ? rendered : { href: rendered.href };
  });
  return { status: 200, body };
}

export function getCurrency(ctx: ApiContext, id: string): ApiResult {
  const found = SHOP_CURRENCIES.find(
    (currency) => linkedResourceId(CURRENCY_ID_PREFIX, currency.innerId) === id,
  );
  if (!found) {
    if (!/^currency-currency_id=\d+$/.test(Buffer.from(id, 'base64').toString('latin1')))
      throw apiErrors.wrongId('currencies', id, CURRENCY_ID_PREFIX);
    throw apiErrors.notFound(`currencies resource '${id}' not found.`, `currencies/${id}`);
  }
  return { status: 200, body: renderCurrency(found, ctx.apiBase) };
}
