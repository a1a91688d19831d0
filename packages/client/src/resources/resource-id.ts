import { InputError } from '../errors.js';

/** An API id (base64, perhaps base64url) or an outer id (contracts' OUTER_ID_PATTERN adds `.` and `~`). */
const ID = /^[A-Za-z0-9+/=_.~-]{1,200}$/;

/**
 * Accepts an id (`d2ViSG9v…`), a resource path (`orders/b3JkZXI…`, as in a delivery's
 * `innerResourceId`) or a full href, and returns the id.
 */
export function resourceId(value: unknown, resource: 'webHooks' | 'orders', field = 'id'): string {
  if (typeof value !== 'string' || value.trim() === '') {
    throw new InputError(`${field} is required: give the ${resource} id (e.g. from list() or a delivery)`, {
      field,
      value,
    });
  }
  let text = value.trim();
  if (/^https?:\/\//i.test(text)) {
    try {
      text = new URL(text).pathname;
    } catch {
      // fall through to the shape check
    }
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
