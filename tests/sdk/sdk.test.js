'use strict';
// Unit tests of the browser SDK (services/Attribution.Gateway/Sdk/attribution.js) in a fake page.
// Run: node --test tests/sdk/
const test = require('node:test');
const assert = require('node:assert/strict');
const { createPage, Clock, MemoryStorage, rawSource, acceptAll } = require('./harness');

const cart = (over = {}) => Object.assign({
  type: 'ITEM_ADDED', productId: 'SKU-1234', productName: 'Black Running Shoes', value: 79.99, currency: 'USD', quantity: 1,
}, over);
const checkout = (over = {}) => Object.assign({
  orderId: 'ORDER-7890', value: 199.97, currency: 'USD', lineItems: [
    { productId: 'SKU-1234', productName: 'Black Running Shoes', quantity: 1, value: 79.99, currency: 'USD' },
    { productId: 'SKU-5678', productName: 'Running Socks (2-pack)', quantity: 2, value: 59.99, currency: 'USD' }],
}, over);
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/;

/** The fields named by the one console.error of a bad call. */
function badFields(page) {
  assert.equal(page.errors.length, 1, 'exactly one console.error: ' + JSON.stringify(page.errors.map(e => e[0])));
  assert.match(page.errors[0][0], /^\[attribution\] /);
  return Object.keys(page.errors[0][1]).sort();
}

test('opened raw (tokens not substituted) it logs one error and does nothing else', async () => {
  const page = createPage().load(rawSource());
  assert.equal(page.errors.length, 1);
  assert.match(page.errors[0][0], /^\[attribution\] .*\/sdk\/v1\/attribution\.js/);
  assert.equal(page.window.attribution, undefined);
  assert.equal(page.window.trackAlhenaEvent, undefined);
  await page.advance(5000);
  assert.equal(page.fetches.length, 0);
});

test('drains the seed snippet queue in order, then takes calls directly', async () => {
  const page = createPage({
    setup(w) {
      // The seed's snippet, as the page runs it before the SDK loads.
      !(function (w) {
        w._alhenaEventQueue = w._alhenaEventQueue || [];
        w.trackAlhenaEvent = w.trackAlhenaEvent || function (method, data) { w._alhenaEventQueue.push({ method: method, args: data }); };
      })(w);
      w.trackAlhenaEvent('sendCartEvent', cart({ productId: 'A' }));
      w.trackAlhenaEvent('sendCartEvent', cart({ productId: 'B', type: 'QUANTITY_INCREASED' }));
      w.trackAlhenaEvent('sendCheckoutEvent', checkout());
      w.oldTrack = w.trackAlhenaEvent; // someone kept the snippet's function
    },
  }).load();
  assert.equal(page.window._alhenaEventQueue.length, 0);
  page.window.trackAlhenaEvent('sendCartEvent', cart({ productId: 'C' }));
  page.window.oldTrack('sendCartEvent', cart({ productId: 'D' }));
  assert.equal(page.fetches.length, 0, 'batched, not sent at once');
  await page.advance(300);
  assert.equal(page.fetches.length, 1);
  const call = page.fetches[0];
  assert.equal(call.url, 'https://gateway.example/v1/events/batch');
  assert.equal(call.method, 'POST');
  assert.equal(call.headers['Content-Type'], 'application/json');
  assert.equal(call.headers['X-Company-Key'], 'ck_test');
  const events = JSON.parse(call.body).events;
  assert.deepEqual(events.map(e => e.kind), ['cart', 'cart', 'checkout', 'cart', 'cart']);
  assert.deepEqual(events.map(e => e.productId), ['A', 'B', undefined, 'C', 'D']);
  // Stamped in call order, 1 ms apart within one instant, so folding by occurredAt keeps the order.
  assert.deepEqual(events.map(e => e.occurredAt), [0, 1, 2, 3, 4].map(ms => `2026-11-21T10:00:00.00${ms}Z`));
  for (const e of events) {
    assert.match(e.eventId, UUID);
    assert.match(e.userFingerprint, /^fp_[0-9a-f]{24}$/);
    assert.match(e.userFaqFingerprint, /^faq_[0-9a-f]{24}$/);
  }
  assert.deepEqual(events[2].lineItems, checkout().lineItems);
  assert.equal(page.errors.length, 0);
  assert.deepEqual(page.stored(), [], 'accepted events leave the stored queue');
  assert.ok(page.dispatched.includes('attribution:ready'));
});

