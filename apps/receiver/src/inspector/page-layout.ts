/** The HTML shell of every inspector page: head (viewport, local CSS and JS), top bar, main content. */
import type { AdminSession } from '../admin/admin-auth.js';
import { html, type SafeHtml } from './html.js';

export type InspectorView = 'login' | 'list' | 'delivery' | 'dead-letters' | 'handlers' | 'shops' | 'error';

export interface PageOptions {
  /** The inspector's URL prefix (`/ui`). */
  base: string;
  title: string;
  view: InspectorView;
  /** Present on pages for a logged-in browser: adds the CSRF meta tag and the logout button. */
  session: AdminSession | null;
  content: SafeHtml;
  /** Extra `data-*` attributes of <body> read by the script (`stream`, `reveal`, `delivery-id`, …). */
  data?: Record<string, string>;
}

export function renderPage(options: PageOptions): string {
  const { base, session } = options;
  const data = Object.entries(options.data ?? {}).map(([key, value]) => html` data-${key}="${value}"`);
  const nav =
    options.view === 'login'
      ? html``
      : html`<nav>
          <a href="${base}"${options.view === 'list' || options.view === 'delivery' ? html` aria-current="page"` : ''}>Deliveries</a>
          <a href="${base}/dead-letters"${options.view === 'dead-letters' ? html` aria-current="page"` : ''}>Dead letters</a>
          <a href="${base}/handlers"${options.view === 'handlers' ? html` aria-current="page"` : ''}>Handlers</a>
          <a href="${base}/shops"${options.view === 'shops' ? html` aria-current="page"` : ''}>Shops</a>
        </nav>
        ${
          options.data?.stream
            ? // The indicator itself is no live region (a screen reader said "live" on every page load);
              // the script puts what the user needs to hear into the announcement region beside it.
              html`<span class="live">connecting…</span><span id="live-announcement" class="visually-hidden" role="status"></span>`
            : ''
        }
        ${
          session
            ? html`<form class="inline" method="post" action="${base}/logout">
                <input type="hidden" name="_csrf" value="${session.csrfToken}">
                <button type="submit" class="secondary">Log out</button>
              </form>`
            : ''
        }`;
  return html`<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="referrer" content="same-origin">
${session ? html`<meta name="csrf-token" content="${session.csrfToken}">` : ''}
<title>${options.title} · srhooks inspector</title>
<link rel="icon" href="${base}/assets/icon.svg" type="image/svg+xml">
<link rel="stylesheet" href="${base}/assets/inspector.css">
<script src="${base}/assets/inspector.js" defer></script>
</head>
<body data-view="${options.view}" data-base="${base}"${data}>
<header class="top"><a class="brand" href="${base}">srhooks inspector</a>${nav}</header>
<main>
${options.content}
</main>
</body>
</html>
`.value;
}
