import { InputError } from '../errors.js';

/** An API id (base64, perhaps base64url) or an outer id (contracts' OUTER_ID_PATTERN adds `.` and `~`). */
const ID = /^[A-Za-z0-9+/=_.~-]{1,200}$/;

/**
 * Accepts an id (`d2ViSG9v…`), a resource path (`orders/b3JkZXI…`, as in a delivery's
 * `innerResourceId`) or a full href, and returns the id.
 */
/**
 * The shop an href names: the first label of a ShopRenter API host (`{shop}.api2.myshoprenter.hu`,
 * `{shop}.api.myshoprenter.hu`, as documented; the documentation's fixtures also show
 * `{shop}.api.shoprenter.hu`), or the sandbox's `/{shop}/api/` path on a loopback host. Undefined
 * when the URL says no shop (another host: nothing to compare).
 */
export function hrefShop(url: URL): string | undefined {
  const host = /^([a-z0-9-]+)\.api2?\.(?:my)?shoprenter\.hu$/i.exec(url.hostname);
  if (host) return host[1]?.toLowerCase();
  const loopback = url.hostname === 'localhost' || url.hostname === '[::1]' || /^127\./.test(url.hostname);
  return loopback ? /^\/([a-z0-9-]+)\/api\//.exec(url.pathname)?.[1] : undefined;
}

/** The shop a value given as an id names when it is a full href (see {@link hrefShop}), else undefined. */
export function shopOfIdHref(value: unknown): string | undefined {
  if (typeof value !== 'string') return undefined;
  const text = value.trim();
  return /^https?:\/\//i.test(text) && URL.canParse(text) ? hrefShop(new URL(text)) : undefined;
}

export function resourceId(
  value: unknown,
  resource: 'webHooks' | 'orders' | 'currencies',
  field = 'id',
  /** The client's shop: an href of another shop is refused, never read as an id of this one. */
  shop?: string,
): string {
  if (typeof value !== 'string' || value.trim() === '') {
    throw new InputError(`${field} is required: give the ${resource} id (e.g. from list() or a delivery)`, {
      field,
      value,
    });
  }
  let text = value.trim();
  if (/^https?:\/\//i.test(text) && URL.canParse(text)) {
    const url = new URL(text);
    const owner = shop === undefined ? undefined : hrefShop(url);
    if (owner !== undefined && owner !== shop) {
      // Ids are numbered per shop (webHook-notification_id=1 exists in many): reading the id alone
      // would get, update or delete that id in this client's shop instead.
      throw new InputError(
        `${field} ${JSON.stringify(value)} is an href of shop "${owner}", but this client is for shop "${shop}": use that shop's client`,
        { field, value },
      );
    }
    text = url.pathname;
  }
  const segments = text.split('/').filter(Boolean);
  const id = segments.at(-1) ?? '';
  const parent = segments.at(-2);
  if (parent !== undefined && parent !== resource) {
    throw new InputError(
      `${field} ${JSON.stringify(value)} is not a path in ${resource} (expected ${resource}/<id>, or the id alone)`,
      {
        field,
        value,
      },
    );
  }
  if (!ID.test(id)) {
    throw new InputError(
      `${field} ${JSON.stringify(value)} is not a valid ${resource} id (an API id such as d2ViSG9vay1ub3RpZmljYXRpb25faWQ9MTQ0, or an outer id of A-Z a-z 0-9 - _ . ~)`,
      {
        field,
        value,
      },
    );
  }
  return id;
}