test('a bad cart call logs one error naming every bad field and sends nothing', async () => {
  const page = createPage().load();
  const id = page.window.attribution.sendCartEvent({
    type: 'item_added', productId: '   ', value: 79.999, currency: 'usd', quantity: 1.5,
  });
  assert.equal(id, null);
  assert.deepEqual(badFields(page), ['currency', 'productId', 'productName', 'quantity', 'type']);
  const E = page.errors[0][1];
  assert.match(E.type[0], /exactly one of ITEM_ADDED, QUANTITY_INCREASED, QUANTITY_DECREASED, ITEM_REMOVED \(case-sensitive\)/);
  assert.match(page.errors[0][0], /type: .*; productId: productId must not be blank/);
  await page.advance(1000);
  assert.equal(page.fetches.length, 0);
  assert.deepEqual(page.stored(), []);
});

test('cart value and quantity: range, decimals per currency, whole numbers', () => {
  const cases = [
    [{ value: 79.99 }, []],
    [{ value: 0 }, []],
    [{ value: 1000000000 }, []],
    [{ value: 1000000000.01 }, ['value']],
    [{ value: -1 }, ['value']],
    [{ value: 79.999 }, ['value']],
    [{ value: 0.1 + 0.2 }, ['value']],
    [{ value: '79.99' }, ['value']],
    [{ value: NaN }, ['value']],
    [{ value: 1e-7 }, ['value']],
    [{ value: 1000, currency: 'JPY' }, []],
    [{ value: 1000.5, currency: 'JPY' }, ['value']],
    [{ value: 1.234, currency: 'KWD' }, []],
    [{ value: 1.2345, currency: 'KWD' }, ['value']],
    [{ currency: 'XYZ' }, ['currency']],
    [{ currency: 'constructor' }, ['currency']],
    [{ currency: 840 }, ['currency']],
    [{ quantity: 0 }, ['quantity']],
    [{ quantity: 1000000 }, []],
    [{ quantity: 1000001 }, ['quantity']],
    [{ quantity: 2.5 }, ['quantity']],
    [{ quantity: '1' }, ['quantity']],
    [{ productId: 'x'.repeat(256), productName: 'y'.repeat(512) }, []],
    [{ productId: 'x'.repeat(257), productName: 'y'.repeat(513) }, ['productId', 'productName']],
    [{ productId: '' }, ['productId']],
    [{ productName: 42 }, ['productName']],
    [{ type: 'ITEMS_ADD' }, ['type']],
    [{ type: undefined }, ['type']],
    [{ eventId: 'not-a-uuid' }, ['eventId']],
    [{ eventId: '5f0c3a5e-7a41-4b8e-9a8e-2f1d5c7b9e10' }, []],
    [{ occurredAt: '2026-11-21T09:00:00Z' }, []],
    [{ occurredAt: '2026-11-21T10:00:00+01:00' }, []],
    [{ occurredAt: '2026-11-21 09:00:00' }, ['occurredAt']],
    [{ occurredAt: '2026-11-21T10:06:00Z' }, ['occurredAt']],
    [{ occurredAt: '2026-10-21T09:00:00Z' }, ['occurredAt']],
  ];
  for (const [over, expected] of cases) {
    const page = createPage().load();
    const id = page.window.attribution.sendCartEvent(cart(over));
    const label = JSON.stringify(over, (k, v) => (Number.isNaN(v) ? 'NaN' : v));
    if (expected.length === 0) {
      assert.equal(page.errors.length, 0, label + ' ' + JSON.stringify(page.errors));
      assert.match(id, /^[0-9a-f-]{36}$/, label);
    } else {
      assert.deepEqual(badFields(page), expected, label);
      assert.equal(id, null, label);
    }
  }
});

test('quantity 0 is allowed when the script tag says data-quantity-mode="TOTAL"', () => {
  const page = createPage({ scriptAttrs: { 'data-quantity-mode': 'TOTAL' } }).load();
  assert.ok(page.window.attribution.sendCartEvent(cart({ type: 'ITEM_REMOVED', quantity: 0 })));
  assert.equal(page.errors.length, 0);
});

