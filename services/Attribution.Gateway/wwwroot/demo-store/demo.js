// Stride, a demo running-shoe store for the Attribution SDK. A plain static site: the cart and the
// orders live in this browser's localStorage. Loaded in <head> right after the seed's queue snippet.
(function () {
  'use strict';

  var CURRENCY = 'USD';
  // Prices in cents: money is added up in whole cents and only divided for display and events.
  var PRODUCTS = [
    { id: 'SKU-1001', name: 'Cloud Runner', cents: 12999, color: '#4f7cff', blurb: 'Soft, neutral cushioning for easy miles.' },
    { id: 'SKU-1002', name: 'Stability Pro', cents: 13999, color: '#1aa37a', blurb: 'Firm arch support for flat feet and overpronation.' },
    { id: 'SKU-1003', name: 'Trail Blazer', cents: 11999, color: '#b8641a', blurb: 'Grippy lugs and a rock plate for the trails.' },
    { id: 'SKU-1004', name: 'Tempo Racer', cents: 15999, color: '#d63a5a', blurb: 'Light and fast, with a carbon plate for race day.' },
    { id: 'SKU-1005', name: 'Everyday Trainer', cents: 8999, color: '#7a58c9', blurb: 'A durable daily trainer at a friendly price.' },
    { id: 'SKU-1006', name: 'Running Socks (2-pack)', cents: 1499, color: '#6b7280', blurb: 'Seamless, blister-free, moisture-wicking.' }
  ];
  var BY_ID = {};
  PRODUCTS.forEach(function (p) { BY_ID[p.id] = p; });

  // ---- company key (the demo company is created at run time) and the optional demo API secret ----
  var params = new URLSearchParams(location.search);
  var companyKey = params.get('companyKey');
  if (companyKey) localStorage.setItem('demo.companyKey', companyKey);
  else companyKey = localStorage.getItem('demo.companyKey');
  // DEMO ONLY: a real page never holds the API secret. Kept for this tab only.
  var apiSecret = params.get('apiSecret');
  if (apiSecret) sessionStorage.setItem('demo.apiSecret', apiSecret);
  else apiSecret = sessionStorage.getItem('demo.apiSecret');

  if (companyKey) {
    // The same as <script src="/sdk/v1/attribution.js" data-company-key="…" async></script>,
    // written here because the key comes from the address.
    var sdk = document.createElement('script');
    sdk.src = '/sdk/v1/attribution.js';
    sdk.async = true;
    sdk.setAttribute('data-company-key', companyKey);
    document.head.appendChild(sdk);
  }

  // ---- cart ---------------------------------------------------------------------------------------
  function readCart() {
    try { var c = JSON.parse(localStorage.getItem('demo.cart')); return Array.isArray(c) ? c : []; } catch (e) { return []; }
  }
  function writeCart(cart) { localStorage.setItem('demo.cart', JSON.stringify(cart)); renderCount(); }
  function money(cents) { return (cents / 100).toLocaleString('en-US', { style: 'currency', currency: CURRENCY }); }
  function amount(cents) { return cents / 100; } // 12999 → 129.99 exactly as the JSON number 129.99

  function cartEvent(type, product, quantity) {
    window.trackAlhenaEvent('sendCartEvent', {
      type: type, productId: product.id, productName: product.name,
      value: amount(product.cents), currency: CURRENCY, quantity: quantity
    });
    toast(type + ' · ' + product.name + (quantity > 1 ? ' × ' + quantity : ''));
  }

  /** Adds to the local cart; tracks it unless the SDK does (product cards in the assistant). */
  function addToCart(productId, quantity, track) {
    var product = BY_ID[productId], cart = readCart(), line = null;
    if (!product) return;
    cart.forEach(function (l) { if (l.productId === productId) line = l; });
    if (line) line.quantity += quantity; else cart.push({ productId: productId, quantity: quantity });
    writeCart(cart);
    if (track) cartEvent(line ? 'QUANTITY_INCREASED' : 'ITEM_ADDED', product, quantity); // quantity is the change
  }

  function changeQuantity(productId, delta) {
    var product = BY_ID[productId], cart = readCart();
    cart.forEach(function (l) {
      if (l.productId !== productId) return;
      if (delta > 0) { l.quantity += delta; cartEvent('QUANTITY_INCREASED', product, delta); }
      else if (l.quantity + delta > 0) { l.quantity += delta; cartEvent('QUANTITY_DECREASED', product, -delta); }
      else { cartEvent('ITEM_REMOVED', product, l.quantity); l.quantity = 0; }
    });
    writeCart(cart.filter(function (l) { return l.quantity > 0; }));
  }

  function cartLines() {
    return readCart().filter(function (l) { return BY_ID[l.productId]; }).map(function (l) {
      var p = BY_ID[l.productId];
      return { product: p, quantity: l.quantity, cents: p.cents * l.quantity };
    });
  }

  // ---- page helpers -------------------------------------------------------------------------------
  function $(sel) { return document.querySelector(sel); }
  function el(tag, attrs, children) {
    var e = document.createElement(tag);
    Object.keys(attrs || {}).forEach(function (k) {
      if (k === 'text') e.textContent = attrs[k];
      else if (k === 'onclick') e.addEventListener('click', attrs[k]);
      else e.setAttribute(k, attrs[k]);
    });
    (children || []).forEach(function (c) { if (c) e.appendChild(c); });
    return e;
  }
  function swatch(p) {
    var s = el('div', { class: 'swatch', 'aria-hidden': 'true', text: p.name.charAt(0) });
    s.style.background = p.color;
    return s;
  }
  function renderCount() {
    var n = readCart().reduce(function (s, l) { return s + l.quantity; }, 0);
    var c = $('#cart-count');
    if (c) c.textContent = String(n);
  }
  var toastTimer = null;
  function toast(text) {
    var t = $('#toast');
    if (!t) return;
    t.textContent = companyKey ? 'Tracked: ' + text : text + ' (not tracked: no company key)';
    t.hidden = false;
    clearTimeout(toastTimer);
    toastTimer = setTimeout(function () { t.hidden = true; }, 2500);
  }
  function whenSdk(fn) {
    if (window.attribution) fn(window.attribution);
    else window.addEventListener('attribution:ready', function () { fn(window.attribution); });
  }

  function renderSetup() {
    var note = $('#setup-note');
    if (!note) return;
    if (!companyKey) {
      note.className = 'note warn';
      note.appendChild(el('strong', { text: 'No company key: nothing is tracked. ' }));
      note.appendChild(document.createTextNode('Create a company (POST /v1/admin/companies) and open this page as '));
      note.appendChild(el('code', { text: '/demo-store/?companyKey=<companyKey>' }));
      note.appendChild(document.createTextNode('. The key is remembered in this browser.'));
    } else {
      note.className = 'note';
      note.appendChild(document.createTextNode('Tracking for company '));
      note.appendChild(el('code', { id: 'company-key', text: companyKey }));
      note.appendChild(document.createTextNode(' · '));
      note.appendChild(el('a', { href: '#', id: 'forget-key', text: 'use another key', onclick: function (e) {
        e.preventDefault();
        localStorage.removeItem('demo.companyKey');
        sessionStorage.removeItem('demo.apiSecret');
        location.href = location.pathname;
      } }));
    }
    note.hidden = false;
  }

  // ---- index: products and the assistant ------------------------------------------------------------
  function renderProducts() {
    var list = $('#products');
    PRODUCTS.forEach(function (p) {
      list.appendChild(el('li', { class: 'product', 'data-product-id': p.id }, [
        swatch(p),
        el('h3', { text: p.name }),
        el('p', { class: 'muted', text: p.blurb }),
        el('div', { class: 'row' }, [
          el('span', { class: 'price', text: money(p.cents) }),
          el('button', { type: 'button', class: 'add-to-cart', 'data-product-id': p.id, text: 'Add to cart',
            onclick: function () { addToCart(p.id, 1, true); } })
        ])
      ]));
    });
  }

  function recommend(question) {
    var q = question.toLowerCase();
    if (/flat|arch|stabil|pronat/.test(q)) return ['SKU-1002', 'SKU-1005', 'SKU-1006'];
    if (/trail|mud|hik|mountain/.test(q)) return ['SKU-1003', 'SKU-1006'];
    if (/race|fast|marathon|speed|tempo/.test(q)) return ['SKU-1004', 'SKU-1001'];
    if (/cheap|budget|price|daily|everyday/.test(q)) return ['SKU-1005', 'SKU-1001'];
    return ['SKU-1001', 'SKU-1002', 'SKU-1006'];
  }

  function randomId() {
    var b = new Uint8Array(8);
    crypto.getRandomValues(b);
    return Array.prototype.map.call(b, function (x) { return (x < 16 ? '0' : '') + x.toString(16); }).join('');
  }
  function conversationId() {
    var id = sessionStorage.getItem('demo.conversationId');
    if (!id) { id = 'demo-' + randomId(); sessionStorage.setItem('demo.conversationId', id); }
    return id;
  }

  // DEMO ONLY. In a real store the assistant's backend reports interactions with the API secret,
  // server to server. Here the secret came in the address so the whole loop can be seen.
  function reportInteractions(question, answer) {
    var status = $('#assistant-status');
    whenSdk(function (sdkApi) {
      var fp = sdkApi.fingerprints().userFingerprint, conv = conversationId();
      function post(body) {
        body.userFingerprint = fp;
        body.channel = 'CHAT';
        body.conversationId = conv;
        return fetch('/v1/events/interactions', {
          method: 'POST',
          headers: { 'Content-Type': 'application/json', Authorization: 'Bearer ' + apiSecret },
          body: JSON.stringify(body)
        }).then(function (r) { if (r.status !== 202) throw new Error('HTTP ' + r.status); });
      }
      post({ kind: 'SHOPPER_MESSAGE', text: question })
        .then(function () { return post({ kind: 'ASSISTANT_ANSWER', text: answer, helpful: true }); })
        .then(function () { status.textContent = 'Reported SHOPPER_MESSAGE and a helpful ASSISTANT_ANSWER for ' + fp + ' in ' + conv + ' (demo only).'; },
          function (e) { status.textContent = 'Could not report the interactions: ' + e.message; });
    });
  }

  function ask() {
    var input = $('#assistant-question'), log = $('#assistant-log');
    var question = input.value.trim() || input.placeholder;
    input.value = '';
    log.appendChild(el('li', { class: 'msg shopper', text: question }));
    var ids = recommend(question);
    var answer = 'Here are ' + ids.length + ' picks for you: ' + ids.map(function (id) { return BY_ID[id].name; }).join(', ') + '.';
    log.appendChild(el('li', { class: 'msg assistant' }, [
      el('p', { text: answer }),
      el('ul', { class: 'cards' }, ids.map(function (id) {
        var p = BY_ID[id];
        return el('li', { class: 'card', 'data-product-id': id }, [
          swatch(p),
          el('div', {}, [el('strong', { text: p.name }), el('div', { class: 'muted', text: money(p.cents) })]),
          el('button', { type: 'button', class: 'card-add-to-cart', 'data-product-id': id, text: 'Add to cart', onclick: function () {
            var product = { productId: p.id, productName: p.name, value: amount(p.cents), currency: CURRENCY, quantity: 1 };
            // What a widget's product card does: the SDK calls the store's handler, then sends ITEM_ADDED.
            if (window.attribution) window.attribution.addToCart(product).then(function (ok) { if (ok) toast('ITEM_ADDED · ' + p.name + ' (from the assistant)'); });
            else addToCart(p.id, 1, false);
          } })
        ]);
      }))
    ]));
    log.scrollTop = log.scrollHeight;
    if (apiSecret && companyKey) reportInteractions(question, answer);
  }

  function renderAssistant() {
    $('#assistant-ask').addEventListener('click', ask);
    $('#assistant-question').addEventListener('keydown', function (e) { if (e.key === 'Enter') ask(); });
    $('#interactions-note').hidden = !!apiSecret;
    $('#interactions-demo').hidden = !apiSecret;
    // The store's add-to-cart handler for product cards: add to our cart, resolve when done.
    // It sends no cart event itself: attribution.addToCart sends ITEM_ADDED once this resolves.
    whenSdk(function (sdkApi) {
      sdkApi.registerAddToCartHandler(function (product) {
        return new Promise(function (resolve) { addToCart(product.productId, product.quantity, false); resolve(); });
      });
    });
  }

  // ---- cart ---------------------------------------------------------------------------------------
  function renderCart() {
    var body = $('#cart-lines'), lines = cartLines(), total = 0;
    body.textContent = '';
    lines.forEach(function (l) {
      total += l.cents;
      body.appendChild(el('tr', { 'data-product-id': l.product.id }, [
        el('td', { text: l.product.name }),
        el('td', { class: 'qty' }, [
          el('button', { type: 'button', class: 'qty-decrease', 'aria-label': 'One less', text: '−', onclick: function () { changeQuantity(l.product.id, -1); renderCart(); } }),
          el('span', { class: 'qty-value', text: String(l.quantity) }),
          el('button', { type: 'button', class: 'qty-increase', 'aria-label': 'One more', text: '+', onclick: function () { changeQuantity(l.product.id, 1); renderCart(); } })
        ]),
        el('td', { class: 'num', text: money(l.cents) }),
        el('td', {}, [el('button', { type: 'button', class: 'link remove', text: 'Remove', onclick: function () { changeQuantity(l.product.id, -l.quantity); renderCart(); } })])
      ]));
    });
    $('#cart-total').textContent = money(total);
    $('#cart-empty').hidden = lines.length > 0;
    $('#cart-table').hidden = lines.length === 0;
    $('#checkout').hidden = lines.length === 0;
  }

  // ---- checkout -----------------------------------------------------------------------------------
  function renderCheckout() {
    var lines = cartLines(), total = lines.reduce(function (s, l) { return s + l.cents; }, 0), list = $('#summary');
    lines.forEach(function (l) { list.appendChild(el('li', { text: l.quantity + ' × ' + l.product.name + ' — ' + money(l.cents) })); });
    $('#summary-total').textContent = money(total);
    $('#place-order').disabled = lines.length === 0;
    $('#checkout-form').addEventListener('submit', function (e) {
      e.preventDefault();
      if (!lines.length) return;
      // The payment "succeeds": only the confirmation page reports the order (seed mistake #4).
      var orderId = 'DEMO-' + Date.now().toString(36).toUpperCase() + '-' + randomId().slice(0, 4).toUpperCase();
      var orders = readOrders();
      orders[orderId] = {
        orderId: orderId, totalCents: total, currency: CURRENCY,
        lines: lines.map(function (l) { return { productId: l.product.id, productName: l.product.name, quantity: l.quantity, unitCents: l.product.cents }; })
      };
      localStorage.setItem('demo.orders', JSON.stringify(orders));
      writeCart([]);
      location.href = '/demo-store/thank-you.html?order=' + encodeURIComponent(orderId);
    });
  }
  function readOrders() {
    try { var o = JSON.parse(localStorage.getItem('demo.orders')); return o && typeof o === 'object' ? o : {}; } catch (e) { return {}; }
  }

  // ---- thank you ------------------------------------------------------------------------------------
  function renderThankYou() {
    var orderId = params.get('order'), order = orderId && readOrders()[orderId];
    if (!order) { $('#order-missing').hidden = false; return; }
    $('#order-found').hidden = false;
    $('#thank-you-order-id').textContent = order.orderId;
    $('#thank-you-total').textContent = money(order.totalCents);
    // From the confirmation page, once per completed order; a refresh resends the same eventId
    // (the SDK remembers it per orderId) and the server counts the orderId once anyway.
    window.trackAlhenaEvent('sendCheckoutEvent', {
      orderId: order.orderId,
      value: amount(order.totalCents),
      currency: order.currency,
      lineItems: order.lines.map(function (l) {
        return { productId: l.productId, productName: l.productName, quantity: l.quantity, value: amount(l.unitCents), currency: order.currency };
      })
    });
    toast('checkout · ' + order.orderId + ' · ' + money(order.totalCents));
  }

  document.addEventListener('DOMContentLoaded', function () {
    renderSetup();
    renderCount();
    var page = document.body.getAttribute('data-page');
    if (page === 'index') { renderProducts(); renderAssistant(); }
    else if (page === 'cart') renderCart();
    else if (page === 'checkout') renderCheckout();
    else if (page === 'thank-you') renderThankYou();
  });
})();
