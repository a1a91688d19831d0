/** `/ui/login`: the admin token form (the token is exchanged for a session cookie; see admin-auth.ts). */
import { html, type SafeHtml } from './html.js';

export interface LoginPageInput {
  base: string;
  /** Where to go after logging in (an inspector path). */
  next: string;
  error: string | null;
}

export function loginContent(input: LoginPageInput): SafeHtml {
  return html`<div class="panel login">
  <h1>Log in</h1>
  ${input.error ? html`<p class="notice error" id="login-error" role="alert">${input.error}</p>` : ''}
  <form method="post" action="${input.base}/login">
    <input type="hidden" name="next" value="${input.next}">
    <label>Admin token <input type="password" name="token" autocomplete="current-password" required autofocus${input.error ? html` aria-invalid="true" aria-describedby="login-error"` : ''}></label>
    <button type="submit">Log in</button>
  </form>
  <p class="muted">The receiver's SRHOOKS_ADMIN_TOKEN. The browser keeps a session cookie, not the token.</p>
</div>`;
}

/** A path segment the browser resolves (`.`, `..`, also percent-encoded: `%2e%2E`), leaving the path it was in. */
const DOT_SEGMENT = /(^|\/)(\.|%2e){1,2}(\/|$)/i;

/**
 * An inspector path to return to after login; anything else (another site, a protocol-relative URL) falls
 * back to the list. So does a path with anything but printable ASCII in it: the pages' own links
 * percent-encode, and a character Node cannot write into the Location header made the login a 500. And
 * so does a path with a dot segment: `/ui/../admin/api/deliveries` starts with the inspector's prefix but
 * the browser goes to `/admin/api/deliveries`.
 */
export function safeNext(base: string, next: unknown): string {
  if (typeof next !== 'string' || !/^[\x21-\x7e]*$/.test(next)) return base;
  if (next !== base && !next.startsWith(`${base}/`) && !next.startsWith(`${base}?`)) return base;
  if (next.startsWith(`${base}/login`) || /[\\\r\n]/.test(next) || next.includes('//')) return base;
  const path = next.split(/[?#]/, 1)[0] ?? '';
  if (DOT_SEGMENT.test(path)) return base;
  return next;
}