test('checkout: order fields, line items, the order currency', () => {
  const cases = [
    [{}, []],
    [{ orderId: undefined, lineItems: undefined }, []],
    [{ test: true }, []],
    [{ test: 'yes' }, ['test']],
    [{ orderId: '  ' }, ['orderId']],
    [{ orderId: '' }, ['orderId']],
    [{ orderId: 'o'.repeat(257) }, ['orderId']],
    [{ value: undefined }, ['value']],
    [{ currency: undefined }, ['currency']],
    [{ lineItems: {} }, ['lineItems']],
    [{ lineItems: new Array(1001).fill(checkout().lineItems[0]) }, ['lineItems']],
    [{ lineItems: new Array(1000).fill(checkout().lineItems[0]) }, []],
    [{ lineItems: [null, { productId: 'A', productName: 'a', quantity: 0, value: 1.001, currency: 'EUR' }] },
      ['lineItems[0]', 'lineItems[1].currency', 'lineItems[1].quantity', 'lineItems[1].value']],
    [{ lineItems: [{ productId: 'A' }] }, ['lineItems[0].currency', 'lineItems[0].productName', 'lineItems[0].quantity', 'lineItems[0].value']],
  ];
  for (const [over, expected] of cases) {
    const page = createPage().load();
    const id = page.window.attribution.sendCheckoutEvent(checkout(over));
    const label = JSON.stringify(over).slice(0, 200);
    if (expected.length === 0) assert.equal(page.errors.length, 0, label + ' ' + JSON.stringify(page.errors));
    else { assert.deepEqual(badFields(page), expected, label); assert.equal(id, null); }
  }
  const page = createPage().load();
  page.window.attribution.sendCheckoutEvent(checkout({ lineItems: [{ productId: 'A', productName: 'a', quantity: 1, value: 1, currency: 'EUR' }] }));
  assert.match(page.errors[0][1]['lineItems[0].currency'][0], /must be the order's currency \(USD\); got EUR/);
});

test('text fields: no control characters and no lone surrogates, as the gateway refuses them', () => {
  const cartCases = [
    [{ productName: 'Black\u0000Shoes' }, ['productName']],
    [{ productName: 'Black\tShoes' }, ['productName']],
    [{ productName: 'Black\nShoes' }, ['productName']],
    [{ productId: 'SKU\u007f' }, ['productId']],
    [{ productId: 'SKU\u0085' }, ['productId']],
    [{ productName: 'Shoes \ud800' }, ['productName']],
    [{ productName: '\udc00Shoes' }, ['productName']],
    [{ productName: 'Shoes \ud83d\ude00 f\u00fcr Fl\u00e4che\u2028' }, []],
  ];
  for (const [over, expected] of cartCases) {
    const page = createPage().load();
    const id = page.window.attribution.sendCartEvent(cart(over));
    const label = JSON.stringify(over);
    if (expected.length === 0) assert.equal(page.errors.length, 0, label + ' ' + JSON.stringify(page.errors));
    else { assert.deepEqual(badFields(page), expected, label); assert.equal(id, null, label); }
  }

  let page = createPage().load();
  page.window.attribution.sendCartEvent(cart({ productName: 'a\u0000b' }));
  assert.deepEqual(page.errors[0][1].productName, ['productName must not contain control characters (such as NUL, tab or newline).']);
  page = createPage().load();
  page.window.attribution.sendCartEvent(cart({ productName: 'a\ud800' }));
  assert.deepEqual(page.errors[0][1].productName, ['productName must be valid Unicode text (UTF-8, no lone surrogates).']);

  page = createPage().load();
  page.window.attribution.sendCheckoutEvent(checkout({ orderId: 'ORDER\u00007890', lineItems: [
    { productId: 'A', productName: 'ok', quantity: 1, value: 1, currency: 'USD' },
    { productId: 'B', productName: 'Socks\r\n', quantity: 1, value: 1, currency: 'USD' },
    { productId: 'C', productName: 'x\udfff', quantity: 1, value: 1, currency: 'USD' }] }));
  assert.deepEqual(badFields(page), ['lineItems[1].productName', 'lineItems[2].productName', 'orderId']);
  assert.deepEqual(page.errors[0][1]['lineItems[2].productName'], ['lineItems[2].productName must be valid Unicode text (UTF-8, no lone surrogates).']);
});

test('fingerprints: created once, persisted, or taken from the chat widget', () => {
  const storage = new MemoryStorage();
  const a = createPage({ storage }).load();
  const fa = a.window.attribution.fingerprints();
  assert.match(fa.userFingerprint, /^fp_[0-9a-f]{24}$/);
  assert.match(fa.userFaqFingerprint, /^faq_[0-9a-f]{24}$/);
  assert.equal(storage.getItem('attribution.fp'), fa.userFingerprint);
  assert.equal(storage.getItem('attribution.faqFp'), fa.userFaqFingerprint);
  const b = createPage({ storage }).load();
  assert.deepEqual(b.window.attribution.fingerprints(), fa, 'the same visitor on the next page');

  const c = createPage({ setup: w => { w.attributionFingerprints = { userFingerprint: 'widget_1', userFaqFingerprint: 'faq:2' }; } }).load();
  assert.deepEqual(c.window.attribution.fingerprints(), { userFingerprint: 'widget_1', userFaqFingerprint: 'faq:2' });
  assert.equal(c.local.getItem('attribution.fp'), null);

  const d = createPage({ setup: w => { w.attributionFingerprints = { userFingerprint: 'bad fingerprint!' }; } }).load();
  d.window.attribution.sendCartEvent(cart());
  assert.deepEqual(badFields(d), ['userFingerprint']);
});

test('loaded twice: the second copy is a no-op', async () => {
  const page = createPage().load();
  const api = page.window.attribution;
  page.load();
  assert.equal(page.window.attribution, api);
  api.sendCartEvent(cart());
  await page.advance(300);
  assert.equal(page.fetches.length, 1);
  assert.equal(page.sentEvents().length, 1);
});

test('configuration: data-endpoint, window.attributionConfig, missing key', async () => {
  const a = createPage({ scriptAttrs: { 'data-endpoint': 'https://events.example/' } }).load();
  a.window.attribution.sendCartEvent(cart());
  await a.advance(300);
  assert.equal(a.fetches[0].url, 'https://events.example/v1/events/batch');

  const b = createPage({ key: null, setup: w => { w.attributionConfig = { companyKey: 'ck_cfg', endpoint: 'https://cfg.example' }; } }).load();
  b.window.attribution.sendCartEvent(cart());
  await b.advance(300);
  assert.equal(b.fetches[0].url, 'https://cfg.example/v1/events/batch');
  assert.equal(b.fetches[0].headers['X-Company-Key'], 'ck_cfg');

  const c = createPage({ key: null }).load();
  assert.equal(c.errors.length, 1);
  assert.match(c.errors[0][0], /no company key/);
  assert.equal(c.window.attribution, undefined);
});

test('20 queued events go at once; more than 500 are split', async () => {
  const page = createPage().load();
  for (let i = 0; i < 19; i++) page.window.attribution.sendCartEvent(cart());
  await page.advance(0);
  assert.equal(page.fetches.length, 0);
  page.window.attribution.sendCartEvent(cart());
  await page.advance(0);
  assert.equal(page.fetches.length, 1);
  assert.equal(page.sentEvents().length, 20);

  const big = createPage().load();
  for (let i = 0; i < 600; i++) big.window.attribution.sendCartEvent(cart());
  await big.advance(1000);
  assert.deepEqual(big.fetches.map(f => JSON.parse(f.body).events.length), [500, 100]);
  assert.deepEqual(big.stored(), []);
});

test('per-event results: accepted dropped, rejected logged and dropped, unavailable retried', async () => {
  let round = 0;
  const page = createPage({
    fetch(call) {
      const events = JSON.parse(call.body).events;
      round++;
      if (round === 1) return {
        status: 202, headers: { 'Retry-After': '2' }, body: { results: [
          { index: 0, status: 'accepted', eventId: events[0].eventId },
          { index: 1, status: 'rejected', errors: { type: ['type must be exactly one of …'] } },
          { index: 2, status: 'unavailable', eventId: events[2].eventId }] },
      };
      return acceptAll(call);
    },
  }).load();
  const ids = [1, 2, 3].map(n => page.window.attribution.sendCartEvent(cart({ productId: 'P' + n })));
  await page.advance(300);
  assert.equal(page.fetches.length, 1);
  assert.equal(page.errors.length, 1);
  assert.match(page.errors[0][0], /rejected cart event .*type: type must be exactly one of/);
  assert.deepEqual(page.stored().map(e => e.eventId), [ids[2]]);
  await page.advance(1500);
  assert.equal(page.fetches.length, 1, 'waits for Retry-After');
  await page.advance(1000);
  assert.equal(page.fetches.length, 2);
  assert.deepEqual(JSON.parse(page.fetches[1].body).events.map(e => e.eventId), [ids[2]], 'the same eventId again');
  assert.deepEqual(page.stored(), []);
});

test('a 503 whose results reject one event and find the broker unavailable for the other', async () => {
  let round = 0;
  const page = createPage({
    fetch(call) {
      if (++round > 1) return acceptAll(call);
      const events = JSON.parse(call.body).events;
      return { status: 503, headers: { 'Retry-After': '5' }, body: { results: [
        { index: 0, status: 'rejected', errors: { value: ['value has more decimals than USD allows (2).'] } },
        { index: 1, status: 'unavailable', eventId: events[1].eventId }] } };
    },
  }).load();
  const ids = [page.window.attribution.sendCartEvent(cart()), page.window.attribution.sendCartEvent(cart())];
  await page.advance(300);
  assert.equal(page.errors.length, 1);
  assert.deepEqual(page.stored().map(e => e.eventId), [ids[1]]);
  await page.advance(4000);
  assert.equal(page.fetches.length, 1);
  await page.advance(1500);
  assert.equal(page.fetches.length, 2);
  assert.deepEqual(JSON.parse(page.fetches[1].body).events.map(e => e.eventId), [ids[1]]);
  assert.deepEqual(page.stored(), []);
});

test('503, 429 and network errors: keep everything, back off exponentially, honour Retry-After', async () => {
  const answers = [new Error('offline'), new Error('offline'), new Error('offline'), { status: 503, headers: { 'Retry-After': '10' }, body: '' }, { status: 429, body: '' }];
  const times = [];
  const page = createPage({
    fetch(call) { times.push(page.clock.now); const a = answers.shift(); return a || acceptAll(call); },
  }).load();
  const t0 = page.clock.now;
  page.window.attribution.sendCartEvent(cart());
  await page.advance(120000);
  assert.equal(times.length, 6);
  const gaps = times.slice(1).map((t, i) => t - times[i]);
  assert.ok(times[0] - t0 >= 250 && times[0] - t0 < 300);
  assert.ok(gaps[0] >= 500 && gaps[0] <= 1000, 'first retry ~1 s: ' + gaps);
  assert.ok(gaps[1] >= 1000 && gaps[1] <= 2000, 'then ~2 s: ' + gaps);
  assert.ok(gaps[2] >= 2000 && gaps[2] <= 4000, 'then ~4 s: ' + gaps);
  assert.ok(gaps[3] >= 10000 && gaps[3] <= 10250, 'Retry-After: 10 is honoured: ' + gaps);
  assert.ok(gaps[4] >= 8000 && gaps[4] <= 16000, 'no Retry-After: the backoff goes on: ' + gaps);
  assert.equal(page.sentEvents().length, 6);
  assert.equal(new Set(page.sentEvents().map(e => e.eventId)).size, 1);
  assert.deepEqual(page.stored(), []);
  assert.equal(page.errors.length, 0);
});

test('backoff is capped at 60 s', async () => {
  const times = [];
  const page = createPage({ fetch() { times.push(page.clock.now); return { status: 503, body: '' }; } }).load();
  page.window.attribution.sendCartEvent(cart());
  await page.advance(10 * 60 * 1000);
  const gaps = times.slice(1).map((t, i) => t - times[i]);
  assert.ok(Math.max(...gaps) <= 60000, String(gaps));
  assert.ok(gaps.slice(-3).every(g => g >= 30000), String(gaps));
  assert.equal(page.stored().length, 1, 'still kept');
});

test('a 400 for the whole batch drops it with an error', async () => {
  const page = createPage({ fetch: () => ({ status: 400, body: { title: 'Bad', errors: { events: ['events must hold 1–500 events.'] } } }) }).load();
  page.window.attribution.sendCartEvent(cart());
  await page.advance(5000);
  assert.equal(page.fetches.length, 1);
  assert.equal(page.errors.length, 1);
  assert.match(page.errors[0][0], /HTTP 400: events: events must hold/);
  assert.deepEqual(page.stored(), []);
});

test('unsent events survive the page and are sent by the next one', async () => {
  const storage = new MemoryStorage();
  const clock = new Clock(Date.parse('2026-11-21T10:00:00Z'));
  const down = createPage({ storage, clock, fetch: () => new Error('offline'), beacon: () => false }).load();
  const ids = [down.window.attribution.sendCartEvent(cart()), down.window.attribution.sendCheckoutEvent(checkout())];
  await down.advance(300);
  assert.deepEqual(down.stored().map(e => e.eventId), ids);
  down.pagehide();

  const next = createPage({ storage, clock }).load();
  await next.advance(300);
  assert.deepEqual(next.sentEvents().map(e => e.eventId), ids);
  assert.deepEqual(next.stored(), []);
});

test('the stored queue is bounded at 1000 events: the oldest go, with a warning', async () => {
  const page = createPage({ fetch: () => new Error('offline') }).load();
  const ids = [];
  for (let i = 0; i < 1005; i++) ids.push(page.window.attribution.sendCartEvent(cart()));
  await page.advance(0);
  assert.ok(page.warnings.some(w => /dropped the 1 oldest/.test(w[0])));
  assert.equal(page.stored().length, 1000);
  assert.deepEqual(page.stored().map(e => e.eventId), ids.slice(5));
});

test('hidden page: flushes with sendBeacon (companyKey in the query, text/plain) and forgets what it handed over', async () => {
  const page = createPage().load();
  page.window.attribution.sendCartEvent(cart());
  page.window.attribution.sendCheckoutEvent(checkout());
  page.hide();
  assert.equal(page.beacons.length, 1);
  assert.equal(page.beacons[0].url, 'https://gateway.example/v1/events/batch?companyKey=ck_test');
  assert.equal(page.beacons[0].blob.type, 'text/plain');
  const body = JSON.parse(await page.beacons[0].blob.text());
  assert.deepEqual(body.events.map(e => e.kind), ['cart', 'checkout']);
  assert.deepEqual(page.stored(), []);
  await page.advance(1000);
  assert.equal(page.fetches.length, 0, 'not sent twice');
});

test('hidden page while the server is failing: beacons but keeps the events for the next page', async () => {
  const page = createPage({ fetch: () => ({ status: 503, headers: { 'Retry-After': '30' }, body: '' }) }).load();
  const id = page.window.attribution.sendCartEvent(cart());
  await page.advance(300);
  page.hide();
  page.pagehide();
  assert.equal(page.beacons.length, 1, 'visibilitychange and pagehide: one beacon');
  assert.deepEqual(page.stored().map(e => e.eventId), [id]);
});

test('a refused beacon keeps the events', () => {
  const page = createPage({ beacon: () => false }).load();
  const id = page.window.attribution.sendCartEvent(cart());
  page.hide();
  assert.deepEqual(page.stored().map(e => e.eventId), [id]);
});

test('thank-you page refresh: the same orderId gets the same eventId and occurredAt', async () => {
  const storage = new MemoryStorage();
  const clock = new Clock(Date.parse('2026-11-21T10:00:00Z'));
  const first = createPage({ storage, clock }).load();
  const id1 = first.window.attribution.sendCheckoutEvent(checkout());
  await first.advance(60000);
  const refreshed = createPage({ storage, clock }).load();
  const id2 = refreshed.window.attribution.sendCheckoutEvent(checkout());
  await refreshed.advance(300);
  assert.equal(id2, id1);
  assert.equal(refreshed.sentEvents()[0].occurredAt, first.sentEvents()[0].occurredAt);
  const other = refreshed.window.attribution.sendCheckoutEvent(checkout({ orderId: 'ORDER-2' }));
  assert.notEqual(other, id1);
});

test('product cards: addToCart runs the store handler, then sends ITEM_ADDED; not when it fails', async () => {
  const page = createPage().load();
  const calls = [];
  assert.equal(page.window.attribution.registerAddToCartHandler(p => { calls.push(p); return Promise.resolve({ ok: true }); }), true);
  const product = { productId: 'SKU-1', productName: 'Trail Runner', value: 129.5, currency: 'USD' };
  assert.equal(await page.window.attribution.addToCart(product), true);
  assert.deepEqual(calls, [Object.assign({ quantity: 1 }, product)]);
  await page.advance(300);
  const sent = page.sentEvents();
  assert.equal(sent.length, 1);
  assert.equal(sent[0].type, 'ITEM_ADDED');
  assert.equal(sent[0].quantity, 1);
  assert.equal(sent[0].productId, 'SKU-1');

  page.window.attribution.registerAddToCartHandler(() => Promise.reject(new Error('out of stock')));
  assert.equal(await page.window.attribution.addToCart(product), false);
  page.window.attribution.registerAddToCartHandler(() => { throw new Error('sync failure'); });
  assert.equal(await page.window.attribution.addToCart(product), false);
  await page.advance(300);
  assert.equal(page.sentEvents().length, 1, 'no ITEM_ADDED for a failed add');
  assert.equal(page.errors.length, 2);

  const bare = createPage().load();
  assert.equal(await bare.window.attribution.addToCart(product), false);
  assert.match(bare.errors[0][0], /no add-to-cart handler/);
  assert.equal(bare.window.attribution.registerAddToCartHandler('nope'), false);
});

test('the handler can be registered through the queue before the SDK loads', async () => {
  const added = [];
  const page = createPage({
    setup(w) {
      w._alhenaEventQueue = [{ method: 'registerAddToCartHandler', args: p => { added.push(p.productId); return Promise.resolve(); } }];
    },
  }).load();
  assert.equal(await page.window.attribution.addToCart({ productId: 'X', productName: 'x', value: 1, currency: 'USD' }), true);
  assert.deepEqual(added, ['X']);
});

test('Shopify: writes the fingerprints to the cart attributes once, adds through /cart/add.js, opens the cart', async () => {
  const toggle = { clicked: 0, click() { this.clicked++; } };
  const shopifyCalls = [];
  const respond = call => {
    if (call.url.startsWith('/')) { shopifyCalls.push(call); return { status: 200, body: {} }; }
    return acceptAll(call);
  };
  const session = new MemoryStorage();
  const setup = w => { w.Shopify = { shop: 'x.myshopify.com', currency: { active: 'EUR' }, routes: { root: '/' } }; };
  const page = createPage({ session, setup, fetch: respond, elements: { '[data-cart-drawer-toggle]': toggle } }).load();
  await page.advance(0);
  assert.equal(shopifyCalls.length, 1);
  assert.equal(shopifyCalls[0].url, '/cart/update.js');
  const fp = page.window.attribution.fingerprints();
  assert.deepEqual(JSON.parse(shopifyCalls[0].body), {
    attributes: { _attribution_fingerprint: fp.userFingerprint, _attribution_faq_fingerprint: fp.userFaqFingerprint },
  });

  assert.equal(await page.window.attribution.addToCart({ productId: '111', variantId: 222, productName: 'Shoe', value: 80, quantity: 2 }), true);
  assert.equal(shopifyCalls[1].url, '/cart/add.js');
  assert.deepEqual(JSON.parse(shopifyCalls[1].body), { items: [{ id: 222, quantity: 2 }] });
  assert.equal(toggle.clicked, 1);
  assert.ok(page.dispatched.includes('cart:refresh'));
  await page.advance(300);
  const sent = page.sentEvents();
  assert.deepEqual([sent[0].type, sent[0].productId, sent[0].currency, sent[0].quantity], ['ITEM_ADDED', '111', 'EUR', 2]);

  const again = createPage({ session, storage: page.local, setup, fetch: respond }).load();
  await again.advance(0);
  assert.equal(shopifyCalls.filter(c => c.url === '/cart/update.js').length, 1, 'once per session');
  await again.window.attribution.addToCart({ productId: '111', productName: 'Shoe', value: 80 });
  assert.equal(again.location.href, '/cart', 'no drawer: goes to /cart');
});

test('legacy gleenWidget methods are added, other properties kept', async () => {
  const page = createPage({ setup: w => { w.gleenWidget = { open: 'kept' }; } }).load();
  assert.equal(page.window.gleenWidget.open, 'kept');
  page.window.gleenWidget.sendCartEvent(cart());
  page.window.gleenWidget.sendCheckoutEvent(checkout());
  await page.advance(300);
  assert.equal(page.sentEvents().length, 2);
});

test('never throws into the store: odd arguments and unknown methods are logged', () => {
  const page = createPage().load();
  const nasty = {};
  Object.defineProperty(nasty, 'type', { get() { throw new Error('boom'); } });
  const a = page.window.attribution;
  assert.doesNotThrow(() => {
    a.sendCartEvent();
    a.sendCartEvent(null);
    a.sendCheckoutEvent('order');
    a.sendCartEvent(nasty);
    page.window.trackAlhenaEvent('sendCartEvnt', cart());
    page.window.trackAlhenaEvent();
    page.window._alhenaEventQueue.push(42);
  });
  assert.equal(page.errors.length, 7);
  assert.ok(page.errors.every(e => /^\[attribution\] /.test(e[0])));
});

// ---- diagnostics: client-side rejections counted to /v1/events/sdk-diagnostics (contract §8) ----

const diagnosticsCalls = page => page.fetches.filter(f => f.url.endsWith('/v1/events/sdk-diagnostics'));

test('refused calls are counted by field and reason and sent once, a few seconds later, with the public key', async () => {
  const page = createPage().load();
  const a = page.window.attribution;
  a.sendCartEvent({ type: 'item_added', productId: 'p', productName: 'P', value: 1, currency: 'usd', quantity: 1 });
  a.sendCartEvent({ type: 'ITEM_ADDED', productId: 'p', productName: 'P', value: 1.001, currency: 'USD', quantity: 1 });
  a.sendCheckoutEvent({ value: 5, currency: 'USD', lineItems: [{ productId: 'p', productName: 'P', quantity: 1, value: 5, currency: 'EUR' },
    { productId: 'q', productName: 'Q', quantity: 1, value: 5, currency: 'EUR' }] });
  a.sendCartEvent('not an object');
  await page.advance(1000);
  assert.equal(diagnosticsCalls(page).length, 0, 'a burst is gathered first');
  await page.advance(5000);
  const calls = diagnosticsCalls(page);
  assert.equal(calls.length, 1);
  assert.equal(calls[0].url, 'https://gateway.example/v1/events/sdk-diagnostics');
  assert.equal(calls[0].method, 'POST');
  assert.equal(calls[0].headers['X-Company-Key'], 'ck_test');
  assert.deepEqual(JSON.parse(calls[0].body), {
    rejections: {
      'type: unknown_cart_type': 1,
      'currency: bad_currency': 1,
      'value: bad_decimals': 1,
      'lineItems[].currency: line_item_currency_mismatch': 2,
      'body: invalid_field': 1,
    },
  });
  assert.equal(page.sentEvents().length, 0, 'nothing refused was sent as an event');
});

test('at most one report a minute; the counts in between wait and add up', async () => {
  const page = createPage().load();
  const a = page.window.attribution;
  a.sendCartEvent({ type: 'x', productId: 'p', productName: 'P', value: 1, currency: 'USD', quantity: 1 });
  await page.advance(6000);
  assert.equal(diagnosticsCalls(page).length, 1);
  a.sendCartEvent({ type: 'y', productId: 'p', productName: 'P', value: 1, currency: 'USD', quantity: 1 });
  a.sendCartEvent({ productId: 'p', productName: 'P', value: 1, currency: 'USD', quantity: 1 });
  await page.advance(30000);
  assert.equal(diagnosticsCalls(page).length, 1, 'not within the minute');
  await page.advance(30000);
  const calls = diagnosticsCalls(page);
  assert.equal(calls.length, 2);
  assert.ok(page.fetches.indexOf(calls[1]) >= 0);
  assert.deepEqual(JSON.parse(calls[1].body).rejections, { 'type: unknown_cart_type': 1, 'type: missing_field': 1 });
});

test('a failed report is kept and sent again; a refused one is dropped', async () => {
  const answers = [{ status: 503, body: '' }, { status: 202, body: '{}' }];
  const page = createPage({ fetch: call => call.url.endsWith('sdk-diagnostics') ? answers.shift() : acceptAll(call) }).load();
  page.window.attribution.sendCartEvent({ type: 'x', productId: 'p', productName: 'P', value: 1, currency: 'USD', quantity: 1 });
  await page.advance(6000);
  await page.advance(61000);
  const calls = diagnosticsCalls(page);
  assert.equal(calls.length, 2);
  assert.equal(calls[0].body, calls[1].body, 'the same counts, once more');
  assert.deepEqual(JSON.parse(page.local.getItem('attribution.diagnostics')).counts, {});

  const refused = createPage({ fetch: call => call.url.endsWith('sdk-diagnostics') ? { status: 400, body: '{}' } : acceptAll(call) }).load();
  refused.window.attribution.sendCartEvent({ type: 'x', productId: 'p', productName: 'P', value: 1, currency: 'USD', quantity: 1 });
  await refused.advance(200000);
  assert.equal(diagnosticsCalls(refused).length, 1);
});

test('counts survive the page; a hidden page beacons them once the minute is up', async () => {
  const storage = new MemoryStorage();
  const first = createPage({ storage }).load();
  first.window.attribution.sendCartEvent({ type: 'x', productId: 'p', productName: 'P', value: 1, currency: 'USD', quantity: 1 });
  first.pagehide(); // at once: counts were never sent, so the minute is up
  const beacon = first.beacons.find(b => b.url.includes('/v1/events/sdk-diagnostics'));
  assert.ok(beacon, 'beaconed');
  assert.equal(beacon.url, 'https://gateway.example/v1/events/sdk-diagnostics?companyKey=ck_test');
  assert.equal(beacon.blob.type, 'text/plain');
  assert.deepEqual(JSON.parse(await beacon.blob.text()).rejections, { 'type: unknown_cart_type': 1 });

  first.window.attribution.sendCartEvent({ type: 'y', productId: 'p', productName: 'P', value: 1, currency: 'USD', quantity: 1 });
  first.pagehide();
  assert.equal(first.beacons.filter(b => b.url.includes('sdk-diagnostics')).length, 1, 'within the minute: kept for later');

  const next = createPage({ storage, clock: new Clock(first.clock.now + 61000) }).load();
  await next.advance(6000);
  assert.deepEqual(JSON.parse(diagnosticsCalls(next)[0].body).rejections, { 'type: unknown_cart_type': 1 }, 'the next page sends what waited');
});
