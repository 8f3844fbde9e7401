/*! Attribution browser SDK v1 (contract §8). Served by the gateway at /sdk/v1/attribution.js. */
// The gateway serves this file with the two tokens below replaced by
// contracts/Attribution.Contracts/Reference/ingestion-rules.json and iso4217.json, so client and
// server check events against one table. Opened raw, it logs one error and does nothing.
//
// Page:  the seed's queue snippet, then
//        <script src="https://GATEWAY/sdk/v1/attribution.js" data-company-key="…" async></script>
//        (optional data-endpoint="…" (default: the script's origin), data-quantity-mode="TOTAL";
//        or window.attributionConfig = { companyKey, endpoint, quantityMode } before it loads;
//        window.attributionFingerprints = { userFingerprint, userFaqFingerprint } to use the chat
//        widget's visitor ids instead of the SDK's own).
// Calls: trackAlhenaEvent('sendCartEvent' | 'sendCheckoutEvent', data), before or after load, or
//        window.attribution.sendCartEvent(data) / .sendCheckoutEvent(data) → eventId, or null when
//          the data is invalid (one console.error names every bad field; nothing is sent);
//        .registerAddToCartHandler(fn(product) → Promise) and .addToCart(product) → Promise<boolean>
//          (product cards: the handler adds to the store's cart, then the SDK sends ITEM_ADDED);
//        .flush() → Promise<number of events still unsent>; .fingerprints(); legacy
//        window.gleenWidget.sendCartEvent / sendCheckoutEvent. Window event 'attribution:ready'.
(function (window, document) {
  'use strict';
  var RULES = /*@RULES@*/null;
  var CURRENCIES = /*@CURRENCIES@*/null;

  var P = '[attribution] ';
  function log(level, args) { try { var c = window.console; c[level].apply(c, args); } catch (e) { /* no console */ } }
  function err() { log('error', arguments); }
  function warn() { log('warn', arguments); }

  if (!RULES || !CURRENCIES || !CURRENCIES.currencies) {
    err(P + 'this copy of attribution.js has no rule table: load it from the gateway at /sdk/v1/attribution.js. Nothing is tracked.');
    return;
  }
  if (window.__attributionSdk) return; // loaded twice: the first copy does the work

  // ---- configuration -------------------------------------------------------------------------
  var script = document.currentScript || (function () {
    var s = document.querySelectorAll('script[src*="/sdk/v1/attribution.js"]');
    return s[s.length - 1];
  })();
  var cfg = window.attributionConfig || {};
  function attr(name) { return script && script.getAttribute('data-' + name); }
  var companyKey = attr('company-key') || cfg.companyKey;
  var endpoint = attr('endpoint') || cfg.endpoint;
  if (!endpoint) {
    try { endpoint = new URL(script.src, location.href).origin; } catch (e) { endpoint = location.origin; }
  }
  endpoint = String(endpoint).replace(/\/+$/, '');
  // A company whose storefront sends quantity totals (quantityMode TOTAL) may send quantity 0.
  var quantityMin = String(attr('quantity-mode') || cfg.quantityMode || '').toUpperCase() === 'TOTAL' ? 0 : RULES.quantity.min;
  if (!companyKey) {
    err(P + 'no company key: add data-company-key="\u2026" to the attribution.js script tag (or set window.attributionConfig = { companyKey }). Nothing is tracked.');
    return;
  }
  window.__attributionSdk = { version: '1' };

  // ---- storage (falls back to memory where localStorage is blocked) ----------------------------
  var memory = {};
  var local = storage('localStorage');
  var session = storage('sessionStorage');
  function storage(name) {
    try { var s = window[name], k = 'attribution.probe'; s.setItem(k, '1'); s.removeItem(k); return s; } catch (e) { return null; }
  }
  function get(key, s) {
    s = s === undefined ? local : s;
    try { return s ? s.getItem(key) : memory.hasOwnProperty(key) ? memory[key] : null; } catch (e) { return null; }
  }
  function set(key, value, s) {
    s = s === undefined ? local : s;
    try { if (s) s.setItem(key, value); else memory[key] = value; return true; } catch (e) { return false; }
  }
  function getJson(key, fallback) { try { var v = get(key); return v == null ? fallback : JSON.parse(v); } catch (e) { return fallback; } }

  // ---- ids and clock ---------------------------------------------------------------------------
  var crypto = window.crypto;
  function hex(bytes) {
    var b = new Uint8Array(bytes), s = '';
    crypto.getRandomValues(b);
    for (var i = 0; i < b.length; i++) s += (b[i] < 16 ? '0' : '') + b[i].toString(16);
    return s;
  }
  function uuid() {
    if (crypto.randomUUID) try { return crypto.randomUUID(); } catch (e) { /* not a secure context */ }
    var h = hex(16);
    h = h.slice(0, 12) + '4' + h.slice(13, 16) + (8 | parseInt(h[16], 16) & 3).toString(16) + h.slice(17);
    return h.slice(0, 8) + '-' + h.slice(8, 12) + '-' + h.slice(12, 16) + '-' + h.slice(16, 20) + '-' + h.slice(20);
  }
  // The server judges occurredAt by its own clock (±5 min / 30 days): follow its Date header when ours is off.
  var skew = +get('attribution.skew') || 0;
  function now() { return Date.now() + skew; }
  // Strictly increasing per page: the events of one burst (the drained queue, a quick series of
  // clicks) keep their call order when the engine folds a visitor's events by occurredAt.
  var lastStamp = 0;
  function stamp() { lastStamp = Math.max(now(), lastStamp + 1); return new Date(lastStamp).toISOString(); }

  // ---- fingerprints ----------------------------------------------------------------------------
  var own = {};
  function ownFingerprint(key, prefix) {
    if (!own[key]) {
      var v = get(key);
      if (!v || !FINGERPRINT.test(v)) { v = prefix + hex(12); set(key, v); }
      own[key] = v;
    }
    return own[key];
  }
  function fingerprints() {
    var given = window.attributionFingerprints || {};
    return {
      userFingerprint: given.userFingerprint || ownFingerprint('attribution.fp', 'fp_'),
      userFaqFingerprint: given.userFaqFingerprint || ownFingerprint('attribution.faqFp', 'faq_')
    };
  }

  // ---- validation: the same checks, in the same order, with the same messages as the gateway ----
  var MINOR = CURRENCIES.currencies;
  var FINGERPRINT = new RegExp(RULES.fingerprintPattern);
  var CONTROL = new RegExp(RULES.controlCharacterPattern);
  var LONE_SURROGATE = /[\ud800-\udbff](?![\udc00-\udfff])|(?:^|[^\ud800-\udbff])[\udc00-\udfff]/;
  var BLANK = /^[\t-\r \x85\xa0\u1680\u2000-\u200a\u2028\u2029\u202f\u205f\u3000]+$/; // .NET char.IsWhiteSpace
  var UUID = /^[({]?[0-9a-f]{8}-?[0-9a-f]{4}-?[0-9a-f]{4}-?[0-9a-f]{4}-?[0-9a-f]{12}[)}]?$/i;
  var RFC3339 = /^\d{4}-\d\d-\d\d[Tt]\d\d:\d\d(:\d\d(\.\d+)?)?([Zz]|[+-]\d\d:\d\d)$/;
  var TEXT = RULES.text;
  var CART_TYPES = RULES.cartTypes.join(', ');

  function isObject(x) { return x !== null && typeof x === 'object' && !Array.isArray(x); }
  // E: field → messages (what the console shows); its hidden _reasons: field → the reason code of
  // its first error, in the gateway's words (counted to /v1/events/sdk-diagnostics).
  function add(E, field, message, reason) {
    if (!E._reasons) Object.defineProperty(E, '_reasons', { value: {}, enumerable: false });
    if (!E[field]) E._reasons[field] = reason || 'invalid_field';
    (E[field] = E[field] || []).push(message);
  }
  function missing(v) { return v === undefined || v === null; }

  function text(o, E, pre, f, min, max, required, allowBlank) {
    var v = o[f];
    if (missing(v)) { if (required) add(E, pre + f, f + ' is required.', 'missing_field'); return null; }
    if (typeof v !== 'string') { add(E, pre + f, f + ' must be a string.'); return null; }
    // The gateway refuses a whole body holding a lone surrogate: caught here, it costs one event, not a batch.
    if (LONE_SURROGATE.test(v)) add(E, pre + f, pre + f + ' must be valid Unicode text (UTF-8, no lone surrogates).');
    else if (!allowBlank && v.length > 0 && BLANK.test(v)) add(E, pre + f, f + ' must not be blank.');
    else if (v.length < min || v.length > max) add(E, pre + f, f + ' must be ' + min + '\u2013' + max + ' characters.');
    else if (CONTROL.test(v)) add(E, pre + f, f + ' must not contain control characters (such as NUL, tab or newline).');
    else return v;
    return null;
  }
  function fingerprint(o, E, f) {
    var s = text(o, E, '', f, 1, 128, false);
    if (s !== null && !FINGERPRINT.test(s)) { add(E, f, f + ' must be 1\u2013128 characters of [A-Za-z0-9._:-].'); return null; }
    return s;
  }
  function fingerprintPair(o, E, required) {
    fingerprint(o, E, 'userFingerprint');
    fingerprint(o, E, 'userFaqFingerprint');
    if (required && missing(o.userFingerprint) && missing(o.userFaqFingerprint))
      add(E, 'userFingerprint', 'At least one of userFingerprint or userFaqFingerprint is required.', 'missing_field');
  }
  function number(o, E, pre, f, min, max, required) {
    var v = o[f];
    if (missing(v)) { if (required) add(E, pre + f, f + ' is required.', 'missing_field'); return null; }
    if (typeof v !== 'number' || !isFinite(v)) { add(E, pre + f, f + ' must be a finite number.'); return null; }
    if (v < min || v > max) { add(E, pre + f, f + ' must be between ' + min + ' and ' + max + '.'); return null; }
    return v;
  }
  function wholeNumber(o, E, pre, f, min, max, required) {
    var v = number(o, E, pre, f, min, max, required);
    if (v !== null && Math.floor(v) !== v) { add(E, pre + f, f + ' must be a whole number.'); return null; }
    return v;
  }
  function currency(o, E, pre, f, required) {
    var v = o[f];
    if (missing(v)) { if (required) add(E, pre + f, f + ' is required.', 'missing_field'); return null; }
    if (typeof v !== 'string') { add(E, pre + f, f + ' must be an ISO 4217 code string (e.g. USD).', 'bad_currency'); return null; }
    if (!Object.prototype.hasOwnProperty.call(MINOR, v)) {
      add(E, pre + f, f + ' must be an active ISO 4217 code in upper case (e.g. USD); \'' + (v.length <= 16 ? v : v.slice(0, 16) + '\u2026') + '\' is not.', 'bad_currency');
      return null;
    }
    return v;
  }
  // Decimals the JSON text of a number uses (what the server counts): 79.99 → 2, 1e-7 → 7.
  function decimals(x) {
    var s = String(Math.abs(x)), e = 0, i = s.indexOf('e');
    if (i >= 0) { e = +s.slice(i + 1); s = s.slice(0, i); }
    i = s.indexOf('.');
    return Math.max(0, (i < 0 ? 0 : s.length - i - 1) - e);
  }
  function minorUnits(E, pre, f, amount, code) {
    if (amount !== null && code !== null && decimals(amount) > MINOR[code])
      add(E, pre + f, f + ' has more decimals than ' + code + ' allows (' + MINOR[code] + ').', 'bad_decimals');
  }
  function common(o, E) {
    var id = text(o, E, '', 'eventId', 1, 64, false);
    if (id !== null && !UUID.test(id)) add(E, 'eventId', 'eventId must be a UUID.');
  }
  function occurredAt(o, E) {
    var s = text(o, E, '', 'occurredAt', 1, 64, false);
    if (s === null) return;
    var t = RFC3339.test(s) ? Date.parse(s.toUpperCase()) : NaN, n = now(), w = RULES.occurredAt;
    if (isNaN(t)) add(E, 'occurredAt', 'occurredAt must be an RFC 3339 timestamp with a time zone, e.g. 2026-11-21T10:00:00Z.');
    else if (t > n + w.maxFutureMinutes * 60000) add(E, 'occurredAt', 'occurredAt must not be more than ' + w.maxFutureMinutes + ' minutes in the future.');
    else if (t < n - w.maxPastDays * 86400000) add(E, 'occurredAt', 'occurredAt must not be more than ' + w.maxPastDays + ' days in the past.');
  }

  function validateCart(o) {
    var E = {};
    common(o, E);
    fingerprintPair(o, E, true);
    if (missing(o.type)) add(E, 'type', 'type is required: one of ' + CART_TYPES + '.', 'missing_field');
    else if (RULES.cartTypes.indexOf(o.type) < 0) add(E, 'type', 'type must be exactly one of ' + CART_TYPES + ' (case-sensitive).', 'unknown_cart_type');
    text(o, E, '', 'productId', 1, TEXT.productId, true);
    text(o, E, '', 'productName', 1, TEXT.productName, true);
    var value = number(o, E, '', 'value', 0, RULES.maxValue, true);
    minorUnits(E, '', 'value', value, currency(o, E, '', 'currency', true));
    wholeNumber(o, E, '', 'quantity', quantityMin, RULES.quantity.max, true);
    occurredAt(o, E);
    return E;
  }

  function validateCheckout(o) {
    var E = {};
    common(o, E);
    fingerprintPair(o, E, false); // optional on a checkout: such an order is recorded, unattributed
    text(o, E, '', 'orderId', 1, TEXT.orderId, false);
    var value = number(o, E, '', 'value', 0, RULES.maxValue, true);
    var code = currency(o, E, '', 'currency', true);
    minorUnits(E, '', 'value', value, code);
    if (!missing(o.test) && typeof o.test !== 'boolean') add(E, 'test', 'test must be true or false.');
    var items = o.lineItems;
    if (!missing(items)) {
      if (!Array.isArray(items)) add(E, 'lineItems', 'lineItems must be an array.');
      else if (items.length > RULES.maxLineItems) add(E, 'lineItems', 'lineItems must have at most ' + RULES.maxLineItems + ' items.');
      else for (var i = 0; i < items.length; i++) {
        var it = items[i], pre = 'lineItems[' + i + '].';
        if (!isObject(it)) { add(E, 'lineItems[' + i + ']', 'Each line item must be an object.'); continue; }
        text(it, E, pre, 'productId', 1, TEXT.productId, true);
        text(it, E, pre, 'productName', 1, TEXT.productName, true);
        wholeNumber(it, E, pre, 'quantity', RULES.quantity.min, RULES.quantity.max, true);
        var v = number(it, E, pre, 'value', 0, RULES.maxValue, true);
        var c = currency(it, E, pre, 'currency', true);
        minorUnits(E, pre, 'value', v, c);
        if (c !== null && code !== null && c !== code)
          add(E, pre + 'currency', 'currency must be the order\'s currency (' + code + '); got ' + c + '.', 'line_item_currency_mismatch');
      }
    }
    occurredAt(o, E);
    return E;
  }

  function describe(E) {
    var parts = [];
    for (var f in E) parts.push(f + ': ' + E[f].join(' '));
    return parts.join('; ');
  }

  // ---- events ----------------------------------------------------------------------------------
  function pick(src, fields) {
    var out = {};
    for (var i = 0; i < fields.length; i++) if (src[fields[i]] !== undefined) out[fields[i]] = src[fields[i]];
    return out;
  }
  var CART_FIELDS = ['type', 'productId', 'productName', 'value', 'currency', 'quantity'];
  var LINE_FIELDS = ['productId', 'productName', 'quantity', 'value', 'currency'];
  var ORDERS = 'attribution.orders';

  function track(kind, data, method) {
    if (!isObject(data)) {
      err(P + method + ' was not sent: the event must be an object.');
      countRejections({ body: ['not an object'] });
      return null;
    }
    var f = fingerprints(), cart = kind === 'cart';
    var ev = { kind: kind, eventId: data.eventId, occurredAt: data.occurredAt,
      userFingerprint: f.userFingerprint, userFaqFingerprint: f.userFaqFingerprint };
    var body = pick(data, cart ? CART_FIELDS : ['orderId', 'value', 'currency', 'test']), k;
    for (k in body) ev[k] = body[k];
    if (!cart && data.lineItems !== undefined)
      ev.lineItems = Array.isArray(data.lineItems)
        ? data.lineItems.map(function (it) { return isObject(it) ? pick(it, LINE_FIELDS) : it; })
        : data.lineItems;

    // A thank-you page refresh resends the order with the eventId (and time) it had the first time.
    var orders = null, orderKey = null;
    if (!cart && typeof ev.orderId === 'string') {
      orders = getJson(ORDERS, {});
      if (!isObject(orders)) orders = {};
      orderKey = companyKey + '|' + ev.orderId;
      var seen = orders[orderKey];
      if (seen && missing(ev.eventId)) {
        ev.eventId = seen.e;
        if (missing(ev.occurredAt) && Date.parse(seen.t) > now() - (RULES.occurredAt.maxPastDays - 1) * 86400000) ev.occurredAt = seen.t;
      }
    }
    if (missing(ev.eventId)) ev.eventId = uuid();
    if (missing(ev.occurredAt)) ev.occurredAt = stamp();

    var E = cart ? validateCart(ev) : validateCheckout(ev);
    if (!describe(E) && bytes(JSON.stringify(ev)) > RULES.batch.maxBytes - 64)
      add(E, 'body', 'The event is larger than a batch may be (' + RULES.batch.maxBytes + ' bytes).');
    if (describe(E)) { err(P + method + ' was not sent: ' + describe(E), E); countRejections(E); return null; }

    if (orderKey) {
      orders[orderKey] = { e: ev.eventId, t: ev.occurredAt };
      var keys = Object.keys(orders);
      if (keys.length > 100) { // keep the newest 100
        keys.sort(function (a, b) { return String((orders[a] || {}).t) < String((orders[b] || {}).t) ? -1 : 1; });
        for (var i = 0; i < keys.length - 100; i++) delete orders[keys[i]];
      }
      set(ORDERS, JSON.stringify(orders));
    }
    enqueue(ev);
    return ev.eventId;
  }

  // ---- queue, persistence and sending ------------------------------------------------------------
  var QUEUE = 'attribution.queue', MAX_STORED = 1000, BEACON_BYTES = 60000;
  var BATCH_URL = endpoint + '/v1/events/batch';
  var queue = [];        // unacknowledged events, oldest first (in flight ones included)
  var done = {};         // eventIds finished on this page: accepted, rejected, dropped or beaconed
  var sending = null;    // the request in flight: { events, promise }
  var timer = null, timerAt = 0, attempt = 0, backoffUntil = 0, healthy = true, perRequest = RULES.batch.maxEvents;
  var encoder = window.TextEncoder ? new TextEncoder() : null;
  function bytes(s) { return encoder ? encoder.encode(s).length : s.length * 3; }

  function trim(list, what) {
    if (list.length <= MAX_STORED) return list;
    var dropped = list.splice(0, list.length - MAX_STORED);
    for (var i = 0; i < dropped.length; i++) done[dropped[i].eventId] = 1;
    warn(P + 'more than ' + MAX_STORED + ' unsent events ' + what + ': dropped the ' + dropped.length + ' oldest.');
    return list;
  }

  // Storage holds (stored ∪ ours) − finished, so tabs sharing it do not erase each other's events.
  function persist() {
    var stored = getJson(QUEUE, []), seen = {}, out = [];
    function keep(ev) {
      if (isObject(ev) && typeof ev.eventId === 'string' && !done[ev.eventId] && !seen[ev.eventId]) { seen[ev.eventId] = 1; out.push(ev); }
    }
    if (Array.isArray(stored)) stored.forEach(keep);
    queue.forEach(keep);
    out = trim(out, 'are stored');
    while (!set(QUEUE, JSON.stringify(out)) && out.length) {
      var n = Math.ceil(out.length / 2);
      warn(P + 'storage is full: dropped the ' + n + ' oldest unsent events.');
      out = out.slice(n);
    }
  }

  var persistSoon = false;
  function enqueue(ev) {
    queue.push(ev);
    trim(queue, 'are waiting');
    if (!persistSoon) { // once for all the events of one task
      persistSoon = true;
      Promise.resolve().then(function () { persistSoon = false; safe('persist', persist)(); });
    }
    schedule();
  }

  function finish(ev) {
    done[ev.eventId] = 1;
    var i = queue.indexOf(ev);
    if (i >= 0) queue.splice(i, 1);
  }

  function schedule(delay) {
    if (sending || !queue.length) return;
    var due = Math.max(Date.now() + (delay != null ? delay : queue.length >= 20 ? 0 : 250), backoffUntil);
    if (timer && timerAt <= due) return;
    clearTimeout(timer);
    timerAt = due;
    timer = setTimeout(function () { timer = null; safe('flush', send)(); }, due - Date.now());
  }

  // Takes up to `max` events not yet in flight whose JSON stays within `maxBytes`.
  function take(max, maxBytes, skip) {
    var events = [], parts = [], size = 16;
    for (var i = 0; i < queue.length && events.length < max; i++) {
      var ev = queue[i];
      if (skip && skip.indexOf(ev) >= 0) continue;
      var json = JSON.stringify(ev), n = bytes(json) + 1;
      if (size + n > maxBytes) { if (events.length || maxBytes === BEACON_BYTES) continue; }
      events.push(ev); parts.push(json); size += n;
    }
    return { events: events, body: '{"events":[' + parts.join(',') + ']}' };
  }

  function send() {
    if (sending) return sending.promise;
    if (!queue.length || Date.now() < backoffUntil) { schedule(); return Promise.resolve(queue.length); }
    clearTimeout(timer); timer = null;
    var batch = take(perRequest, RULES.batch.maxBytes);
    var current = sending = { events: batch.events };
    current.promise = fetch(BATCH_URL, {
      method: 'POST',
      headers: { 'Content-Type': 'application/json', 'X-Company-Key': companyKey },
      body: batch.body,
      credentials: 'omit'
    }).then(function (res) {
      return res.text().then(function (t) { handle(res, t, current.events); }, function () { handle(res, '', current.events); });
    }, function (e) {
      retryLater(null, 'network error' + (e && e.message ? ' (' + e.message + ')' : ''));
    }).then(null, function (e) {
      err(P + 'could not process the answer to a batch:', e);
    }).then(function () {
      sending = null;
      persist();
      schedule();
      return queue.length;
    });
    return current.promise;
  }

  function handle(res, body, events) {
    var status = res.status, data = null;
    try { data = JSON.parse(body); } catch (e) { /* not JSON */ }
    var date = Date.parse(res.headers.get('Date'));
    if (date) { var s = date - Date.now(); skew = Math.abs(s) > 60000 ? s : 0; set('attribution.skew', String(skew)); }

    if (data && Array.isArray(data.results) && (status === 202 || status === 200 || status === 503)) {
      var unavailable = 0;
      data.results.forEach(function (r) {
        var ev = events[r.index];
        if (!ev) return;
        if (r.status === 'accepted') finish(ev);
        else if (r.status === 'rejected') {
          err(P + 'the server rejected ' + ev.kind + ' event ' + ev.eventId + ': ' + describe(r.errors || {}), r.errors, ev);
          finish(ev);
        } else { // "unavailable": the broker could not take it now; resent later with the same eventId
          unavailable++;
          if (queue.indexOf(ev) < 0) { delete done[ev.eventId]; queue.push(ev); } // a beacon took it meanwhile
        }
      });
      if (unavailable || status === 503) retryLater(res, unavailable + ' event(s) unavailable');
      else delivered();
    } else if (status === 429 || status === 408 || status >= 500) {
      retryLater(res, 'HTTP ' + status);
    } else if (status === 413 && events.length > 1) {
      perRequest = Math.max(1, Math.floor(events.length / 2)); // send smaller batches
    } else if (status >= 200 && status < 300) {
      events.forEach(finish);
      delivered();
    } else { // 400 for the whole batch, 401/403 (key or origin), 413, 415: resending cannot help
      err(P + 'the server refused ' + events.length + ' event(s) with HTTP ' + status + ': ' +
        (data && data.errors ? describe(data.errors) : data && (data.detail || data.title) || body), data || body);
      events.forEach(finish);
    }
  }

  function delivered() { healthy = true; attempt = 0; backoffUntil = 0; }

  function retryLater(res, why) {
    healthy = false;
    attempt++;
    var base = Math.min(60000, 1000 * Math.pow(2, attempt - 1));
    var delay = base / 2 + Math.random() * base / 2;
    var after = res && res.headers.get('Retry-After');
    if (after) {
      var secs = /^\d+$/.test(after) ? +after * 1000 : Date.parse(after) - Date.now();
      if (secs >= 0) delay = Math.min(secs, 600000) + Math.random() * 250;
    }
    backoffUntil = Date.now() + delay;
    warn(P + 'events not delivered (' + why + '); ' + queue.length + ' kept, retrying in ' + Math.round(delay / 1000) + ' s.');
  }

  // When the page is hidden it may never come back: hand what is left to the browser (once per
  // event: visibilitychange and pagehide both fire when the shopper leaves).
  var beaconed = {};
  function beacon() {
    if (!queue.length || !navigator.sendBeacon) return;
    var url = BATCH_URL + '?companyKey=' + encodeURIComponent(companyKey);
    var tried = queue.filter(function (ev) { return beaconed[ev.eventId]; });
    for (;;) {
      var batch = take(RULES.batch.maxEvents, BEACON_BYTES, tried);
      if (!batch.events.length) break; // what is left is too large for a beacon: it waits for the next page
      tried = tried.concat(batch.events);
      if (!navigator.sendBeacon(url, new Blob([batch.body], { type: 'text/plain' }))) break;
      batch.events.forEach(function (ev) { beaconed[ev.eventId] = 1; });
      // Beacons are fire-and-forget: while the server is answering 503/429 keep the events for the
      // next page as well (the eventId makes a second delivery harmless).
      if (healthy) batch.events.forEach(finish);
    }
    persist();
  }

  // ---- diagnostics: calls refused here, counted by "<field>: <reason>" (contract §8) -------------
  // The store owner sees them in the data-quality report, not only the shopper's console. Counts
  // wait in storage and go at most once a minute (the first a few seconds after the first refusal,
  // so a burst goes as one report); a hidden page hands them to sendBeacon when the minute is up.
  var DIAGNOSTICS = 'attribution.diagnostics', DIAGNOSTICS_URL = endpoint + '/v1/events/sdk-diagnostics';
  var DIAGNOSTICS_EVERY = 60000, DIAGNOSTICS_FIRST = 5000, DIAGNOSTICS_KEYS = 100;
  var diagnosticsTimer = null;
  function diagnostics() {
    var d = getJson(DIAGNOSTICS, null);
    return isObject(d) && isObject(d.counts) ? d : { counts: {}, sentAt: 0 };
  }
  function countRejections(E) {
    var d = diagnostics(), reasons = E._reasons || {};
    for (var f in E) {
      var key = f.replace(/\[\d+\]/g, '[]') + ': ' + (reasons[f] || 'invalid_field'); // one key for every line item
      if (!d.counts[key] && Object.keys(d.counts).length >= DIAGNOSTICS_KEYS) key = 'other: invalid_field';
      d.counts[key] = (d.counts[key] || 0) + 1;
    }
    set(DIAGNOSTICS, JSON.stringify(d));
    scheduleDiagnostics();
  }
  function scheduleDiagnostics() {
    if (diagnosticsTimer) return;
    var d = diagnostics();
    if (!Object.keys(d.counts).length) return;
    var wait = Math.max(DIAGNOSTICS_FIRST, (+d.sentAt || 0) + DIAGNOSTICS_EVERY - Date.now());
    diagnosticsTimer = setTimeout(function () { diagnosticsTimer = null; safe('diagnostics', sendDiagnostics)(false); }, wait);
  }
  function sendDiagnostics(byBeacon) {
    var d = diagnostics(), counts = d.counts;
    if (!Object.keys(counts).length || Date.now() < (+d.sentAt || 0) + DIAGNOSTICS_EVERY) { if (!byBeacon) scheduleDiagnostics(); return; }
    var body = JSON.stringify({ rejections: counts });
    set(DIAGNOSTICS, JSON.stringify({ counts: {}, sentAt: Date.now() }));
    if (byBeacon) {
      if (!navigator.sendBeacon(DIAGNOSTICS_URL + '?companyKey=' + encodeURIComponent(companyKey), new Blob([body], { type: 'text/plain' })))
        restoreDiagnostics(counts);
      return;
    }
    fetch(DIAGNOSTICS_URL, {
      method: 'POST',
      headers: { 'Content-Type': 'application/json', 'X-Company-Key': companyKey },
      body: body,
      credentials: 'omit'
    }).then(function (res) {
      if (res.status === 429 || res.status === 408 || res.status >= 500) restoreDiagnostics(counts); // other answers cannot improve
    }, function () { restoreDiagnostics(counts); }).then(null, function () { /* never into the store's code */ });
  }
  function restoreDiagnostics(counts) {
    var d = diagnostics();
    for (var k in counts) d.counts[k] = (d.counts[k] || 0) + counts[k];
    set(DIAGNOSTICS, JSON.stringify(d));
    scheduleDiagnostics();
  }

  // ---- add to cart (product cards in the assistant) ----------------------------------------------
  var addToCartHandler = null;
  function shopifyRoot() { var s = window.Shopify; return (s && s.routes && s.routes.root) || '/'; }
  function shopifyPost(path, payload) {
    return fetch(shopifyRoot() + path, {
      method: 'POST', credentials: 'same-origin',
      headers: { 'Content-Type': 'application/json', Accept: 'application/json' },
      body: JSON.stringify(payload)
    }).then(function (r) {
      if (!r.ok) throw new Error(path + ' answered HTTP ' + r.status);
      return r.json();
    });
  }
  // The fingerprints ride on the Shopify cart as attributes, which Shopify copies into the order's
  // note_attributes: the orders/create webhook joins the order to the chat. Once per cart and session.
  function shopifyCartAttributes() {
    if (!window.Shopify) return;
    var f = fingerprints();
    var cart = (document.cookie.match(/(?:^|; )cart=([^;]*)/) || [])[1] || '';
    var mark = cart + '|' + f.userFingerprint + '|' + f.userFaqFingerprint;
    if (get('attribution.shopifyCart', session) === mark) return;
    shopifyPost('cart/update.js', { attributes: { _attribution_fingerprint: f.userFingerprint, _attribution_faq_fingerprint: f.userFaqFingerprint } })
      .then(function () { set('attribution.shopifyCart', mark, session); },
        function (e) { warn(P + 'could not write the fingerprints to the Shopify cart:', e); });
  }
  function openShopifyCart() {
    document.dispatchEvent(new CustomEvent('cart:refresh', { bubbles: true }));
    var toggle = document.querySelector('[data-cart-drawer-toggle]');
    if (toggle) toggle.click();
    else location.href = shopifyRoot() + 'cart';
  }

  function addToCart(product) {
    var p = {}, k, src = isObject(product) ? product : {};
    for (k in src) p[k] = src[k];
    if (missing(p.quantity)) p.quantity = 1;
    var shopify = !addToCartHandler && window.Shopify;
    if (shopify && missing(p.currency) && window.Shopify.currency) p.currency = window.Shopify.currency.active;
    var run = addToCartHandler;
    if (!run && shopify) run = function () { return shopifyPost('cart/add.js', { items: [{ id: p.variantId || p.productId, quantity: p.quantity }] }); };
    if (!run) {
      err(P + 'addToCart: no add-to-cart handler is registered (call attribution.registerAddToCartHandler(fn)); nothing was added.');
      return Promise.resolve(false);
    }
    return Promise.resolve(p).then(run).then(function () {
      // Only once the store's cart really has the item (mistake #5 of the seed docs).
      track('cart', { type: 'ITEM_ADDED', productId: p.productId, productName: p.productName, value: p.value, currency: p.currency, quantity: p.quantity }, 'addToCart');
      if (shopify) { shopifyCartAttributes(); openShopifyCart(); }
      return true;
    }, function (e) {
      err(P + 'addToCart: the add-to-cart call failed, so no ITEM_ADDED was sent:', e);
      return false;
    }).then(null, function (e) { err(P + 'addToCart failed:', e); return false; });
  }

  // ---- public API ------------------------------------------------------------------------------
  function safe(name, fn, fallback) {
    return function () {
      try { return fn.apply(this, arguments); } catch (e) { err(P + name + ' failed:', e); return fallback; }
    };
  }
  var api = {
    version: '1',
    sendCartEvent: safe('sendCartEvent', function (data) { return track('cart', data, 'sendCartEvent'); }, null),
    sendCheckoutEvent: safe('sendCheckoutEvent', function (data) { return track('checkout', data, 'sendCheckoutEvent'); }, null),
    registerAddToCartHandler: safe('registerAddToCartHandler', function (fn) {
      if (typeof fn !== 'function') { err(P + 'registerAddToCartHandler needs a function(product) that returns a Promise.'); return false; }
      addToCartHandler = fn;
      return true;
    }, false),
    addToCart: function (product) {
      try { return addToCart(product); } catch (e) { err(P + 'addToCart failed:', e); return Promise.resolve(false); }
    },
    flush: function () {
      try { return send(); } catch (e) { err(P + 'flush failed:', e); return Promise.resolve(queue.length); }
    },
    fingerprints: safe('fingerprints', function () { return fingerprints(); }, null)
  };
  var METHODS = { sendCartEvent: 1, sendCheckoutEvent: 1, registerAddToCartHandler: 1, addToCart: 1 };
  function call(method, data) {
    if (METHODS[method] !== 1) {
      err(P + 'unknown method ' + JSON.stringify(method) + ': use sendCartEvent or sendCheckoutEvent.');
      return null;
    }
    return api[method](data);
  }
  // A queued item as the seed snippet pushes it, { method, args }, or an arguments list [method, data].
  var run = safe('trackAlhenaEvent', function (item) {
    if (item && typeof item.method === 'string') return call(item.method, item.args);
    if (item && typeof item[0] === 'string') return call(item[0], item[1]);
    err(P + 'ignored a queued item that is neither { method, args } nor [method, data]:', item);
  }, null);

  window.attribution = api;
  var legacy = window.gleenWidget;
  if (!legacy || (typeof legacy !== 'object' && typeof legacy !== 'function')) legacy = window.gleenWidget = {};
  legacy.sendCartEvent = api.sendCartEvent;
  legacy.sendCheckoutEvent = api.sendCheckoutEvent;

  // Events a previous page could not deliver go first.
  var stored = getJson(QUEUE, []);
  if (Array.isArray(stored)) stored.forEach(function (ev) {
    if (isObject(ev) && typeof ev.eventId === 'string' && (ev.kind === 'cart' || ev.kind === 'checkout')) queue.push(ev);
  });
  trim(queue, 'were stored');
  fingerprints();

  // Drain the snippet's queue in order, then take calls directly (also from anyone who kept the old
  // trackAlhenaEvent, which pushes to the queue).
  var q = window._alhenaEventQueue;
  if (!q || typeof q.shift !== 'function') q = window._alhenaEventQueue = [];
  while (q.length) run(q.shift());
  window.trackAlhenaEvent = function (method, data) { return run({ method: method, args: data }); };
  q.push = function () { for (var i = 0; i < arguments.length; i++) run(arguments[i]); return 0; };

  safe('shopify', shopifyCartAttributes)();
  document.addEventListener('visibilitychange', safe('beacon', function () { if (document.visibilityState === 'hidden') { beacon(); sendDiagnostics(true); } }));
  window.addEventListener('pagehide', safe('beacon', function () { beacon(); sendDiagnostics(true); }));
  window.addEventListener('online', safe('online', function () { backoffUntil = 0; schedule(0); }));
  schedule();
  safe('diagnostics', scheduleDiagnostics)(); // counts a previous page could not send
  safe('ready', function () { window.dispatchEvent(new CustomEvent('attribution:ready', { detail: api })); })();
})(window, document);
