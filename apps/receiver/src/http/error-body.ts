/** The one JSON shape of every error answer: `{ok: false, error: {code, message, …}, …extra}`. */
export interface ErrorBody {
  ok: false;
  error: { code: string; message: string; [detail: string]: unknown };
  [extra: string]: unknown;
}

export function errorBody(
  code: string,
  message: string,
  details: Record<string, unknown> = {},
  extra: Record<string, unknown> = {},
): ErrorBody {
  return { ok: false, error: { code, message, ...details }, ...extra };
}

/**
 * The answer to unknown routes and to forged deliveries alike, so an attacker cannot tell a
 * wrong token from a wrong shop, event or path.
 */
export const NOT_FOUND_BODY: ErrorBody = Object.freeze(errorBody('not_found', 'Not found.')) as ErrorBody;
