'use strict';
// A small fake browser for the SDK: storage, crypto, fetch, sendBeacon, timers and clock are all
// under the test's control. The SDK is served the way the gateway serves it: the two tokens
// replaced by the reference rule table and the ISO 4217 table. No npm dependencies.
const fs = require('node:fs');
const path = require('node:path');
const { webcrypto } = require('node:crypto');

const root = path.resolve(__dirname, '..', '..');
const sdkPath = path.join(root, 'services', 'Attribution.Gateway', 'Sdk', 'attribution.js');
const refDir = path.join(root, 'contracts', 'Attribution.Contracts', 'Reference');

function rawSource() { return fs.readFileSync(sdkPath, 'utf8'); }

function servedSource() {
  const rules = fs.readFileSync(path.join(refDir, 'ingestion-rules.json'), 'utf8');
  const currencies = fs.readFileSync(path.join(refDir, 'iso4217.json'), 'utf8');
  const src = rawSource();
  if (!src.includes('/*@RULES@*/null') || !src.includes('/*@CURRENCIES@*/null')) throw new Error('substitution tokens missing');
  return src.replace('/*@RULES@*/null', () => rules).replace('/*@CURRENCIES@*/null', () => currencies);
}

class MemoryStorage {
  constructor() { this.map = new Map(); }
  getItem(k) { return this.map.has(k) ? this.map.get(k) : null; }
  setItem(k, v) { this.map.set(k, String(v)); }
  removeItem(k) { this.map.delete(k); }
}

/** A clock and timers the test advances by hand. */
class Clock {
  constructor(now) { this.now = now; this.timers = []; this.nextId = 1; }
  setTimeout(fn, ms) { const id = this.nextId++; this.timers.push({ id, at: this.now + Math.max(0, ms || 0), fn }); return id; }
  clearTimeout(id) { this.timers = this.timers.filter(t => t.id !== id); }
  pending() { return this.timers.length; }
}

const settle = () => new Promise(r => setImmediate(r));

function makeResponse({ status = 202, headers = {}, body = '' } = {}) {
  const h = Object.fromEntries(Object.entries(headers).map(([k, v]) => [k.toLowerCase(), String(v)]));
  const text = typeof body === 'string' ? body : JSON.stringify(body);
  return {
    status, ok: status >= 200 && status < 300,
    headers: { get: n => (n.toLowerCase() in h ? h[n.toLowerCase()] : null) },
    text: () => Promise.resolve(text),
    json: () => Promise.resolve(JSON.parse(text)),
  };
}

/** Answers a batch the way the gateway does when every event is taken. */
function acceptAll(call) {
  if (call.url.includes('/v1/events/sdk-diagnostics')) return { status: 202, body: { status: 'accepted' } };
  const events = JSON.parse(call.body).events;
  return { status: 202, body: { results: events.map((e, index) => ({ index, status: 'accepted', eventId: e.eventId })) } };
}

/**
 * A page with the SDK. options: { key, endpoint, storage, session, clock, fetch (call → response|throws),
 * beacon (→ bool), setup(window) before load, source, scriptAttrs }.
 */
function createPage(options = {}) {
  const clock = options.clock || new Clock(Date.parse('2026-11-21T10:00:00Z'));
  const local = options.storage || new MemoryStorage();
  const session = options.session || new MemoryStorage();
  const errors = [], warnings = [], fetches = [], beacons = [], listeners = {}, docListeners = {}, dispatched = [];
  const responder = options.fetch || acceptAll;

  const attrs = Object.assign({ 'data-company-key': options.key === undefined ? 'ck_test' : options.key }, options.scriptAttrs || {});
  if (attrs['data-company-key'] === null) delete attrs['data-company-key'];
  const script = { src: 'https://gateway.example/sdk/v1/attribution.js', getAttribute: n => (n in attrs ? attrs[n] : null) };

  const location = { href: 'https://shop.example/product', origin: 'https://shop.example' };
  const document = {
    currentScript: script,
    cookie: '',
    visibilityState: 'visible',
    querySelectorAll: () => [script],
    querySelector: sel => (options.elements && options.elements[sel]) || null,
    addEventListener: (t, fn) => (docListeners[t] = docListeners[t] || []).push(fn),
    dispatchEvent: e => { dispatched.push(e.type); return true; },
  };
  const DateCtor = class extends Date {
    constructor(...a) { if (a.length) super(...a); else super(clock.now); }
    static now() { return clock.now; }
  };
  const fakeFetch = (url, init = {}) => {
    const call = { url, method: init.method, headers: init.headers || {}, body: init.body, credentials: init.credentials };
    fetches.push(call);
    try {
      const r = responder(call);
      if (r instanceof Error) return Promise.reject(r);
      return Promise.resolve(makeResponse(r));
    } catch (e) { return Promise.reject(e); }
  };
  const navigator = {
    sendBeacon: (url, blob) => {
      const ok = options.beacon ? options.beacon(url, blob) : true;
      beacons.push({ url, blob, ok });
      return ok;
    },
  };
  const window = {
    console: {
      error: (...a) => errors.push(a),
      warn: (...a) => warnings.push(a),
      log() {}, info() {},
    },
    crypto: webcrypto,
    localStorage: local,
    sessionStorage: session,
    TextEncoder,
    addEventListener: (t, fn) => (listeners[t] = listeners[t] || []).push(fn),
    dispatchEvent: e => { dispatched.push(e.type); return true; },
  };
  if (options.setup) options.setup(window, document);

  const page = {
    window, document, clock, local, session, errors, warnings, fetches, beacons, dispatched, location,
    /** Loads (or loads again) the SDK into this page. */
    load(source = options.source || servedSource()) {
      const run = new Function('window', 'document', 'location', 'navigator', 'fetch', 'setTimeout', 'clearTimeout', 'Date', source);
      run(window, document, location, navigator, fakeFetch, (f, ms) => clock.setTimeout(f, ms), id => clock.clearTimeout(id), DateCtor);
      return page;
    },
    /** Moves the clock on, running due timers and letting promises settle. */
    async advance(ms) {
      const end = clock.now + ms;
      await settle();
      for (;;) {
        clock.timers.sort((a, b) => a.at - b.at);
        const t = clock.timers[0];
        if (!t || t.at > end) break;
        clock.timers.shift();
        clock.now = Math.max(clock.now, t.at);
        t.fn();
        await settle(); await settle();
      }
      clock.now = end;
      await settle(); await settle();
    },
    hide() {
      document.visibilityState = 'hidden';
      (docListeners.visibilitychange || []).forEach(fn => fn());
    },
    pagehide() { (listeners.pagehide || []).forEach(fn => fn()); },
    /** Events of every batch POSTed so far. */
    sentEvents() { return fetches.filter(f => f.url.endsWith('/v1/events/batch')).flatMap(f => JSON.parse(f.body).events); },
    stored() { return JSON.parse(local.getItem('attribution.queue') || '[]'); },
  };
  return page;
}

module.exports = { createPage, Clock, MemoryStorage, servedSource, rawSource, acceptAll, makeResponse };
