/**
 * The inspector's only script, served as `/ui/assets/inspector.js` (the Content-Security-Policy forbids
 * inline scripts). Plain ES2020, no framework. It listens to the live stream (SSE) and swaps in
 * server-rendered fragments: new deliveries appear at the top of the list, rows and event sections
 * refresh when their jobs change. Everything else (filters, replay buttons, login) works without it.
 *
 * When the session ends (logout in any tab or on any instance, expiry) the live indicator says so and
 * links to the login form: the stream's last message is `event: session-ended` (see live-stream.ts);
 * a stream that failed without it (EventSource gives up after a non-200 reconnect, e.g. a 401 after
 * the session ended while the page was offline, or a 503 while the receiver shut down, and cannot say
 * which) makes the page ask `GET {base}/session`: 401 means the session ended, 204 that the stream can
 * be opened again.
 *
 * The indicator is no live region: what a screen reader should hear goes into the hidden
 * `#live-announcement` status region — the connection lost (once, not per retry), back after a loss,
 * the session ended — and not the connect of every page load.
 */
import { SESSION_ENDED_EVENT } from './live-stream.js';

export const INSPECTOR_JS = `
(function () {
  'use strict';
  var body = document.body;
  var base = body.getAttribute('data-base') || '/ui';
  var streamUrl = body.getAttribute('data-stream');
  var view = body.getAttribute('data-view');
  var reveal = body.getAttribute('data-reveal') === '1';
  var liveInsert = body.getAttribute('data-live-insert') === '1';
  var liveLabel = document.querySelector('.live');
  var announcement = document.getElementById('live-announcement');
  var pending = {};
  var refreshing = {};
  var inserting = {};

  document.addEventListener('submit', function (event) {
    var form = event.target;
    var question = form && form.getAttribute('data-confirm');
    if (question && !window.confirm(question)) event.preventDefault();
  });

  if (!streamUrl || typeof EventSource === 'undefined') return;

  function setLive(state, text) {
    body.setAttribute('data-live', state);
    if (liveLabel) liveLabel.textContent = text;
  }

  /** Says text to screen readers (the status region); the indicator shows the state to everyone. */
  function announce(text) {
    if (announcement) announcement.textContent = text;
  }

  /** 'connecting' until the first open, 'connected', or 'lost' from an error until the next open. */
  var connection = 'connecting';

  function connected() {
    setLive('connected', 'live');
    if (connection === 'lost') announce('Live updates are back.');
    connection = 'connected';
  }

  function lost() {
    setLive('reconnecting', 'reconnecting…');
    if (connection === 'lost') return;
    announce(connection === 'connected' ? 'Live updates lost: reconnecting…' : 'Live updates could not connect: retrying…');
    connection = 'lost';
  }

  function fragment(path) {
    var url = base + path + (reveal ? (path.indexOf('?') === -1 ? '?' : '&') + 'reveal=1' : '');
    return fetch(url, { headers: { accept: 'text/html' }, credentials: 'same-origin' }).then(function (response) {
      if (response.status === 401) { window.location.href = base + '/login'; return null; }
      if (response.status === 204 || !response.ok) return null;
      return response.text();
    });
  }

  var FOCUSABLE = 'a[href], button, input, select, textarea, summary, [tabindex]';

  /** Whether each <details> with an id inside root is open, by id. */
  function detailsState(root) {
    var state = {};
    var all = root.querySelectorAll('details[id]');
    for (var i = 0; i < all.length; i += 1) state[all[i].id] = all[i].open;
    return state;
  }

  /** Opens or closes each <details> with an id inside root as state says (those it does not name keep their default). */
  function restoreDetails(root, state) {
    var all = root.querySelectorAll('details[id]');
    for (var i = 0; i < all.length; i += 1) {
      if (Object.prototype.hasOwnProperty.call(state, all[i].id)) all[i].open = state[all[i].id];
    }
  }

  /**
   * Swaps an element for fresh server markup. When keyboard focus was inside it, the element at the same
   * place in the new markup gets it back: without this, a live update moved a keyboard or screen-reader
   * user's focus to the top of the page. Each <details> (by its id) stays open or closed as the user
   * left it: the fresh markup has them in their default state.
   */
  function replaceKeepingFocus(current, markup) {
    var active = document.activeElement;
    var index = active && current.contains(active)
      ? Array.prototype.indexOf.call(current.querySelectorAll(FOCUSABLE), active)
      : -1;
    var opened = detailsState(current);
    var template = document.createElement('template');
    template.innerHTML = markup.trim();
    var fresh = template.content.firstElementChild;
    if (!fresh) return;
    restoreDetails(fresh, opened);
    current.replaceWith(fresh);
    if (index < 0) return;
    var target = fresh.querySelectorAll(FOCUSABLE)[index];
    if (target) target.focus({ preventScroll: true });
  }

  /** Runs job() once per key within 150 ms (a replay emits several changes at once); for the page reload. */
  function debounce(key, job) {
    if (pending[key]) return;
    pending[key] = setTimeout(function () { delete pending[key]; job(); }, 150);
  }

  /**
   * Runs job() (it answers a promise) 150 ms after the first ask for key, and never twice at once for a
   * key: an ask while it runs runs it once more after it, since what it fetched may predate the change
   * asked about. Two fetches of one fragment at once could answer out of order and leave the older
   * markup on the page (a job shown pending after it succeeded).
   */
  function refresh(key, job) {
    var slot = refreshing[key];
    if (!slot) slot = refreshing[key] = { timer: null, running: false, again: null };
    if (slot.timer) return;
    if (slot.running) { slot.again = job; return; }
    slot.timer = setTimeout(function () {
      slot.timer = null;
      slot.running = true;
      Promise.resolve().then(job).catch(function () { /* the next change refreshes it */ }).then(function () {
        slot.running = false;
        var again = slot.again;
        slot.again = null;
        if (again) refresh(key, again);
        else if (!slot.timer) delete refreshing[key];
      });
    }, 150);
  }

  function rowFor(deliveryId) {
    return document.querySelector('tr[data-delivery-id="' + CSS.escape(deliveryId) + '"]');
  }

  function refreshRow(deliveryId, isNew) {
    if (isNew) inserting[deliveryId] = true;
    refresh('row:' + deliveryId, function () {
      return fragment('/fragments/delivery-row/' + encodeURIComponent(deliveryId)).then(function (markup) {
        delete inserting[deliveryId];
        if (!markup) return;
        var existing = rowFor(deliveryId);
        if (existing) { replaceKeepingFocus(existing, markup); return; }
        if (!isNew) return;
        var tbody = document.getElementById('delivery-rows');
        if (!tbody) return;
        var empty = document.getElementById('no-deliveries');
        if (empty) empty.remove();
        // In the list's order (newest first: ids sort by time), not in the order the fragments came
        // back: of two deliveries arriving together, the older one's fragment may answer last.
        var template = document.createElement('template');
        template.innerHTML = markup.trim();
        var fresh = template.content.firstElementChild;
        if (!fresh) return;
        var rows = tbody.querySelectorAll('tr[data-delivery-id]');
        var before = null;
        for (var i = 0; i < rows.length; i += 1) {
          if (rows[i].getAttribute('data-delivery-id') < deliveryId) { before = rows[i]; break; }
        }
        if (before) tbody.insertBefore(fresh, before);
        else if (rows.length > 0) rows[rows.length - 1].after(fresh);
        else tbody.prepend(fresh);
        var row = rowFor(deliveryId);
        if (row) { row.classList.add('is-new'); setTimeout(function () { row.classList.remove('is-new'); }, 4000); }
      }, function (error) {
        delete inserting[deliveryId];
        throw error;
      });
    });
  }

  var missed = 0;
  function announceNew() {
    var banner = document.getElementById('new-deliveries');
    if (!banner) return;
    missed += 1;
    banner.hidden = false;
    var count = banner.querySelector('[data-count]');
    if (count) count.textContent = missed + (missed === 1 ? ' new delivery' : ' new deliveries');
  }

  function refreshEvent(eventId) {
    var section = document.querySelector('section[data-event-id="' + CSS.escape(eventId) + '"]');
    if (!section) return;
    refresh('event:' + eventId, function () {
      return fragment('/fragments/event/' + encodeURIComponent(eventId)).then(function (markup) {
        var current = document.querySelector('section[data-event-id="' + CSS.escape(eventId) + '"]');
        if (markup && current) replaceKeepingFocus(current, markup);
      });
    });
  }

  function refreshAllEvents() {
    var sections = document.querySelectorAll('section[data-event-id]');
    for (var i = 0; i < sections.length; i += 1) refreshEvent(sections[i].getAttribute('data-event-id'));
  }

  /**
   * After the live connection was lost: this page's rows fetched again as the server lists them now (the
   * deliveries that arrived meanwhile and the jobs that ran), keeping focus and open details in place.
   */
  function catchUpList() {
    refresh('list', function () {
      return fetch(window.location.href, { headers: { accept: 'text/html' }, credentials: 'same-origin' })
        .then(function (response) {
          if (response.status === 401) { window.location.href = base + '/login'; return null; }
          return response.ok ? response.text() : null;
        })
        .then(function (markup) {
          if (!markup) return;
          var fresh = new DOMParser().parseFromString(markup, 'text/html').getElementById('delivery-rows');
          var current = document.getElementById('delivery-rows');
          if (fresh && current) replaceKeepingFocus(current, fresh.outerHTML);
        });
    });
  }

  function onChange(change) {
    if (view === 'list') {
      if (change.kind === 'delivery') {
        if (rowFor(change.deliveryId)) refreshRow(change.deliveryId, false);
        else if (change.cause) return; // an erasure, no arrival: nothing to add to this page
        else if (liveInsert) refreshRow(change.deliveryId, true);
        else announceNew();
        return;
      }
      var rows = document.querySelectorAll('tr[data-event-ids~="' + CSS.escape(change.eventId) + '"]');
      for (var i = 0; i < rows.length; i += 1) refreshRow(rows[i].getAttribute('data-delivery-id'), false);
      // No row shows this event yet: it may belong to a row being fetched to be added, whose markup
      // may predate this change. Those are fetched once more after they are added.
      if (rows.length === 0) Object.keys(inserting).forEach(function (deliveryId) { refreshRow(deliveryId, true); });
    } else if (view === 'delivery') {
      if (change.kind === 'delivery') {
        if (change.deliveryId === body.getAttribute('data-delivery-id')) {
          debounce('reload', function () { window.location.reload(); });
        }
        return;
      }
      refreshEvent(change.eventId);
    }
  }

  var RETRY_MS = 3000;
  var ENDED_TEXT = { logged_out: 'Logged out', expired: 'Session expired' };
  var source = null;
  var ended = false;

  /** The session is over: no more reconnecting; the indicator says so and links to the login form. */
  function sessionEnded(reason) {
    if (ended) return;
    ended = true;
    if (source) source.close();
    body.setAttribute('data-live', 'ended');
    announce((ENDED_TEXT[reason] || 'Session ended') + ': live updates stopped. Log in again to continue.');
    if (!liveLabel) return;
    var link = document.createElement('a');
    // Back to this page after the login, without an action's notice token (action-notices.ts): it was
    // for this session only, and links never carry it on.
    var address = window.location.pathname + window.location.search;
    if (/[?&]notice=/.test(window.location.search)) {
      var kept = new URLSearchParams(window.location.search);
      kept.delete('notice');
      address = window.location.pathname + (kept.toString() ? '?' + kept.toString() : '');
    }
    link.href = base + '/login?next=' + encodeURIComponent(address);
    link.textContent = 'Log in again';
    liveLabel.textContent = (ENDED_TEXT[reason] || 'Session ended') + ' · ';
    liveLabel.appendChild(link);
  }

  /** The stream failed for good: 401 = the session ended; 2xx = open the stream again; else ask again later. */
  function checkSession() {
    if (ended) return;
    fetch(base + '/session', { credentials: 'same-origin', cache: 'no-store' }).then(function (response) {
      if (response.status === 401) sessionEnded(null);
      else setTimeout(response.ok ? connect : checkSession, RETRY_MS);
    }, function () { setTimeout(checkSession, RETRY_MS); });
  }

  function connect() {
    if (ended) return;
    var stream = new EventSource(streamUrl);
    source = stream;
    stream.addEventListener('open', function () {
      var wasLost = connection === 'lost';
      connected();
      // Anything that changed between rendering the page and connecting is picked up here. The stream
      // does not replay what it said while the connection was down: after a loss the list fetches its
      // rows again, and a delivery page reloads (as on a change of the delivery itself: an erasure or
      // a re-process, which its event sections do not show).
      if (view === 'delivery' && wasLost) debounce('reload', function () { window.location.reload(); });
      else if (view === 'delivery') refreshAllEvents();
      else if (view === 'list' && wasLost) catchUpList();
    });
    stream.addEventListener('error', function () {
      if (ended) return;
      lost();
      // CONNECTING: the browser retries by itself. CLOSED: it gave up after an answer it does not explain.
      if (stream.readyState === EventSource.CLOSED) checkSession();
    });
    stream.addEventListener('change', function (message) {
      try { onChange(JSON.parse(message.data)); } catch (error) { /* a malformed message is ignored */ }
    });
    stream.addEventListener('${SESSION_ENDED_EVENT}', function (message) {
      var reason = null;
      try { reason = JSON.parse(message.data).reason; } catch (error) { /* said without a reason */ }
      sessionEnded(reason);
    });
  }

  connect();
})();
`;
