/**
 * The inspector's stylesheet, served as `/ui/assets/inspector.css` (kept in a module so the compiled
 * app carries it; no CDN, no web fonts: system font stack). Phone-width screens get the tables as
 * stacked cards.
 */
export const INSPECTOR_CSS = `
:root {
  color-scheme: light dark;
  --bg: #f6f7f9; --panel: #fff; --text: #1d2330; --muted: #5d6778; --line: #dde1e8;
  --accent: #2453c7; --accent-text: #fff; --ok: #1d7a3a; --warn: #9a6400; --bad: #b3261e; --info: #3a5fa8;
  --code-bg: #f0f2f5; --new: #fff7d6;
  font-family: system-ui, -apple-system, "Segoe UI", Roboto, "Helvetica Neue", Arial, sans-serif;
  font-size: 15px; line-height: 1.45;
}
@media (prefers-color-scheme: dark) {
  :root {
    --bg: #14171c; --panel: #1c2028; --text: #e4e7ec; --muted: #9aa3b2; --line: #313744;
    --accent: #7ea2ff; --accent-text: #0d1220; --ok: #5cc27a; --warn: #e0a84a; --bad: #ff7b72; --info: #8fb0ff;
    --code-bg: #11141a; --new: #3a3418;
  }
}
* { box-sizing: border-box; }
/* Read by screen readers, not shown (table captions, the name of an empty-looking column). */
.visually-hidden { position: absolute; width: 1px; height: 1px; padding: 0; margin: -1px; overflow: hidden; clip: rect(0 0 0 0); white-space: nowrap; border: 0; }
body { margin: 0; background: var(--bg); color: var(--text); }
a { color: var(--accent); }
header.top {
  display: flex; flex-wrap: wrap; align-items: center; gap: .5rem 1rem;
  padding: .6rem 1rem; background: var(--panel); border-bottom: 1px solid var(--line);
}
header.top .brand { font-weight: 700; text-decoration: none; color: var(--text); }
header.top nav { display: flex; gap: 1rem; flex: 1; }
header.top nav a { text-decoration: none; }
header.top nav a[aria-current="page"] { font-weight: 600; text-decoration: underline; }
.live { font-size: .85rem; color: var(--muted); }
.live::before { content: "●"; margin-right: .3rem; color: var(--muted); }
body[data-live="connected"] .live::before { color: var(--ok); }
body[data-live="reconnecting"] .live::before { color: var(--warn); }
body[data-live="ended"] .live::before { color: var(--bad); }
main { padding: 1rem; max-width: 1200px; margin: 0 auto; }
h1 { font-size: 1.35rem; margin: .2rem 0 1rem; }
h2 { font-size: 1.1rem; margin: 0 0 .6rem; }
h3 { font-size: .95rem; margin: .8rem 0 .4rem; color: var(--muted); text-transform: uppercase; letter-spacing: .03em; }
.panel { background: var(--panel); border: 1px solid var(--line); border-radius: 8px; padding: 1rem; margin-bottom: 1rem; }
.notice { padding: .6rem .9rem; border-radius: 6px; margin-bottom: 1rem; border: 1px solid var(--line); background: var(--panel); }
.notice.error { border-color: var(--bad); color: var(--bad); }
.notice.ok { border-color: var(--ok); }
.notice dl.decode-detail { margin-top: .5rem; }
.banner[hidden] { display: none; }
.muted { color: var(--muted); }
.badge-detail { font-size: .85rem; overflow-wrap: anywhere; }
.mono { overflow-wrap: anywhere; }
.mono, code, pre { font-family: ui-monospace, SFMono-Regular, Menlo, Consolas, monospace; font-size: .85rem; }
pre { background: var(--code-bg); padding: .75rem; border-radius: 6px; overflow: auto; max-height: 28rem; white-space: pre-wrap; word-break: break-all; }
button, .button {
  font: inherit; padding: .4rem .8rem; border-radius: 6px; border: 1px solid var(--accent);
  background: var(--accent); color: var(--accent-text); cursor: pointer; text-decoration: none; display: inline-block;
}
button.secondary, .button.secondary { background: transparent; color: var(--accent); }
button.link { background: none; border: none; color: var(--accent); padding: 0; text-decoration: underline; }
form.inline { display: inline; }
.actions { display: flex; flex-wrap: wrap; gap: .5rem; align-items: center; margin: .6rem 0; }
input, select { font: inherit; padding: .35rem .5rem; border: 1px solid var(--line); border-radius: 6px; background: var(--panel); color: var(--text); max-width: 100%; }
form.filters { display: grid; grid-template-columns: repeat(auto-fill, minmax(11rem, 1fr)); gap: .6rem; align-items: end; }
form.filters label { display: flex; flex-direction: column; font-size: .8rem; color: var(--muted); gap: .2rem; }
.field-error { color: var(--bad); overflow-wrap: anywhere; }
[aria-invalid="true"] { border-color: var(--bad); }
form.filters .buttons { display: flex; gap: .5rem; align-items: center; }
table { border-collapse: collapse; width: 100%; }
th, td { text-align: left; padding: .45rem .5rem; border-bottom: 1px solid var(--line); vertical-align: top; }
th { font-size: .8rem; color: var(--muted); font-weight: 600; }
td.num, th.num { text-align: right; white-space: nowrap; }
tr.is-new { background: var(--new); transition: background 2s; }
table.deliveries td a { font-weight: 600; }
.badge { display: inline-block; padding: .05rem .45rem; border-radius: 999px; font-size: .78rem; font-weight: 600; border: 1px solid currentColor; white-space: nowrap; }
.badge.succeeded, .badge.verified, .badge.stored, .badge.enabled, .badge.installed, .badge.configured { color: var(--ok); }
.badge.pending, .badge.claimed, .badge.running, .badge.reprocessed, .badge.unverified { color: var(--info); }
.badge.retrying, .badge.held, .badge.mismatched, .badge.duplicate, .badge.released, .badge.expired, .badge.interrupted { color: var(--warn); }
.badge.dead, .badge.failed, .badge.quarantined, .badge.disabled, .badge.uninstalled { color: var(--bad); }
.badge.recovery { color: var(--info); border-style: dashed; margin-left: .35rem; }
.badge.erased { color: var(--muted); border-style: dotted; }
.recovery-panel summary { cursor: pointer; font-weight: 600; }
dl.meta { display: grid; grid-template-columns: max-content 1fr; gap: .25rem 1rem; margin: 0; }
dl.meta dt { color: var(--muted); }
dl.meta dd { margin: 0; word-break: break-word; }
.card-grid { display: grid; grid-template-columns: repeat(auto-fit, minmax(15rem, 1fr)); gap: 1rem; }
address { font-style: normal; }
/* Long words (a village street, a company name, an e-mail address, a comment typed without spaces) wrap
   inside their column instead of widening the page past a phone's screen. */
dd, address, .card-grid p, table.products td { overflow-wrap: anywhere; }
.event-head { display: flex; flex-wrap: wrap; align-items: center; gap: .5rem; justify-content: space-between; }
.attempts { margin: .3rem 0 0; padding-left: 1.1rem; }
.attempts li { margin: .15rem 0; }
.error-text { color: var(--bad); word-break: break-word; }
table.headers th { white-space: nowrap; width: 1%; }
table.headers td { overflow-wrap: anywhere; }
.pager { display: flex; justify-content: space-between; margin-top: .8rem; }
table.erase-groups { margin-bottom: .6rem; }
.erase-scopes a[aria-current] { font-weight: 600; }
.login { max-width: 24rem; margin: 12vh auto; }
.login label { display: flex; flex-direction: column; gap: .3rem; margin-bottom: .8rem; }
.login input { width: 100%; }
@media (max-width: 700px) {
  main { padding: .6rem; }
  table.stack thead { display: none; }
  table.stack, table.stack tbody, table.stack tr, table.stack td { display: block; width: 100%; }
  table.stack tr { border: 1px solid var(--line); border-radius: 8px; margin-bottom: .6rem; padding: .3rem .6rem; background: var(--panel); }
  table.stack td { border: none; padding: .2rem 0 .2rem 8rem; position: relative; min-height: 1.7rem; text-align: left; }
  table.stack td::before { content: attr(data-label); position: absolute; left: 0; top: .3rem; width: 7.5rem; color: var(--muted); font-size: .8rem; }
  table.stack td.num { text-align: left; }
  table.stack td { overflow-wrap: anywhere; }
  dl.meta { grid-template-columns: 1fr; }
  dl.meta dd { margin-bottom: .3rem; }
}
`;

/** A small local icon (so browsers do not ask the receiver for /favicon.ico). */
export const INSPECTOR_ICON_SVG =
  '<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 32 32"><rect width="32" height="32" rx="7" fill="#2453c7"/><path d="M9 17l5 5 9-12" fill="none" stroke="#fff" stroke-width="3.5" stroke-linecap="round" stroke-linejoin="round"/></svg>';
