// Revenue Impact dashboard (contract §6). Plain ES module, no build step: the gateway serves this
// file as is. Every read goes to the same origin under /v1 with the company's API secret.
// Chart.js is optional at run time: if vendor/chart.umd.js did not load, the daily figures are
// shown as a table instead.

const STORAGE_KEY = 'attribution.apiSecret';
// A viewer token reads the §6 figures only: its sign-in learns currency, today and rule version from the summary.
const VIEWER_PREFIX = 'vt_';
const NOT_ACCEPTED = 'That API secret was not accepted.';
const EMPTY = '—';

// ---------------------------------------------------------------------------------------------
// Small DOM helpers (API text is only ever inserted as text, never as HTML).

const $ = (selector, root = document) => root.querySelector(selector);

function h(tag, props, ...children) {
  const el = document.createElement(tag);
  for (const [key, value] of Object.entries(props ?? {})) {
    if (value == null || value === false) continue;
    if (key === 'class') el.className = value;
    else if (key === 'text') el.textContent = value;
    else el.setAttribute(key, value === true ? '' : String(value));
  }
  for (const child of children.flat()) {
    if (child == null || child === false) continue;
    el.append(child instanceof Node ? child : String(child));
  }
  return el;
}

function show(el, visible) {
  el.hidden = !visible;
}

// ---------------------------------------------------------------------------------------------
// Formatting

const formatterCache = new Map();
function formatter(key, make) {
  let f = formatterCache.get(key);
  if (!f) {
    f = make();
    formatterCache.set(key, f);
  }
  return f;
}

function isNumber(v) {
  return typeof v === 'number' && Number.isFinite(v);
}

function money(value, currency) {
  if (!isNumber(value)) return EMPTY;
  const code = typeof currency === 'string' ? currency.toUpperCase() : '';
  try {
    return formatter(`money:${code}`, () =>
      new Intl.NumberFormat(undefined, { style: 'currency', currency: code })).format(value);
  } catch {
    // Unknown or missing currency code: still show the number.
    return `${formatter('plain2', () =>
      new Intl.NumberFormat(undefined, { minimumFractionDigits: 2, maximumFractionDigits: 2 })).format(value)}${code ? ` ${code}` : ''}`;
  }
}

function compactMoney(value, currency) {
  try {
    return formatter(`cmoney:${currency}`, () => new Intl.NumberFormat(undefined, {
      style: 'currency', currency, notation: 'compact', maximumFractionDigits: 1,
    })).format(value);
  } catch {
    return formatter('compact', () => new Intl.NumberFormat(undefined, { notation: 'compact' })).format(value);
  }
}

function integer(value) {
  if (!isNumber(value)) return EMPTY;
  return formatter('int', () => new Intl.NumberFormat(undefined, { maximumFractionDigits: 0 })).format(value);
}

function quantity(value) {
  if (!isNumber(value)) return EMPTY;
  return formatter('qty', () => new Intl.NumberFormat(undefined, { maximumFractionDigits: 3 })).format(value);
}

function percent(value) {
  if (!isNumber(value)) return EMPTY;
  return formatter('pct', () => new Intl.NumberFormat(undefined, {
    style: 'percent', minimumFractionDigits: 1, maximumFractionDigits: 1,
  })).format(value);
}

/** A calendar date "YYYY-MM-DD" (no time zone of its own), e.g. "Mon, 23 Nov 2026". */
function calendarDate(iso, options = { weekday: 'short', day: 'numeric', month: 'short', year: 'numeric' }) {
  const d = parseIsoDate(iso);
  if (!d) return String(iso ?? EMPTY);
  return formatter(`date:${JSON.stringify(options)}`, () =>
    new Intl.DateTimeFormat(undefined, { ...options, timeZone: 'UTC' })).format(d);
}

/** An instant (RFC 3339), shown in the company's time zone when the browser knows it. */
function instant(value) {
  const d = new Date(value);
  if (!value || Number.isNaN(d.getTime())) return String(value ?? EMPTY);
  const tz = state.company?.timeZone;
  try {
    return formatter(`instant:${tz}`, () => new Intl.DateTimeFormat(undefined, {
      dateStyle: 'medium', timeStyle: 'medium', timeZone: tz || undefined,
    })).format(d);
  } catch {
    return formatter('instant:local', () =>
      new Intl.DateTimeFormat(undefined, { dateStyle: 'medium', timeStyle: 'medium' })).format(d);
  }
}

function parseIsoDate(iso) {
  const m = /^(\d{4})-(\d{2})-(\d{2})$/.exec(String(iso ?? ''));
  if (!m) return null;
  const d = new Date(Date.UTC(Number(m[1]), Number(m[2]) - 1, Number(m[3])));
  return Number.isNaN(d.getTime()) ? null : d;
}

function addDays(iso, days) {
  const d = parseIsoDate(iso);
  if (!d) return '';
  d.setUTCDate(d.getUTCDate() + days);
  return d.toISOString().slice(0, 10);
}

/** Days from `from` to `to`, both included. */
function dayCount(from, to) {
  const a = parseIsoDate(from);
  const b = parseIsoDate(to);
  return a && b ? Math.round((b - a) / 86400000) + 1 : 0;
}

function localToday() {
  const now = new Date();
  const pad = (n) => String(n).padStart(2, '0');
  return `${now.getFullYear()}-${pad(now.getMonth() + 1)}-${pad(now.getDate())}`;
}

/** Sets a figure's text and its raw JSON number (data-value, empty when null). */
function setFigure(el, value, text) {
  el.dataset.value = isNumber(value) ? String(value) : '';
  el.textContent = text;
}

// ---------------------------------------------------------------------------------------------
// API

class ApiError extends Error {
  constructor(status, message, problem) {
    super(message);
    this.name = 'ApiError';
    this.status = status;
    this.problem = problem;
  }
}

const state = {
  secret: null,
  company: null,
  generation: 0,
  controller: null,
  chart: null,
  trend: null,
  ruleVersions: new Set(),
  urlNotice: null, // why the URL's currency was not used, shown on the next refresh
};

function defaultMessage(status) {
  switch (status) {
    case 400: return 'The request was not valid.';
    case 401: return NOT_ACCEPTED;
    case 403: return 'This API secret may not read these figures.';
    case 404: return 'Not found.';
    case 429: return 'Too many requests. Wait a moment and try again.';
    default:
      return status >= 500
        ? `The server had a problem (HTTP ${status}). Try again in a moment.`
        : `The request failed (HTTP ${status}).`;
  }
}

async function api(path, { signal, secret = state.secret } = {}) {
  let response;
  try {
    response = await fetch(path, {
      headers: { Authorization: `Bearer ${secret}`, Accept: 'application/json' },
      cache: 'no-store',
      credentials: 'omit',
      signal,
    });
  } catch (error) {
    if (error?.name === 'AbortError') throw error;
    throw new ApiError(0, 'Could not reach the Attribution API. Check the connection and try again.', null);
  }

  if (response.ok) {
    try {
      return await response.json();
    } catch (error) {
      if (error?.name === 'AbortError') throw error;
      throw new ApiError(response.status, 'The API answered with something that is not JSON.', null);
    }
  }

  let problem = null;
  const type = response.headers.get('Content-Type') ?? '';
  if (type.includes('json')) {
    try {
      problem = await response.json();
    } catch (error) {
      if (error?.name === 'AbortError') throw error;
    }
  }
  const title = typeof problem?.title === 'string' && problem.title ? problem.title : defaultMessage(response.status);
  throw new ApiError(response.status, title, problem);
}

/** An error as DOM: the problem's title, its detail and each field error (problem+json). */
function errorView(error, prefix) {
  const box = h('div', { class: 'error-box', role: 'alert' });
  const message = error instanceof ApiError ? error.message : 'Something went wrong while showing this panel.';
  box.append(h('p', { class: 'error-title' }, prefix ? `${prefix} ${message}` : message));
  if (error instanceof ApiError && error.problem) {
    const { detail, errors } = error.problem;
    if (typeof detail === 'string' && detail && detail !== message) box.append(h('p', null, detail));
    if (errors && typeof errors === 'object') {
      const items = [];
      for (const [field, messages] of Object.entries(errors)) {
        for (const m of Array.isArray(messages) ? messages : [messages]) {
          items.push(h('li', null, field ? h('code', null, field) : null, field ? ': ' : null, String(m)));
        }
      }
      if (items.length) box.append(h('ul', null, items));
    }
  }
  if (!(error instanceof ApiError)) console.error(error);
  return box;
}

function rangeQuery({ withCurrency = true, range = state.range } = {}) {
  const params = new URLSearchParams({ from: range.from, to: range.to });
  if (withCurrency && state.range.currency) params.set('currency', state.range.currency);
  return `?${params}`;
}

function noteRuleVersion(v) {
  if (typeof v === 'string' && v) state.ruleVersions.add(v);
}

/** The rule in words, its version code kept in the tooltip. */
function ruleView(version) {
  return h('span', { class: 'rule-words', title: `Rule version: ${version}`, 'data-rule-version': version }, ruleInWords(version));
}

function renderRuleVersions() {
  const versions = [...state.ruleVersions];
  if (!versions.length && state.company?.ruleVersion) versions.push(state.company.ruleVersion);
  const el = $('#rule-version');
  if (!versions.length) {
    el.textContent = EMPTY;
    return;
  }
  // Several versions only when a setting changed without a replay: each is named.
  el.replaceChildren(...versions.flatMap((v, i) => [i ? '; ' : null, ruleView(v)]), '.');
}

// ---------------------------------------------------------------------------------------------
// Sign-in / sign-out

async function viewerCompany(secret) {
  const s = await api('/v1/revenue/summary', { secret });
  return {
    name: 'Read-only view', reportingCurrency: s.currency, today: s.to, ruleVersion: s.ruleVersion,
    availableCurrencies: s.availableCurrencies, viewer: true,
  };
}

/**
 * The company's settings. The currency list comes from the first view's summary; only a link that
 * names a currency reads it here too, so that currency is checked for a rate before any panel reads in it.
 */
async function secretCompany(secret) {
  const asked = new URLSearchParams(window.location.search).get('currency');
  const [company, summary] = await Promise.all([
    api('/v1/company', { secret }),
    asked ? api('/v1/revenue/summary', { secret }) : null,
  ]);
  return { ...company, availableCurrencies: summary?.availableCurrencies };
}

const els = {};

function readStoredSecret() {
  try {
    return sessionStorage.getItem(STORAGE_KEY);
  } catch {
    return null;
  }
}

function storeSecret(secret) {
  try {
    sessionStorage.setItem(STORAGE_KEY, secret);
  } catch {
    // Storage unavailable (private mode); the session lasts until reload.
  }
}

function clearStoredSecret() {
  try {
    sessionStorage.removeItem(STORAGE_KEY);
  } catch {
    // ignore
  }
}

function setSigninBusy(busy, message = '') {
  els.signinSubmit.disabled = busy;
  els.secret.disabled = busy;
  els.signinSubmit.textContent = busy ? 'Signing in…' : 'Sign in';
  els.signinStatus.textContent = message;
}

function showSigninError(message) {
  els.signinError.textContent = message;
  show(els.signinError, Boolean(message));
}

async function signIn(secret, { fromStorage = false } = {}) {
  showSigninError('');
  setSigninBusy(true, fromStorage ? 'Checking the saved API secret…' : '');
  try {
    const company = secret.startsWith(VIEWER_PREFIX) ? await viewerCompany(secret) : await secretCompany(secret);
    state.secret = secret;
    storeSecret(secret);
    enterDashboard(company);
  } catch (error) {
    if (error instanceof ApiError && (error.status === 401 || error.status === 403)) {
      clearStoredSecret();
      showSigninError(NOT_ACCEPTED);
    } else {
      const message = error instanceof ApiError ? error.message : 'Something went wrong while signing in.';
      showSigninError(fromStorage ? `Could not check the saved API secret. ${message}` : message);
      if (!(error instanceof ApiError)) console.error(error);
    }
    setSigninBusy(false);
    els.secret.focus();
  } finally {
    setSigninBusy(false);
  }
}

function signOut(message = '') {
  state.generation += 1;
  state.controller?.abort();
  state.controller = null;
  state.secret = null;
  state.company = null;
  clearStoredSecret();
  resetDashboard();
  show(els.dashboard, false);
  show(els.signin, true);
  els.secret.value = '';
  showSigninError(message);
  setSigninBusy(false);
  els.secret.focus();
}

function enterDashboard(company) {
  state.company = company ?? {};
  const c = state.company;
  $('#company-name').textContent = c.name || c.companyKey || 'Your company';
  const meta = [];
  if (c.reportingCurrency) meta.push(`Reporting currency ${c.reportingCurrency}`);
  if (c.timeZone) meta.push(`Time zone ${c.timeZone}`);
  if (isNumber(c.attributionWindowHours) && !c.ruleVersion) meta.push(`Window ${c.attributionWindowHours} h`);
  const rule = c.ruleVersion ? [meta.length ? ' · ' : '', ruleView(c.ruleVersion)] : [];
  $('#company-meta').replaceChildren(meta.join(' · '), ...rule);
  document.title = `${c.name ? `${c.name} · ` : ''}Revenue Impact · Attribution`;

  showRangeError('');
  fillCurrencyOptions(c.availableCurrencies ?? [c.reportingCurrency], '');
  applyUrl();

  show(els.signin, false);
  show(els.dashboard, true);
  els.secret.value = '';
  renderRuleVersions();
  refresh({ history: 'replace' });
}

function currencyName(code) {
  try {
    return formatter('currency-names', () => new Intl.DisplayNames(undefined, { type: 'currency' })).of(code);
  } catch {
    return null;
  }
}

/**
 * Only currencies amounts can be converted to: the reporting currency (value "") and those with a
 * rate. A currency in use stays listed even if its rate has gone, so the switch never changes by itself.
 */
function fillCurrencyOptions(codes, selected = els.currency.value) {
  const reporting = state.company?.reportingCurrency;
  const others = [...new Set([...codes, selected].filter((c) => c && c !== reporting))].sort();
  const label = (code) => {
    const name = currencyName(code);
    return name && name !== code ? `${code} · ${name}` : code;
  };
  els.currency.replaceChildren(
    h('option', { value: '' }, reporting ? `${reporting} (reporting)` : 'Reporting currency'),
    ...others.map((code) => h('option', { value: code }, label(code))));
  els.currency.value = others.includes(selected) ? selected : '';
}

// ---------------------------------------------------------------------------------------------
// The range and currency live in the URL (?from&to&currency), so a reload or a shared link opens
// the same view; presets are shortcuts that fill both dates.

const FIRST_DATE = '2000-01-01';
const LAST_DATE = '2100-12-31';

function validRange(from, to) {
  return parseIsoDate(from) && parseIsoDate(to) && from >= FIRST_DATE && to <= LAST_DATE && from <= to
    && to < addYears(from, 3);
}

function addYears(iso, years) {
  const d = parseIsoDate(iso);
  if (!d) return '';
  d.setUTCFullYear(d.getUTCFullYear() + years);
  return d.toISOString().slice(0, 10);
}

function presetRange(preset, today = companyToday()) {
  if (preset === 'month') return { from: `${today.slice(0, 8)}01`, to: today };
  const days = Number(preset);
  return { from: addDays(today, 1 - days), to: today };
}

// One preset at most shows pressed: on the 7th "7 days" and "This month" are the same range, and
// the first in the row (the shorter, day-count one) names it.
function markPreset() {
  let pressed = false;
  for (const button of document.querySelectorAll('#range-form .preset')) {
    const r = presetRange(button.dataset.preset);
    const matches = !pressed && r.from === els.from.value && r.to === els.to.value;
    button.setAttribute('aria-pressed', String(matches));
    pressed ||= matches;
  }
}

/** Fills the controls from the URL; whatever is missing or invalid falls back to the last 7 days in the reporting currency. */
function applyUrl() {
  const params = new URLSearchParams(window.location.search);
  const from = params.get('from') ?? '';
  const to = params.get('to') ?? '';
  const range = validRange(from, to) ? { from, to } : presetRange('7');
  els.from.value = range.from;
  els.to.value = range.to;
  const asked = (params.get('currency') ?? '').toUpperCase();
  const options = [...els.currency.options].map((o) => o.value);
  if (!asked || asked === state.company?.reportingCurrency) els.currency.value = '';
  else if (options.includes(asked)) els.currency.value = asked;
  else {
    els.currency.value = '';
    state.urlNotice = (`The link asked for ${asked}, which has no exchange rate here; the figures are in ${state.company?.reportingCurrency ?? 'the reporting currency'}.`);
  }
  markPreset();
}

function writeUrl(range, mode) {
  if (mode === 'none') return;
  const params = new URLSearchParams(window.location.search);
  params.set('from', range.from);
  params.set('to', range.to);
  if (range.currency) params.set('currency', range.currency);
  else params.delete('currency');
  const url = `${window.location.pathname}?${params}${window.location.hash}`;
  if (url === `${window.location.pathname}${window.location.search}${window.location.hash}`) return;
  if (mode === 'replace') window.history.replaceState(null, '', url);
  else window.history.pushState(null, '', url);
}

// ---------------------------------------------------------------------------------------------
// Range controls

function showRangeError(message) {
  els.rangeError.textContent = message;
  show(els.rangeError, Boolean(message));
}

function readRange() {
  const from = els.from.value;
  const to = els.to.value;
  const currency = els.currency.value;
  if (!parseIsoDate(from) || !parseIsoDate(to)) return { error: 'Choose both a start and an end date.' };
  if (from > to) return { error: 'The start date must not be after the end date.' };
  if (from < FIRST_DATE || to > LAST_DATE) return { error: `Choose dates between ${calendarDate(FIRST_DATE)} and ${calendarDate(LAST_DATE)}.` };
  if (to >= addYears(from, 3)) return { error: 'A range covers at most 3 years.' };
  return { from, to, currency };
}

// ---------------------------------------------------------------------------------------------
// Panels

function panelStatus(panel) {
  return $('[data-status]', panel);
}

function setPanelLoading(panel) {
  panel.setAttribute('aria-busy', 'true');
  panel.classList.add('is-loading');
  panel.classList.remove('has-error');
  const status = panelStatus(panel);
  status.replaceChildren(h('span', { class: 'loading' }, h('span', { class: 'spinner', 'aria-hidden': 'true' }), 'Loading…'));
}

function setPanelDone(panel, error) {
  panel.removeAttribute('aria-busy');
  panel.classList.remove('is-loading');
  const status = panelStatus(panel);
  if (error) {
    panel.classList.add('has-error');
    status.replaceChildren(errorView(error, 'Could not load this panel.'));
  } else {
    status.replaceChildren();
  }
}

/** Runs one panel's read; hands a 401 and aborts back to refresh(), shows any other error in the panel. */
async function loadPanel(panel, path, render, clear, isCurrent, signal) {
  setPanelLoading(panel);
  try {
    const data = typeof path === 'function' ? await path(signal) : await api(path, { signal });
    if (!isCurrent()) return;
    render(data);
    setPanelDone(panel, null);
  } catch (error) {
    if (error?.name === 'AbortError' || !isCurrent()) return;
    if (error instanceof ApiError && error.status === 401) throw error;
    try {
      clear();
    } catch (clearError) {
      console.error(clearError);
    }
    setPanelDone(panel, error);
  }
}

// Summary ---------------------------------------------------------------------------------------

/** The range of equal length just before `range`, or null when it would start before the first date. */
function previousRange(range) {
  const days = dayCount(range.from, range.to);
  const from = addDays(range.from, -days);
  return from >= FIRST_DATE ? { from, to: addDays(range.from, -1), days } : null;
}

/** The summary of the range and of the previous range of equal length, read in parallel. */
async function readSummaries(signal) {
  const range = state.range;
  const previous = previousRange(range);
  const [current, before] = await Promise.all([
    api(`/v1/revenue/summary${rangeQuery({ range })}`, { signal }),
    previous
      ? api(`/v1/revenue/summary${rangeQuery({ range: { ...previous, currency: range.currency } })}`, { signal }).catch((error) => {
        // The headline still shows without the comparison; a lost sign-in or an abort is handled by the caller.
        if (error?.name === 'AbortError' || (error instanceof ApiError && error.status === 401)) throw error;
        return { error };
      })
      : null,
  ]);
  return { current, previous: before, previousRange: previous };
}

const CHANGE_TILES = [
  ['tile-checkout-revenue-change', 'checkoutRevenue', 'money'],
  ['tile-attributed-orders-change', 'attributedOrders', 'count'],
  ['tile-aov-change', 'averageOrderValue', 'average'],
  ['tile-total-cart-gmv-change', 'totalCartGmv', 'money'],
  ['tile-attributed-share-change', 'attributedShare', 'share'],
];

function signedPercentChange(value) {
  const digits = Math.abs(value) < 0.1 ? 1 : 0;
  return formatter(`change:${digits}`, () => new Intl.NumberFormat(undefined, {
    style: 'percent', signDisplay: 'exceptZero', maximumFractionDigits: digits,
  })).format(value);
}

function signedPoints(value) {
  return `${formatter('points', () => new Intl.NumberFormat(undefined, {
    signDisplay: 'exceptZero', minimumFractionDigits: 1, maximumFractionDigits: 1,
  })).format(value * 100)} pts`;
}

/** One tile's change against the previous period, in words that stay honest when that period had nothing. */
function renderChange(el, key, kind, data) {
  const { current, previous, previousRange: range } = data;
  const cur = current?.currency || state.range.currency || state.company?.reportingCurrency;
  const show = (value) => (kind === 'count' ? integer(value) : kind === 'share' ? percent(value) : money(value, cur));
  const set = (text, change = null, trend = 'flat') => {
    el.textContent = text;
    el.dataset.change = isNumber(change) ? String(Number(change.toFixed(6))) : '';
    el.className = `tile-change is-${trend}`;
  };
  if (!range) {
    set('No earlier period to compare');
    el.removeAttribute('title');
    return;
  }
  const span = `previous ${integer(range.days)} ${range.days === 1 ? 'day' : 'days'}`;
  if (!previous || previous.error) {
    set(`The ${span} could not be loaded`);
    el.removeAttribute('title');
    return;
  }
  const a = current?.[key];
  const b = previous[key];
  el.title = `${span[0].toUpperCase()}${span.slice(1)} (${calendarDate(range.from)} – ${calendarDate(range.to)}): ${isNumber(b) ? show(b) : EMPTY}`;
  if (kind === 'average' && !isNumber(b)) return set(`No orders in the ${span} to compare`);
  if (kind === 'average' && !isNumber(a)) return set(`No orders now; ${show(b)} in the ${span}`);
  if (kind === 'share') {
    if (!isNumber(b)) return set(`No checkout revenue in the ${span} to compare`);
    if (!isNumber(a)) return set(`No checkout revenue now; ${percent(b)} in the ${span}`);
    const diff = a - b;
    return set(diff === 0 ? `No change vs ${span}` : `${signedPoints(diff)} vs ${span}`, diff, diff > 0 ? 'up' : diff < 0 ? 'down' : 'flat');
  }
  if (!isNumber(a) || !isNumber(b)) return set(EMPTY);
  if (b === 0) return a === 0 ? set(`None in the ${span} either`, 0) : set(`New: none in the ${span}`, null, 'up');
  const change = (a - b) / Math.abs(b);
  return set(change === 0 ? `No change vs ${span}` : `${signedPercentChange(change)} vs ${span}`, change,
    change > 0 ? 'up' : change < 0 ? 'down' : 'flat');
}

function clearSummary() {
  for (const id of ['tile-checkout-revenue', 'tile-attributed-orders', 'tile-aov', 'tile-total-cart-gmv',
    'tile-attributed-share', 'fig-net-cart-value', 'fig-total-checkout-revenue', 'fig-refunded',
    'fig-fingerprint-coverage']) {
    setFigure(document.getElementById(id), null, EMPTY);
  }
  for (const [id] of CHANGE_TILES) {
    const el = document.getElementById(id);
    el.textContent = '';
    el.dataset.change = '';
    el.className = 'tile-change';
    el.removeAttribute('title');
  }
  $('#summary-range').textContent = '';
  const note = $('#summary-unconverted');
  note.replaceChildren();
  show(note, false);
}

function renderSummary(data) {
  const s = data.current;
  for (const [id, key, kind] of CHANGE_TILES) renderChange(document.getElementById(id), key, kind, data);
  const cur = s.currency || state.range.currency || state.company?.reportingCurrency;
  setFigure($('#tile-checkout-revenue'), s.checkoutRevenue, money(s.checkoutRevenue, cur));
  setFigure($('#tile-attributed-orders'), s.attributedOrders, integer(s.attributedOrders));
  setFigure($('#tile-aov'), s.averageOrderValue, money(s.averageOrderValue, cur));
  setFigure($('#tile-total-cart-gmv'), s.totalCartGmv, money(s.totalCartGmv, cur));
  setFigure($('#tile-attributed-share'), s.attributedShare, percent(s.attributedShare));
  setFigure($('#fig-net-cart-value'), s.netCartValue, money(s.netCartValue, cur));
  setFigure($('#fig-total-checkout-revenue'), s.totalCheckoutRevenue, money(s.totalCheckoutRevenue, cur));
  setFigure($('#fig-refunded'), s.refunded, money(s.refunded, cur));
  setFigure($('#fig-fingerprint-coverage'), s.fingerprintCoverage, percent(s.fingerprintCoverage));

  const from = s.from || state.range.from;
  const to = s.to || state.range.to;
  const tz = state.company?.timeZone ? ` (${state.company.timeZone})` : '';
  $('#summary-range').textContent = `${calendarDate(from)} – ${calendarDate(to)}${tz} · in ${cur ?? EMPTY}`;

  const note = $('#summary-unconverted');
  const unconverted = Array.isArray(s.unconverted) ? s.unconverted : [];
  if (unconverted.length) {
    const items = unconverted.map((u) => {
      const parts = [
        ['checkout revenue', u.checkoutRevenue],
        ['total cart GMV', u.totalCartGmv],
        ['net cart value', u.netCartValue],
        ['total checkout revenue', u.totalCheckoutRevenue],
        ['refunded', u.refunded],
      ].filter(([, v]) => isNumber(v)).map(([label, v]) => `${label} ${money(v, u.currency)}`);
      return h('li', null, h('strong', null, `No rate for ${u.currency}`), parts.length ? `: ${parts.join(' · ')}` : '');
    });
    note.replaceChildren(
      h('p', null, h('strong', null, 'Not converted'), ` — these amounts have no exchange rate to ${cur} and are not included in the figures above:`),
      h('ul', null, items),
    );
    show(note, true);
  } else {
    note.replaceChildren();
    show(note, false);
  }
  noteRuleVersion(s.ruleVersion);
  if (Array.isArray(s.availableCurrencies)) fillCurrencyOptions(s.availableCurrencies, state.range.currency);
}

// Daily cart GMV ---------------------------------------------------------------------------------

/** An unconverted amount of one figure: the per-row reads send { currency, amount }. */
function unconvertedAmount(u) {
  return isNumber(u?.amount) ? u.amount : u?.cartGmv;
}

/** "+ 60.00 GBP not converted" lines under a converted amount, one per currency without a rate. */
function unconvertedLines(row) {
  return (Array.isArray(row?.unconverted) ? row.unconverted : [])
    .filter((u) => isNumber(unconvertedAmount(u)) && unconvertedAmount(u) !== 0)
    .map((u) => h('span', { class: 'sub' }, `+ ${money(unconvertedAmount(u), u.currency)} not converted`));
}

// Empty and sparse ranges: say where the data is rather than draw a blank axis -------------------

/** A day of the daily reads with anything in it: a figure, or an amount without a rate. */
function dayHasData(r) {
  return ['attributedRevenue', 'totalCheckoutRevenue', 'orders', 'attributedOrders', 'cartGmv'].some((k) => isNumber(r?.[k]) && r[k] !== 0)
    || (Array.isArray(r?.unconverted) && r.unconverted.length > 0);
}

/**
 * The first row a chart draws: the first day with data, but never later than the range's last
 * week, so a long range over a short history is not a row of bars packed against the right edge.
 */
function chartStart(rows, hasData) {
  const first = rows.findIndex(hasData);
  return first <= 0 ? 0 : Math.max(0, Math.min(first, rows.length - 7));
}

let extentMemo = null;

/** The first and last days with data in the 3 years up to today (the longest range a read allows), once per refresh. */
function dataExtent(signal) {
  const generation = state.generation;
  if (extentMemo?.generation === generation) return extentMemo.promise;
  const to = companyToday();
  const from = [addDays(addYears(to, -3), 1), FIRST_DATE].sort()[1];
  const promise = api(`/v1/revenue/daily?${new URLSearchParams({ from, to })}`, { signal }).then((rows) => {
    const days = (Array.isArray(rows) ? rows : []).filter(dayHasData).map((r) => r.date);
    return { first: days[0] ?? null, last: days[days.length - 1] ?? null };
  }, (error) => {
    if (error?.name === 'AbortError' || (error instanceof ApiError && error.status === 401)) throw error;
    return { error };
  });
  extentMemo = { generation, promise };
  return promise;
}

/** A daily read, with where the data is when the range holds none of what the panel draws. */
async function readDays(path, hasData, signal) {
  const rows = await api(path, { signal });
  const list = Array.isArray(rows) ? rows : [];
  return { rows: list, extent: list.some(hasData) ? null : await dataExtent(signal) };
}

/** The note over an empty chart: nothing in the range, and where the data starts (with a way there). */
function emptyRangeNote(note, what, extent) {
  const { from, to } = state.range;
  const parts = [`No ${what} between ${calendarDate(from)} and ${calendarDate(to)}.`];
  let jump = null;
  note.dataset.first = extent?.first ?? '';
  note.dataset.last = extent?.last ?? '';
  if (extent && !extent.error) {
    if (!extent.first) parts.push(' Nothing has been recorded in the last 3 years: figures appear once the storefront sends carts and checkouts.');
    else if (extent.first > to || extent.last < from) {
      parts.push(` Your data starts on ${calendarDate(extent.first)}`, extent.last !== extent.first ? ` and runs to ${calendarDate(extent.last)}.` : '.');
      jump = h('button', { type: 'button', class: 'button small-button', 'data-jump': 'data' }, `Show ${calendarDate(extent.first, { day: 'numeric', month: 'short' })} – ${calendarDate(extent.last, { day: 'numeric', month: 'short', year: 'numeric' })}`);
      jump.addEventListener('click', () => {
        els.from.value = extent.first;
        els.to.value = extent.last;
        refresh();
      });
    } else parts.push(` Your data runs from ${calendarDate(extent.first)} to ${calendarDate(extent.last)}.`);
  }
  note.replaceChildren(...parts, jump ? ' ' : null, jump);
  show(note, true);
}

/** The note over a chart that starts later than the range: the days before had nothing. */
function trimmedRangeNote(note, rows, start) {
  if (start <= 0) {
    note.replaceChildren();
    note.dataset.first = '';
    show(note, false);
    return;
  }
  note.dataset.first = rows[start].date;
  note.replaceChildren(`Nothing recorded from ${calendarDate(rows[0].date)} to ${calendarDate(rows[start - 1].date)}, so the chart starts on ${calendarDate(rows[start].date)}.`);
  show(note, true);
}

function chartAvailable() {
  return typeof window.Chart === 'function';
}

function destroyChart() {
  if (state.chart) {
    try {
      state.chart.destroy();
    } catch (error) {
      console.error(error);
    }
    state.chart = null;
  }
}

function clearDaily() {
  destroyChart();
  show($('#daily-range-note'), false);
  $('#cart-gmv-table tbody').replaceChildren();
  $('#daily-currency').textContent = '';
  const note = $('#daily-unconverted');
  note.replaceChildren();
  show(note, false);
}

const hasCartGmv = (r) => (isNumber(r?.cartGmv) && r.cartGmv !== 0) || (Array.isArray(r?.unconverted) && r.unconverted.length > 0);

function renderDaily({ rows: list, extent }) {
  const cur = list.find((r) => r.currency)?.currency || state.range.currency || state.company?.reportingCurrency;
  $('#daily-currency').textContent = cur ? `in ${cur}` : '';

  // Table (always; the fallback and an accessible view of the chart)
  const tbody = $('#cart-gmv-table tbody');
  if (list.length) {
    tbody.replaceChildren(...list.map((r) => {
      const extra = (Array.isArray(r.unconverted) ? r.unconverted : []).filter((u) => isNumber(unconvertedAmount(u)))
        .map((u) => `+ ${money(unconvertedAmount(u), u.currency)} not converted`);
      return h('tr', null,
        h('th', { scope: 'row', class: 'nowrap' }, calendarDate(r.date)),
        h('td', { class: 'num', 'data-value': isNumber(r.cartGmv) ? String(r.cartGmv) : '' },
          money(r.cartGmv, r.currency || cur),
          extra.map((text) => h('span', { class: 'sub' }, text))));
    }));
  } else {
    tbody.replaceChildren(h('tr', null, h('td', { colspan: 2, class: 'empty' }, 'No days in this range.')));
  }

  // Unconverted amounts per day
  const note = $('#daily-unconverted');
  const withUnconverted = list.filter((r) => Array.isArray(r.unconverted) && r.unconverted.length);
  if (withUnconverted.length) {
    note.replaceChildren(
      h('p', null, h('strong', null, 'Not converted'), ` — cart GMV with no exchange rate to ${cur}, not included in the bars:`),
      h('ul', null, withUnconverted.map((r) => h('li', null,
        `${calendarDate(r.date)}: `,
        r.unconverted.map((u) => `${money(unconvertedAmount(u), u.currency)} (no rate for ${u.currency})`).join(', ')))),
    );
    show(note, true);
  } else {
    note.replaceChildren();
    show(note, false);
  }

  for (const r of list) noteRuleVersion(r.ruleVersion);

  // Chart: none for an empty range (a note says where the data is), and from the first day with data.
  const box = $('#cart-gmv-chart-box');
  const rangeNote = $('#daily-range-note');
  destroyChart();
  if (extent) {
    emptyRangeNote(rangeNote, 'cart value credited to the assistant', extent);
    show(box, false);
    show($('#cart-gmv-chart-fallback-note'), false);
    return;
  }
  const start = chartStart(list, hasCartGmv);
  trimmedRangeNote(rangeNote, list, start);
  if (!chartAvailable()) {
    show(box, false);
    show($('#cart-gmv-chart-fallback-note'), true);
    $('#cart-gmv-details').open = true;
    return;
  }
  show(box, true);
  show($('#cart-gmv-chart-fallback-note'), false);
  try {
    state.chart = makeChart($('#cart-gmv-chart'), list.slice(start), cur);
  } catch (error) {
    console.error(error);
    show(box, false);
    show($('#cart-gmv-chart-fallback-note'), true);
    $('#cart-gmv-details').open = true;
  }
}

function makeChart(canvas, rows, currency) {
  const reduceMotion = window.matchMedia?.('(prefers-reduced-motion: reduce)').matches;
  const styles = getComputedStyle(document.documentElement);
  const accent = styles.getPropertyValue('--chart-bar').trim() || '#3d5afe';
  const grid = styles.getPropertyValue('--chart-grid').trim() || '#e5e8ef';
  const text = styles.getPropertyValue('--muted').trim() || '#5b6475';
  const Chart = window.Chart;
  Chart.defaults.font.family = styles.getPropertyValue('--font').trim() || undefined;
  Chart.defaults.color = text;

  return new Chart(canvas, {
    type: 'bar',
    data: {
      labels: rows.map((r) => calendarDate(r.date, { day: 'numeric', month: 'short' })),
      datasets: [{
        label: `Cart GMV${currency ? ` (${currency})` : ''}`,
        data: rows.map((r) => (isNumber(r.cartGmv) ? r.cartGmv : 0)),
        backgroundColor: accent,
        hoverBackgroundColor: accent,
        borderRadius: 4,
        maxBarThickness: 48,
      }],
    },
    options: {
      responsive: true,
      maintainAspectRatio: false,
      animation: reduceMotion ? false : { duration: 250 },
      interaction: { mode: 'index', intersect: false },
      plugins: {
        legend: { display: false },
        tooltip: {
          callbacks: {
            title: (items) => calendarDate(rows[items[0].dataIndex]?.date),
            label: (ctx) => ` Cart GMV ${money(ctx.parsed.y, rows[ctx.dataIndex]?.currency || currency)}`,
            footer: (items) => (rows[items[0].dataIndex]?.unconverted ?? [])
              .map((u) => `+ ${money(unconvertedAmount(u), u.currency)} not converted`),
          },
        },
      },
      scales: {
        x: { grid: { display: false }, ticks: { autoSkip: true, maxRotation: 0 } },
        y: {
          beginAtZero: true,
          grid: { color: grid },
          border: { display: false },
          ticks: { callback: (v) => compactMoney(Number(v), currency) },
        },
      },
    },
  });
}

// Sortable tables: a button in each sortable header, aria-sort on the sorted one -----------------

/** The sorted column's key and direction, from the table's headers (null: the API's own order). */
function tableSort(table) {
  const th = table.querySelector('th[data-sort][aria-sort]');
  return th ? { key: th.dataset.sort, direction: th.getAttribute('aria-sort'), type: th.dataset.sortType } : null;
}

function setTableSort(table, key, direction) {
  for (const th of table.querySelectorAll('th[data-sort]')) {
    if (th.dataset.sort === key) th.setAttribute('aria-sort', direction);
    else th.removeAttribute('aria-sort');
  }
}

/** A stable sort; missing figures go last whichever the direction. */
function sortRows(rows, sort) {
  if (!sort) return rows;
  const factor = sort.direction === 'ascending' ? 1 : -1;
  const missing = (v) => v == null || v === '' || (sort.type === 'number' && !isNumber(v));
  return [...rows].sort((x, y) => {
    const a = x[sort.key];
    const b = y[sort.key];
    if (missing(a) || missing(b)) return missing(a) === missing(b) ? 0 : missing(a) ? 1 : -1;
    return factor * (sort.type === 'number' ? a - b
      : String(a).localeCompare(String(b), undefined, { numeric: true, sensitivity: 'base' }));
  });
}

/** Header buttons sort the table: a first press sorts figures high to low and words A to Z, the next reverses. */
function wireSortable(table, onSort) {
  table.querySelector('thead').addEventListener('click', (event) => {
    const button = event.target instanceof Element ? event.target.closest('button.sort-button') : null;
    const th = button?.closest('th[data-sort]');
    if (!th) return;
    const now = th.getAttribute('aria-sort');
    const direction = now === 'descending' ? 'ascending' : now === 'ascending' ? 'descending'
      : th.dataset.sortType === 'text' ? 'ascending' : 'descending';
    onSort(th.dataset.sort, direction);
  });
}

const tableData = { products: [], variants: [] };

// Products ---------------------------------------------------------------------------------------

function clearProducts() {
  tableData.products = [];
  $('#products-table tbody').replaceChildren();
}

function renderProducts(rows) {
  const list = Array.isArray(rows) ? rows : [];
  tableData.products = list;
  const tbody = $('#products-table tbody');
  if (!list.length) {
    tbody.replaceChildren(h('tr', { class: 'empty-row' }, h('td', { colspan: 4, class: 'empty' }, 'No attributed orders in this range.')));
    return;
  }
  tbody.replaceChildren(...sortRows(list, tableSort($('#products-table'))).map((p) => h('tr', { 'data-product-id': p.productId ?? '' },
    h('td', null, p.productName || h('span', { class: 'muted' }, '(unnamed)')),
    h('td', null, h('code', null, p.productId ?? EMPTY)),
    h('td', { class: 'num', 'data-value': isNumber(p.quantity) ? String(p.quantity) : '' }, quantity(p.quantity)),
    h('td', { class: 'num', 'data-value': isNumber(p.revenue) ? String(p.revenue) : '' }, money(p.revenue, p.currency), unconvertedLines(p)),
  )));
  for (const p of list) noteRuleVersion(p.ruleVersion);
}

// Variants ---------------------------------------------------------------------------------------

function clearVariants() {
  tableData.variants = [];
  $('#variants-table tbody').replaceChildren();
}

function renderVariants(rows) {
  const list = Array.isArray(rows) ? rows : [];
  tableData.variants = list;
  const tbody = $('#variants-table tbody');
  if (!list.length) {
    tbody.replaceChildren(h('tr', { class: 'empty-row' }, h('td', { colspan: 7, class: 'empty' }, 'No conversations in this range.')));
    return;
  }
  // Arms first; conversations without a variant are listed apart and are never an arm, nor a winner.
  const arms = sortRows(list.filter((v) => v.variant != null && v.variant !== ''), tableSort($('#variants-table')));
  const apart = list.filter((v) => v.variant == null || v.variant === '');
  const signedPercent = (v) => `${v > 0 ? '+' : ''}${percent(v)}`;
  const verdict = (v) => {
    if (!isNumber(v.conversionRateDelta)) return h('span', { class: 'muted' }, v.comparedWith ? 'Not enough data yet' : 'Baseline');
    const interval = Array.isArray(v.conversionRateDeltaInterval) && v.conversionRateDeltaInterval.length === 2
      ? ` (${signedPercent(v.conversionRateDeltaInterval[0])} to ${signedPercent(v.conversionRateDeltaInterval[1])})` : '';
    const words = v.significant
      ? h('span', { class: `badge${v.conversionRateDelta > 0 ? '' : ' badge-warn'}` }, v.conversionRateDelta > 0 ? 'Better' : 'Worse')
      : h('span', { class: 'muted' }, 'not significant yet');
    return [`${signedPercent(v.conversionRateDelta)} vs ${v.comparedWith}${interval} `, words];
  };
  const cell = (value, ...text) => h('td', { class: 'num', 'data-value': isNumber(value) ? String(value) : '' }, ...text);
  const row = (v, isArm) => h('tr', { class: isArm ? null : 'is-apart', 'data-variant': v.variant ?? '' },
    h('th', { scope: 'row' }, isArm ? String(v.variant) : h('span', { class: 'muted' }, '(no variant)')),
    cell(v.conversations, integer(v.conversations)),
    cell(v.attributedOrders, integer(v.attributedOrders)),
    cell(v.conversionRate, percent(v.conversionRate)),
    h('td', { 'data-significant': String(Boolean(v.significant)) }, isArm ? verdict(v) : h('span', { class: 'muted' }, 'Not in the test')),
    cell(v.checkoutRevenue, money(v.checkoutRevenue, v.currency), ...unconvertedLines(v)),
    cell(v.revenuePerConversation, money(v.revenuePerConversation, v.currency)),
  );
  tbody.replaceChildren(...arms.map((v) => row(v, true)), ...apart.map((v) => row(v, false)));
  for (const v of list) noteRuleVersion(v.ruleVersion);
}

// Data quality -----------------------------------------------------------------------------------

function clearDataQuality() {
  $('#data-quality-list').replaceChildren();
  $('#data-quality-total').textContent = '';
}

const KIND_WORDS = { cart: 'Cart event', checkout: 'Checkout', interaction: 'Assistant interaction', refund: 'Refund', batch: 'Batch', sdk: 'Browser SDK' };

/** A reason in words: the API's label, or its code made readable when the API has no label for it. */
function reasonInWords(r) {
  const code = String(r.reason ?? '');
  if (r.label && r.label !== code && !/^[a-z0-9]+(_[a-z0-9]+)+$/.test(r.label)) return r.label;
  if (!code) return 'Other';
  const sdk = code.startsWith('sdk_');
  const words = (sdk ? code.slice(4) : code).replace(/_/g, ' ');
  const sentence = `${words.charAt(0).toUpperCase()}${words.slice(1)}`;
  return sdk ? `Refused in the browser by the SDK: ${words}` : sentence;
}

function renderDataQuality(dq) {
  const reasons = Array.isArray(dq?.reasons) ? dq.reasons : [];
  const total = isNumber(dq?.total) ? dq.total : reasons.reduce((sum, r) => sum + (isNumber(r.count) ? r.count : 0), 0);
  $('#data-quality-total').textContent = total === 0
    ? 'Nothing rejected or suspicious in this range.'
    : `${integer(total)} ${total === 1 ? 'problem' : 'problems'} in this range`;

  const list = $('#data-quality-list');
  if (!reasons.length) {
    list.replaceChildren(h('li', { class: 'dq-item is-zero' }, h('span', { class: 'dq-label' }, 'No problems recorded.')));
    return;
  }
  list.replaceChildren(...reasons.map((r) => {
    const count = isNumber(r.count) ? r.count : 0;
    const head = [
      h('span', { class: 'dq-label', title: r.reason ? `Code: ${r.reason}` : null }, reasonInWords(r)),
      h('span', { class: 'dq-count', 'data-value': String(count) }, integer(count)),
    ];
    const examples = Array.isArray(r.examples) ? r.examples : [];
    const item = h('li', { class: `dq-item${count === 0 ? ' is-zero' : ''}`, 'data-reason': r.reason ?? '' });
    if (examples.length) {
      item.append(h('details', null,
        h('summary', null, h('span', { class: 'dq-head' }, head)),
        h('ul', { class: 'dq-examples' }, examples.map((e) => h('li', null,
          h('div', { class: 'dq-example-meta' },
            h('time', { datetime: e.at ?? '' }, instant(e.at)),
            e.kind ? h('span', { class: 'chip', title: `Kind: ${e.kind}` }, KIND_WORDS[e.kind] ?? e.kind) : null,
            e.eventId ? h('code', { title: 'Event ID' }, e.eventId) : null),
          e.detail ? h('p', { class: 'dq-detail' }, e.detail) : null))),
      ));
    } else {
      item.append(h('div', { class: 'dq-head' }, head));
    }
    return item;
  }));
}

// Trend: attributed vs total checkout revenue per day (inline SVG) -------------------------------

const SVG_NS = 'http://www.w3.org/2000/svg';

/** The h() helper for SVG elements. */
function svg(tag, attrs, ...children) {
  const el = document.createElementNS(SVG_NS, tag);
  for (const [key, value] of Object.entries(attrs ?? {})) {
    if (value != null) el.setAttribute(key, String(value));
  }
  for (const child of children.flat()) {
    if (child != null) el.append(child instanceof Node ? child : String(child));
  }
  return el;
}

/** The company's today: the day that is still filling up. */
function companyToday() {
  return parseIsoDate(state.company?.today) ? state.company.today : localToday();
}

function clearTrend() {
  state.trend = null;
  show($('#trend-range-note'), false);
  show($('#trend-chart'), true);
  $('#trend-chart').replaceChildren();
  $('#trend-table tbody').replaceChildren();
  $('#trend-currency').textContent = '';
  const note = $('#trend-unconverted');
  note.replaceChildren();
  show(note, false);
}

/** "+ £20.00 not converted" lines for one figure of a row whose unconverted entries name several figures. */
function unconvertedFigureLines(row, figure) {
  return (Array.isArray(row?.unconverted) ? row.unconverted : [])
    .filter((u) => isNumber(u?.[figure]) && u[figure] !== 0)
    .map((u) => h('span', { class: 'sub' }, `+ ${money(u[figure], u.currency)} not converted`));
}

function renderTrend({ rows: list, extent }) {
  const cur = list.find((r) => r.currency)?.currency || state.range.currency || state.company?.reportingCurrency;
  $('#trend-currency').textContent = cur ? `in ${cur}` : '';
  const today = companyToday();
  const cell = (value, text, ...extra) =>
    h('td', { class: 'num', 'data-value': isNumber(value) ? String(value) : '' }, text, ...extra);

  const tbody = $('#trend-table tbody');
  if (list.length) {
    tbody.replaceChildren(...list.map((r) => h('tr', { 'data-date': r.date ?? '', 'data-partial': r.date === today ? 'true' : null },
      h('th', { scope: 'row', class: 'nowrap' }, calendarDate(r.date), r.date === today ? h('span', { class: 'id-sub' }, 'today, so far') : null),
      cell(r.attributedRevenue, money(r.attributedRevenue, r.currency || cur), unconvertedFigureLines(r, 'attributedRevenue')),
      cell(r.totalCheckoutRevenue, money(r.totalCheckoutRevenue, r.currency || cur), unconvertedFigureLines(r, 'totalCheckoutRevenue')),
      cell(r.attributedOrders, integer(r.attributedOrders)),
      cell(r.orders, integer(r.orders)))));
  } else {
    tbody.replaceChildren(h('tr', null, h('td', { colspan: 5, class: 'empty' }, 'No days in this range.')));
  }

  const note = $('#trend-unconverted');
  const withUnconverted = list.filter((r) => Array.isArray(r.unconverted) && r.unconverted.length);
  if (withUnconverted.length) {
    note.replaceChildren(
      h('p', null, h('strong', null, 'Not converted'), ` — revenue with no exchange rate to ${cur}, not included in the bars:`),
      h('ul', null, withUnconverted.map((r) => h('li', null, `${calendarDate(r.date)}: `,
        r.unconverted.map((u) => `${money(u.totalCheckoutRevenue, u.currency)} in all, ${money(u.attributedRevenue, u.currency)} credited`).join('; ')))),
    );
    show(note, true);
  } else {
    note.replaceChildren();
    show(note, false);
  }

  const rangeNote = $('#trend-range-note');
  if (extent) {
    emptyRangeNote(rangeNote, 'checkout revenue or cart activity', extent);
    state.trend = null;
    show($('#trend-chart'), false);
    $('#trend-chart').replaceChildren();
    return;
  }
  const start = chartStart(list, dayHasData);
  trimmedRangeNote(rangeNote, list, start);
  show($('#trend-chart'), true);
  state.trend = { rows: list.slice(start), currency: cur };
  drawTrend();
}

/** Round tick values from min to max (at least about `count` steps), for the y axis. */
function niceTicks(min, max, count) {
  const top = max > min ? max : min + 1;
  const raw = (top - min) / count;
  const magnitude = 10 ** Math.floor(Math.log10(raw));
  const step = [1, 2, 2.5, 5, 10].map((f) => f * magnitude).find((s) => s >= raw) ?? raw;
  const ticks = [];
  for (let v = Math.floor(min / step) * step; v < top + step * 0.999; v += step) ticks.push(Number(v.toPrecision(12)));
  return ticks;
}

/** Draws the trend at the box's current width; called again when the box is resized. */
function drawTrend() {
  const box = $('#trend-chart');
  const t = state.trend;
  if (!t || !t.rows.length) {
    box.replaceChildren();
    return;
  }
  const width = Math.max(280, Math.floor(box.clientWidth || 600));
  const height = Math.max(200, Math.floor(box.clientHeight || 260));
  box.dataset.drawnWidth = String(width);
  const m = { top: 18, right: 8, bottom: 28, left: width < 480 ? 52 : 68 };
  const plotWidth = width - m.left - m.right;
  const plotHeight = height - m.top - m.bottom;
  const values = t.rows.flatMap((r) => [r.attributedRevenue, r.totalCheckoutRevenue]).filter(isNumber);
  const ticks = niceTicks(Math.min(0, ...values), Math.max(0, ...values), 4);
  const low = ticks[0];
  const high = ticks[ticks.length - 1];
  const y = (v) => m.top + plotHeight - ((v - low) / (high - low)) * plotHeight;
  const band = plotWidth / t.rows.length;
  const barWidth = Math.max(1, Math.min(48, band * 0.7));
  const today = companyToday();
  const bar = (v, x, attrs) => {
    const value = isNumber(v) ? v : 0;
    const top = Math.min(y(value), y(0));
    return svg('rect', { x: x.toFixed(1), y: top.toFixed(1), width: barWidth.toFixed(1), height: Math.max(0, Math.abs(y(value) - y(0))).toFixed(1), ...attrs });
  };

  const chart = svg('svg', { width, height, viewBox: `0 0 ${width} ${height}`, class: 'trend-svg', focusable: 'false' },
    svg('defs', null, svg('pattern', { id: 'trend-partial', width: 6, height: 6, patternUnits: 'userSpaceOnUse', patternTransform: 'rotate(45)' },
      svg('rect', { width: 6, height: 6, class: 'partial-bg' }),
      svg('line', { x1: 0, y1: 0, x2: 0, y2: 6, class: 'partial-stripe' }))),
    ticks.map((v) => svg('g', { class: 'tick' },
      svg('line', { x1: m.left, x2: width - m.right, y1: y(v).toFixed(1), y2: y(v).toFixed(1), class: v === 0 ? 'axis' : 'grid' }),
      svg('text', { x: m.left - 6, y: y(v).toFixed(1), 'text-anchor': 'end', 'dominant-baseline': 'middle' }, compactMoney(v, t.currency)))));

  // Labels at least about 64 px apart; the last day always gets one.
  const every = Math.max(1, Math.ceil(64 / band));
  t.rows.forEach((r, i) => {
    const x = m.left + i * band + (band - barWidth) / 2;
    const partial = r.date === today;
    const title = `${calendarDate(r.date)}${partial ? ' (today, so far)' : ''}: ${money(r.totalCheckoutRevenue, t.currency)} in all, `
      + `${money(r.attributedRevenue, t.currency)} credited to the assistant`;
    const group = svg('g', { class: `day${partial ? ' is-partial' : ''}`, 'data-date': r.date ?? '' },
      svg('title', null, title),
      bar(r.totalCheckoutRevenue, x, { class: 'bar-total' }),
      bar(r.attributedRevenue, x, { class: 'bar-attributed' }));
    if (partial && barWidth >= 14) {
      group.append(svg('text', { x: (x + barWidth / 2).toFixed(1), y: (Math.min(y(Math.max(0, r.totalCheckoutRevenue ?? 0)), y(0)) - 4).toFixed(1), 'text-anchor': 'middle', class: 'partial-label' }, 'so far'));
    }
    if (i % every === 0 || i === t.rows.length - 1) {
      if (i === t.rows.length - 1 && i % every !== 0 && (i % every) * band < 48) {
        // Too close to the label before it.
      } else {
        group.append(svg('text', { x: (m.left + i * band + band / 2).toFixed(1), y: height - 8, 'text-anchor': 'middle' },
          calendarDate(r.date, { day: 'numeric', month: 'short' })));
      }
    }
    chart.append(group);
  });
  box.replaceChildren(chart);
}

// Lift: assisted vs unassisted visitors -----------------------------------------------------------

function clearLift() {
  $('#lift-table tbody').replaceChildren();
  $('#lift-verdict').replaceChildren();
}

/** A ratio such as 1.25 as "1.25×". */
function times(value) {
  if (!isNumber(value)) return EMPTY;
  return `${formatter('times', () => new Intl.NumberFormat(undefined, { minimumFractionDigits: 2, maximumFractionDigits: 2 })).format(value)}×`;
}

function intervalText(interval) {
  return Array.isArray(interval) && interval.length === 2 && interval.every(isNumber) ? `${times(interval[0])} to ${times(interval[1])}` : null;
}

function renderLift(x) {
  const cur = x.currency || state.range.currency || state.company?.reportingCurrency;
  const a = x.assisted ?? {};
  const u = x.unassisted ?? {};
  const enough = x.enoughData === true;
  const num = (value, text, ...extra) => h('td', { class: 'num', 'data-value': isNumber(value) ? String(value) : '' }, text, ...extra);
  const none = () => h('td', { class: 'muted' }, EMPTY);
  const lift = (value, interval) => {
    if (!enough) return h('td', { class: 'muted' }, 'Not enough data yet');
    if (!isNumber(value)) return h('td', { class: 'muted' }, 'No comparison: a group has no orders');
    const range = intervalText(interval);
    return h('td', { 'data-value': String(value) }, h('strong', null, times(value)),
      range ? h('span', { class: 'id-sub' }, `95 % interval ${range}`) : null);
  };
  const row = (key, label, ...cells) => h('tr', { 'data-measure': key }, h('th', { scope: 'row' }, label), ...cells);
  $('#lift-table tbody').replaceChildren(
    row('visitors', 'Visitors', num(a.visitors, integer(a.visitors)), num(u.visitors, integer(u.visitors)), none()),
    row('convertingVisitors', 'Visitors who ordered', num(a.convertingVisitors, integer(a.convertingVisitors)), num(u.convertingVisitors, integer(u.convertingVisitors)), none()),
    row('conversionRate', 'Conversion rate', num(a.conversionRate, percent(a.conversionRate)), num(u.conversionRate, percent(u.conversionRate)),
      lift(x.conversionLift, x.conversionLiftInterval)),
    row('averageOrderValue', 'Average order value', num(a.averageOrderValue, money(a.averageOrderValue, cur)), num(u.averageOrderValue, money(u.averageOrderValue, cur)),
      lift(x.aovLift, x.aovLiftInterval)),
    row('revenuePerVisitor', 'Revenue per visitor', num(a.revenuePerVisitor, money(a.revenuePerVisitor, cur)), num(u.revenuePerVisitor, money(u.revenuePerVisitor, cur)), none()),
    row('revenue', 'Revenue from their orders', num(a.revenue, money(a.revenue, cur), unconvertedLines(a)), num(u.revenue, money(u.revenue, cur), unconvertedLines(u)), none()),
  );

  const verdict = $('#lift-verdict');
  if (!enough) {
    const minVisitors = isNumber(x.minimumVisitors) ? x.minimumVisitors : null;
    const minOrdering = isNumber(x.minimumConvertingVisitors) ? x.minimumConvertingVisitors : null;
    verdict.replaceChildren(h('div', { class: 'note', id: 'lift-not-enough' },
      h('p', null, h('strong', null, 'Not enough data yet'),
        minVisitors != null && minOrdering != null
          ? ` to compare: each group needs at least ${integer(minVisitors)} visitors, ${integer(minOrdering)} of whom ordered. `
          : ' to compare the two groups. ',
        `So far: ${integer(a.visitors)} helped (${integer(a.convertingVisitors)} ordered), ${integer(u.visitors)} not helped (${integer(u.convertingVisitors)} ordered).`)));
    return;
  }
  const interval = x.conversionLiftInterval;
  const range = intervalText(interval);
  let words;
  if (!isNumber(x.conversionLift) || !range) words = 'The two groups cannot be compared yet: one of them has no orders.';
  else if (interval[0] > 1) words = `Visitors the assistant helped ordered ${times(x.conversionLift)} as often as the rest (95 % interval ${range}).`;
  else if (interval[1] < 1) words = `Visitors the assistant helped ordered less often than the rest: ${times(x.conversionLift)} as often (95 % interval ${range}).`;
  else words = `No clear difference yet in how often the two groups order: ${times(x.conversionLift)} (95 % interval ${range}, which includes 1×).`;
  verdict.replaceChildren(h('p', { class: 'lift-summary', id: 'lift-summary' }, words));
}

// By channel --------------------------------------------------------------------------------------

const CHANNEL_NAMES = { CHAT: 'Chat', FAQ: 'Product FAQ', NUDGE: 'Nudges' };

function clearChannels() {
  $('#channels-tiles').replaceChildren();
  $('#channels-currency').textContent = '';
}

function renderChannels(rows) {
  const list = Array.isArray(rows) ? rows : [];
  const cur = list.find((r) => r.currency)?.currency || state.range.currency || state.company?.reportingCurrency;
  $('#channels-currency').textContent = cur ? `Credited revenue in ${cur}` : '';
  const total = list.reduce((sum, r) => sum + (isNumber(r.checkoutRevenue) && r.checkoutRevenue > 0 ? r.checkoutRevenue : 0), 0);
  $('#channels-tiles').replaceChildren(...list.map((r) => {
    const share = total > 0 && isNumber(r.checkoutRevenue) ? Math.max(0, r.checkoutRevenue) / total : null;
    return h('div', { class: 'tile channel-tile', 'data-channel': r.channel ?? '' },
      h('span', { class: 'channel-name' }, CHANNEL_NAMES[r.channel] ?? String(r.channel ?? EMPTY)),
      h('span', { class: 'tile-value', 'data-figure': 'checkoutRevenue', 'data-value': isNumber(r.checkoutRevenue) ? String(r.checkoutRevenue) : '' },
        money(r.checkoutRevenue, r.currency || cur)),
      unconvertedFigureLines(r, 'checkoutRevenue'),
      h('span', { class: 'share-bar', 'aria-hidden': 'true' },
        h('span', { class: 'share-fill', style: `width: ${((share ?? 0) * 100).toFixed(1)}%` })),
      h('span', { class: 'channel-share' }, share != null ? `${percent(share)} of credited revenue` : 'No credited revenue'),
      h('dl', { class: 'channel-figures' },
        h('div', null, h('dt', null, 'Credited orders'),
          h('dd', { 'data-figure': 'attributedOrders', 'data-value': isNumber(r.attributedOrders) ? String(r.attributedOrders) : '' }, integer(r.attributedOrders))),
        h('div', null, h('dt', null, 'Cart GMV'),
          h('dd', { 'data-figure': 'cartGmv', 'data-value': isNumber(r.cartGmv) ? String(r.cartGmv) : '' }, money(r.cartGmv, r.currency || cur),
            unconvertedFigureLines(r, 'cartGmv')))));
  }));
}

// Conversations: the list, paged by cursor, and one transcript -----------------------------------

const CONVERSATION_PAGE = 25;
const conversations = { seq: 0, cursor: null, openSeq: 0, openId: null };
const SPEAKERS = { SHOPPER_MESSAGE: 'Shopper', ASSISTANT_ANSWER: 'Assistant' };

function shortInstant(value) {
  const d = new Date(value);
  if (!value || Number.isNaN(d.getTime())) return String(value ?? EMPTY);
  const tz = state.company?.timeZone;
  try {
    return formatter(`short-instant:${tz}`, () => new Intl.DateTimeFormat(undefined, {
      dateStyle: 'medium', timeStyle: 'short', timeZone: tz || undefined,
    })).format(d);
  } catch {
    return formatter('short-instant:local', () => new Intl.DateTimeFormat(undefined, { dateStyle: 'medium', timeStyle: 'short' })).format(d);
  }
}

function conversationsPath(cursor) {
  const params = new URLSearchParams({ from: state.range.from, to: state.range.to, sort: $('#conversations-sort').value, limit: String(CONVERSATION_PAGE) });
  if (state.range.currency) params.set('currency', state.range.currency);
  if (cursor) params.set('cursor', cursor);
  return `/v1/conversations?${params}`;
}

function clearConversations() {
  conversations.cursor = null;
  $('#conversations-table tbody').replaceChildren();
  show($('#conversations-more'), false);
  $('#conversations-more-status').replaceChildren();
}

function closeTranscript() {
  conversations.openSeq += 1;
  conversations.openId = null;
  const box = $('#conversation-transcript');
  box.replaceChildren();
  box.removeAttribute('aria-busy');
  show(box, false);
  markOpenConversation();
}

function markOpenConversation() {
  for (const tr of document.querySelectorAll('#conversations-table tr[data-conversation-id]')) {
    const open = tr.dataset.conversationId === conversations.openId;
    tr.classList.toggle('is-selected', open);
    $('button', tr)?.setAttribute('aria-expanded', String(open));
  }
}

function conversationRow(c) {
  const cur = c.currency || state.range.currency || state.company?.reportingCurrency;
  const id = String(c.conversationId ?? '');
  const num = (value, text, ...extra) => h('td', { class: 'num', 'data-value': isNumber(value) ? String(value) : '' }, text, ...extra);
  return h('tr', { 'data-conversation-id': id },
    h('th', { scope: 'row' },
      h('button', { type: 'button', class: 'link-button', 'aria-controls': 'conversation-transcript', 'aria-expanded': 'false', title: 'Read this conversation' },
        h('time', { datetime: c.startedAt ?? '' }, shortInstant(c.startedAt))),
      h('span', { class: 'id-sub' }, id)),
    h('td', { 'data-channel': c.channel ?? '' }, CHANNEL_NAMES[c.channel] ?? String(c.channel ?? EMPTY),
      c.qualified === false ? h('span', { class: 'id-sub', title: 'No real question with a helpful answer, so it cannot earn credit' }, 'not qualified') : null),
    h('td', null, c.variant ? String(c.variant) : h('span', { class: 'muted' }, 'none')),
    num(c.messages, integer(c.messages)),
    num(c.attributedOrders, integer(c.attributedOrders)),
    num(c.checkoutRevenue, money(c.checkoutRevenue, cur), unconvertedFigureLines(c, 'checkoutRevenue')));
}

function renderConversations(data) {
  const list = Array.isArray(data?.conversations) ? data.conversations : [];
  conversations.cursor = typeof data?.nextCursor === 'string' && data.nextCursor ? data.nextCursor : null;
  $('#conversations-table tbody').replaceChildren(...(list.length
    ? list.map(conversationRow)
    : [h('tr', { class: 'empty-row' }, h('td', { colspan: 6, class: 'empty' }, 'No conversations started in this range.'))]));
  $('#conversations-more-status').replaceChildren();
  show($('#conversations-more'), Boolean(conversations.cursor));
  markOpenConversation();
}

/** Reloads the list alone (a new sort); a refresh reloads it with the other panels. */
async function reloadConversations() {
  if (!state.range || !state.secret) return;
  const seq = ++conversations.seq;
  const generation = state.generation;
  try {
    await loadPanel($('#conversations'), conversationsPath(null), renderConversations, clearConversations,
      () => generation === state.generation && seq === conversations.seq, state.controller?.signal);
  } catch (error) {
    if (error instanceof ApiError && error.status === 401) signOut(NOT_ACCEPTED);
    else console.error(error);
  }
}

async function loadMoreConversations() {
  const cursor = conversations.cursor;
  if (!cursor) return;
  const seq = conversations.seq;
  const generation = state.generation;
  const stale = () => seq !== conversations.seq || generation !== state.generation;
  const button = $('#conversations-more');
  const status = $('#conversations-more-status');
  button.disabled = true;
  button.textContent = 'Loading…';
  status.replaceChildren();
  try {
    const data = await api(conversationsPath(cursor), { signal: state.controller?.signal });
    if (stale()) return;
    const list = Array.isArray(data?.conversations) ? data.conversations : [];
    $('#conversations-table tbody').append(...list.map(conversationRow));
    conversations.cursor = typeof data?.nextCursor === 'string' && data.nextCursor ? data.nextCursor : null;
    show(button, Boolean(conversations.cursor));
    markOpenConversation();
  } catch (error) {
    if (error?.name === 'AbortError' || stale()) return;
    if (error instanceof ApiError && error.status === 401) {
      signOut(NOT_ACCEPTED);
      return;
    }
    status.replaceChildren(errorView(error, 'Could not load more conversations.'));
  } finally {
    if (!stale()) {
      button.disabled = false;
      button.textContent = 'Load more';
    }
  }
}

async function openConversation(id) {
  const box = $('#conversation-transcript');
  const seq = ++conversations.openSeq;
  conversations.openId = id;
  markOpenConversation();
  show(box, true);
  box.setAttribute('aria-busy', 'true');
  box.replaceChildren(h('span', { class: 'loading' }, h('span', { class: 'spinner', 'aria-hidden': 'true' }), 'Opening the conversation…'));
  try {
    const data = await api(`/v1/conversations/${encodeURIComponent(id)}`);
    if (seq !== conversations.openSeq) return;
    box.replaceChildren(transcriptView(data, id));
    box.scrollIntoView({ block: 'nearest' });
  } catch (error) {
    if (seq !== conversations.openSeq) return;
    if (error instanceof ApiError && error.status === 401) {
      signOut(NOT_ACCEPTED);
      return;
    }
    box.replaceChildren(error instanceof ApiError && error.status === 404
      ? h('p', { class: 'note' }, 'Nothing is recorded for this conversation any more.')
      : errorView(error, 'Could not open this conversation.'));
  } finally {
    if (seq === conversations.openSeq) box.removeAttribute('aria-busy');
  }
}

function messageView(m) {
  const who = SPEAKERS[m.kind] ?? INTERACTION_WORDS[m.kind] ?? String(m.kind ?? EMPTY);
  const speaker = m.kind === 'SHOPPER_MESSAGE' ? 'is-shopper' : m.kind === 'ASSISTANT_ANSWER' ? 'is-assistant' : 'is-event';
  let text = null;
  if (m.text === '[erased]') text = h('p', { class: 'msg-text muted' }, 'Words erased at the visitor’s request.');
  else if (typeof m.text === 'string' && m.text) text = h('p', { class: 'msg-text' }, m.text);
  else if (speaker !== 'is-event') text = h('p', { class: 'msg-text muted' }, 'No text was sent.');
  return h('li', { class: `msg ${speaker}`, 'data-kind': m.kind ?? '' },
    h('div', { class: 'msg-meta' },
      h('strong', null, who),
      h('time', { datetime: m.occurredAt ?? '' }, shortInstant(m.occurredAt)),
      m.helpful === true ? h('span', { class: 'verdict is-yes' }, 'Marked helpful')
        : m.helpful === false ? h('span', { class: 'muted' }, 'Not marked helpful') : null),
    text);
}

function transcriptView(t, requestedId) {
  const id = t.conversationId ?? requestedId;
  const messages = Array.isArray(t.messages) ? t.messages : [];
  const orders = Array.isArray(t.orders) ? t.orders : [];
  const close = h('button', { type: 'button', class: 'button ghost small-button', id: 'transcript-close' }, 'Close');
  close.addEventListener('click', () => {
    const row = [...document.querySelectorAll('#conversations-table tr[data-conversation-id]')].find((tr) => tr.dataset.conversationId === id);
    closeTranscript();
    $('button', row ?? document.createElement('tr'))?.focus();
  });
  return h('div', { id: 'transcript', 'data-conversation-id': id },
    h('div', { class: 'transcript-head' },
      h('div', null,
        h('h3', { class: 'subhead' }, `${CHANNEL_WORDS[t.channel] ?? t.channel ?? 'Conversation'} `, h('code', null, id)),
        h('p', { class: 'muted small' },
          t.variant ? `Variant ${t.variant} · ` : 'No variant · ',
          t.qualified ? 'Qualified: a real question got a helpful answer' : 'Not qualified: no real question with a helpful answer')),
      close),
    messages.length
      ? h('ol', { class: 'transcript', id: 'transcript-messages' }, messages.map(messageView))
      : h('p', { class: 'muted small', id: 'transcript-messages' }, 'No messages recorded.'),
    orders.length
      ? [h('h3', { class: 'subhead' }, `Orders credited to it (${orders.length})`),
        h('div', { class: 'table-wrap' }, h('table', { class: 'data-table', id: 'transcript-orders' },
          h('caption', { class: 'visually-hidden' }, 'Orders credited to this conversation'),
          h('thead', null, h('tr', null,
            h('th', { scope: 'col' }, 'Order'),
            h('th', { scope: 'col' }, 'When'),
            h('th', { scope: 'col', class: 'num' }, 'Value'))),
          h('tbody', null, orders.map((o) => h('tr', { 'data-order-id': o.orderId ?? '' },
            h('td', null, h('code', null, o.orderId ?? EMPTY)),
            h('td', null, h('time', { datetime: o.occurredAt ?? '' }, shortInstant(o.occurredAt))),
            h('td', { class: 'num', 'data-value': isNumber(o.value) ? String(o.value) : '' }, money(o.value, o.currency)))))))]
      : h('p', { class: 'muted small', id: 'transcript-orders' }, 'No orders credited to this conversation yet.'));
}

// ---------------------------------------------------------------------------------------------
// Refresh: every panel in parallel; data-loaded="true" once all have finished (success or error).

async function refresh({ history = 'push' } = {}) {
  const range = readRange();
  if (range.error) {
    showRangeError(range.error);
    return;
  }
  showRangeError(state.urlNotice ?? '');
  state.urlNotice = null;
  state.range = range;
  writeUrl(range, history);
  markPreset();

  state.controller?.abort();
  const controller = new AbortController();
  state.controller = controller;
  const generation = ++state.generation;
  const isCurrent = () => generation === state.generation;
  const { signal } = controller;

  els.dashboard.dataset.loaded = 'false';
  els.apply.disabled = true;
  els.refreshStatus.textContent = 'Loading…';
  state.ruleVersions = new Set();

  // A new range closes the open transcript: it may not be in the new list.
  closeTranscript();
  const listSeq = ++conversations.seq;
  const q = rangeQuery();
  const qNoCurrency = rangeQuery({ withCurrency: false });
  const results = await Promise.allSettled([
    loadPanel($('#summary'), readSummaries, renderSummary, clearSummary, isCurrent, signal),
    loadPanel($('#daily'), (s) => readDays(`/v1/revenue/cart-gmv/daily${q}`, hasCartGmv, s), renderDaily, clearDaily, isCurrent, signal),
    loadPanel($('#products'), `/v1/revenue/products${q}`, renderProducts, clearProducts, isCurrent, signal),
    loadPanel($('#variants'), `/v1/revenue/variants${q}`, renderVariants, clearVariants, isCurrent, signal),
    loadPanel($('#data-quality'), `/v1/data-quality${qNoCurrency}`, renderDataQuality, clearDataQuality, isCurrent, signal),
    loadPanel($('#trend'), (s) => readDays(`/v1/revenue/daily${q}`, dayHasData, s), renderTrend, clearTrend, isCurrent, signal),
    loadPanel($('#lift'), `/v1/revenue/lift${q}`, renderLift, clearLift, isCurrent, signal),
    loadPanel($('#channels'), `/v1/revenue/channels${q}`, renderChannels, clearChannels, isCurrent, signal),
    loadPanel($('#conversations'), conversationsPath(null), renderConversations, clearConversations,
      () => isCurrent() && listSeq === conversations.seq, signal),
  ]);
  if (!isCurrent()) return;

  if (results.some((r) => r.status === 'rejected' && r.reason instanceof ApiError && r.reason.status === 401)) {
    signOut(NOT_ACCEPTED);
    return;
  }
  for (const r of results) {
    if (r.status === 'rejected') console.error(r.reason);
  }

  renderRuleVersions();
  els.apply.disabled = false;
  const time = new Intl.DateTimeFormat(undefined, { timeStyle: 'short' }).format(new Date());
  const failed = [...els.dashboard.querySelectorAll('.panel.has-error')].length;
  els.refreshStatus.textContent = failed
    ? `Updated ${time} · ${failed} ${failed === 1 ? 'panel' : 'panels'} could not be loaded`
    : `Updated ${time}`;
  els.dashboard.dataset.loaded = 'true';
}

function resetDashboard() {
  els.dashboard.dataset.loaded = 'false';
  els.apply.disabled = false;
  els.refreshStatus.textContent = '';
  for (const panel of els.dashboard.querySelectorAll('.panel')) {
    panel.removeAttribute('aria-busy');
    panel.classList.remove('is-loading', 'has-error');
    const status = panelStatus(panel);
    if (status) status.replaceChildren();
  }
  clearSummary();
  clearDaily();
  clearProducts();
  clearVariants();
  clearDataQuality();
  clearTrend();
  clearLift();
  clearChannels();
  conversations.seq += 1;
  clearConversations();
  closeTranscript();
  $('#conversations-sort').value = 'revenue';
  setTableSort($('#conversations-table'), 'revenue', 'descending');
  setTableSort($('#products-table'), 'revenue', 'descending');
  setTableSort($('#variants-table'), null, null);
  resetConversation();
  explainSeq += 1;
  $('#explain-id').value = '';
  $('#explain-result').replaceChildren();
  state.ruleVersions = new Set();
  $('#rule-version').textContent = EMPTY;
  $('#company-name').textContent = EMPTY;
  $('#company-meta').textContent = '';
  document.title = 'Revenue Impact · Attribution';
}

// ---------------------------------------------------------------------------------------------
// Conversation lookup

let conversationSeq = 0;

function resetConversation() {
  conversationSeq += 1;
  $('#conversation-id').value = '';
  $('#conversation-submit').disabled = false;
  $('#conversation-result').replaceChildren(
    h('p', { class: 'muted small' }, 'Enter a conversation ID to see the revenue it earned (all time).'));
}

async function lookUpConversation(id) {
  const result = $('#conversation-result');
  const button = $('#conversation-submit');
  if (!id) {
    result.replaceChildren(h('p', { class: 'form-error', role: 'alert' }, 'Enter a conversation ID.'));
    return;
  }
  const seq = ++conversationSeq;
  button.disabled = true;
  result.setAttribute('aria-busy', 'true');
  result.replaceChildren(h('span', { class: 'loading' }, h('span', { class: 'spinner', 'aria-hidden': 'true' }), 'Looking up…'));

  const params = new URLSearchParams();
  if (state.range?.currency) params.set('currency', state.range.currency);
  const query = params.toString() ? `?${params}` : '';
  try {
    const data = await api(`/v1/conversations/${encodeURIComponent(id)}/revenue${query}`);
    if (seq !== conversationSeq) return;
    result.replaceChildren(conversationView(data, id));
  } catch (error) {
    if (seq !== conversationSeq) return;
    if (error instanceof ApiError && error.status === 401) {
      signOut(NOT_ACCEPTED);
      return;
    }
    if (error instanceof ApiError && error.status === 404) {
      result.replaceChildren(h('p', { class: 'note' }, 'No revenue recorded for that conversation.'));
    } else {
      result.replaceChildren(errorView(error, 'Could not look up that conversation.'));
    }
  } finally {
    if (seq === conversationSeq) {
      button.disabled = false;
      result.removeAttribute('aria-busy');
    }
  }
}

function conversationView(c, requestedId) {
  const cur = c.currency || state.range?.currency || state.company?.reportingCurrency;
  const figure = (label, value, id) => h('div', { class: 'figure' },
    h('dt', null, label),
    h('dd', { id, 'data-value': isNumber(value) ? String(value) : '' }, money(value, cur)));

  const orders = Array.isArray(c.orders) ? c.orders : [];
  const unconverted = Array.isArray(c.unconverted) ? c.unconverted : [];
  const wrap = h('div', null,
    h('p', { class: 'small muted' }, 'Conversation ', h('code', null, c.conversationId ?? requestedId)),
    h('dl', { class: 'figures figures-3' },
      figure('Checkout revenue', c.checkoutRevenue, 'conversation-checkout-revenue'),
      figure('Cart GMV', c.cartGmv, 'conversation-cart-gmv'),
      isNumber(c.netCartValue) ? figure('Net cart value', c.netCartValue, 'conversation-net-cart-value') : null),
  );

  if (unconverted.length) {
    wrap.append(h('div', { class: 'note note-warn' },
      h('p', null, h('strong', null, 'Not converted'), ` — no exchange rate to ${cur}:`),
      h('ul', null, unconverted.map((u) => {
        const parts = Object.entries(u)
          .filter(([k, v]) => k !== 'currency' && isNumber(v))
          .map(([k, v]) => `${k.replace(/([A-Z])/g, ' $1').toLowerCase()} ${money(v, u.currency)}`);
        return h('li', null, h('strong', null, u.currency ?? '?'), parts.length ? `: ${parts.join(' · ')}` : '');
      }))));
  }

  if (orders.length) {
    wrap.append(
      h('h3', { class: 'subhead' }, `Attributed orders (${orders.length})`),
      h('div', { class: 'table-wrap' }, h('table', { class: 'data-table', id: 'conversation-orders' },
        h('caption', { class: 'visually-hidden' }, 'Orders credited to this conversation'),
        h('thead', null, h('tr', null,
          h('th', { scope: 'col' }, 'Order'),
          h('th', { scope: 'col' }, 'When'),
          h('th', { scope: 'col', class: 'num' }, 'Value'))),
        h('tbody', null, orders.map((o) => h('tr', null,
          h('td', null, h('code', null, o.orderId ?? EMPTY)),
          h('td', null, h('time', { datetime: o.occurredAt ?? '' }, instant(o.occurredAt))),
          h('td', { class: 'num', 'data-value': isNumber(o.value) ? String(o.value) : '' }, money(o.value, o.currency || cur))))))),
    );
  } else {
    wrap.append(h('p', { class: 'muted small' }, 'No attributed orders for this conversation yet.'));
  }
  noteRuleVersion(c.ruleVersion);
  renderRuleVersions();
  return wrap;
}

// ---------------------------------------------------------------------------------------------
// Explain: one order or event, in plain words, with the visitor's timeline around it

const GUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
const CHANNEL_WORDS = { CHAT: 'Chat conversation', FAQ: 'Product FAQ exchange', NUDGE: 'Nudge' };
const INTERACTION_WORDS = {
  WIDGET_LOADED: 'Chat widget loaded', SHOPPER_MESSAGE: 'Shopper wrote', ASSISTANT_ANSWER: 'Assistant answered',
  NUDGE_SHOWN: 'Nudge shown', NUDGE_CLICKED: 'Nudge clicked',
};
const CART_WORDS = {
  ITEM_ADDED: 'Added to cart', QUANTITY_INCREASED: 'Added more', QUANTITY_DECREASED: 'Took some out', ITEM_REMOVED: 'Removed from cart',
};

/** "qualified-first.v1;window=24h" in words; the code stays in a tooltip. */
function ruleInWords(version) {
  const m = /window=(\d+)h/.exec(String(version ?? ''));
  return m ? `Credit goes to the assistant interaction that qualified first, within ${m[1]} hours before the purchase`
    : 'Credit goes to the assistant interaction that qualified first';
}

let explainSeq = 0;

async function explain(id) {
  const result = $('#explain-result');
  if (!id) {
    result.replaceChildren(h('p', { class: 'form-error', role: 'alert' }, 'Enter an order ID or an event ID.'));
    return;
  }
  const seq = ++explainSeq;
  result.setAttribute('aria-busy', 'true');
  result.replaceChildren(h('span', { class: 'loading' }, h('span', { class: 'spinner', 'aria-hidden': 'true' }), 'Looking up…'));
  const path = GUID.test(id) ? `/v1/attribution/events/${encodeURIComponent(id)}` : `/v1/attribution/orders/${encodeURIComponent(id)}`;
  try {
    const data = await api(path);
    if (seq !== explainSeq) return;
    result.replaceChildren(explanationView(data));
  } catch (error) {
    if (seq !== explainSeq) return;
    if (error instanceof ApiError && error.status === 401) {
      signOut(NOT_ACCEPTED);
      return;
    }
    result.replaceChildren(error instanceof ApiError && error.status === 404
      ? h('p', { class: 'note', id: 'explain-not-found' }, `Nothing recorded for “${id}” yet. Check the ID; a just-placed order shows within seconds.`)
      : errorView(error, 'Could not explain that.'));
  } finally {
    if (seq === explainSeq) result.removeAttribute('aria-busy');
  }
}

function creditedInWords(c) {
  if (!c) return null;
  const what = c.channel === 'NUDGE' ? `Nudge ${c.nudgeId ?? ''}` : `${CHANNEL_WORDS[c.channel] ?? c.channel} ${c.conversationId ?? ''}`;
  return `${what.trim()}${c.variant ? ` (variant ${c.variant})` : ''}, which qualified ${instant(c.qualifiedAt)}`;
}

function timelineEntry(e) {
  let what;
  if (e.kind === 'INTERACTION') {
    what = [INTERACTION_WORDS[e.interactionKind] ?? e.interactionKind,
      e.conversationId ? ` in ${(CHANNEL_WORDS[e.channel] ?? e.channel).toLowerCase()} ${e.conversationId}` : '',
      e.nudgeId ? ` (${e.nudgeId})` : '',
      e.text ? `: “${e.text}”` : '',
      e.helpful === true ? ' (marked helpful)' : e.helpful === false ? ' (not marked helpful)' : ''].join('');
  } else if (e.kind === 'CART') {
    what = `${CART_WORDS[e.cartType] ?? e.cartType}: ${e.quantity ?? ''} × ${e.productName ?? ''} at ${money(e.value, e.currency)}`;
  } else {
    what = `Checkout${e.orderId ? ` of order ${e.orderId}` : ''}: ${money(e.value, e.currency)}`;
  }
  return h('li', { class: `is-${String(e.kind).toLowerCase()}${e.explained ? ' is-explained' : ''}`, 'data-kind': e.kind },
    h('time', { datetime: e.occurredAt ?? '' }, instant(e.occurredAt)),
    what, e.explained ? ' ← this one' : '');
}

function explanationView(x) {
  const kind = x.kind === 'CART' ? 'This cart event' : x.orderId ? `Order ${x.orderId}` : 'This order';
  const wrap = h('div', { id: 'explanation', 'data-attributed': String(Boolean(x.attributed)) },
    h('p', null, h('span', { class: `verdict ${x.attributed ? 'is-yes' : 'is-no'}`, id: 'explain-verdict' },
      x.attributed ? 'Credited to the assistant' : 'Not credited to the assistant'),
    ' ', `${kind}, ${money(x.amount, x.currency)}, ${instant(x.occurredAt)}.`));
  if (x.counted === false) wrap.append(h('p', { class: 'note' }, 'This copy is recorded but not counted (a repeat or a test order).'));
  const credited = creditedInWords(x.creditedInteraction);
  if (credited) wrap.append(h('p', { id: 'explain-credited' }, h('strong', null, 'Credited: '), credited));
  wrap.append(h('p', { class: 'small' }, h('span', { title: `${x.ruleVersion ?? ''}\n${x.rule ?? ''}` , id: 'explain-rule' }, ruleInWords(x.ruleVersion)), '.'));
  const reasons = Array.isArray(x.reasons) ? x.reasons : [];
  if (reasons.length) {
    wrap.append(h('h3', { class: 'subhead' }, x.attributed ? 'What else was considered' : 'Why not'),
      h('ul', { class: 'reasons', id: 'explain-reasons' }, reasons.map((r) => h('li', null, r))));
  } else if (!x.attributed) {
    wrap.append(h('p', { id: 'explain-reasons' }, `No assistant interaction qualified within ${x.windowHours} hours before it: the shopper did not ask a real question that got a helpful answer, nor click a nudge.`));
  }
  const timeline = Array.isArray(x.timeline) ? x.timeline : [];
  wrap.append(h('h3', { class: 'subhead' }, 'What this shopper did around it'),
    timeline.length
      ? h('ol', { class: 'timeline', id: 'explain-timeline' }, timeline.map(timelineEntry))
      : h('p', { class: 'muted small', id: 'explain-timeline' }, 'The order carried no visitor fingerprint, so there is nothing to follow.'));
  noteRuleVersion(x.ruleVersion);
  return wrap;
}

// ---------------------------------------------------------------------------------------------
// Wiring

function init() {
  els.signin = $('#signin');
  els.dashboard = $('#dashboard');
  els.signinForm = $('#signin-form');
  els.secret = $('#api-secret');
  els.signinSubmit = $('#signin-submit');
  els.signinError = $('#signin-error');
  els.signinStatus = $('#signin-status');
  els.from = $('#from');
  els.to = $('#to');
  els.currency = $('#currency');
  els.apply = $('#apply');
  els.rangeError = $('#range-error');
  els.refreshStatus = $('#refresh-status');

  els.signinForm.addEventListener('submit', (event) => {
    event.preventDefault();
    const secret = els.secret.value.trim();
    if (!secret) {
      showSigninError('Enter your API secret.');
      els.secret.focus();
      return;
    }
    signIn(secret);
  });

  $('#signout').addEventListener('click', () => signOut(''));

  $('#range-form').addEventListener('submit', (event) => {
    event.preventDefault();
    refresh();
  });

  $('#conversation-form').addEventListener('submit', (event) => {
    event.preventDefault();
    lookUpConversation($('#conversation-id').value.trim());
  });

  $('#conversations-sort').addEventListener('change', () => {
    setTableSort($('#conversations-table'), $('#conversations-sort').value, 'descending');
    reloadConversations();
  });
  wireSortable($('#products-table'), (key, direction) => {
    setTableSort($('#products-table'), key, direction);
    renderProducts(tableData.products);
  });
  wireSortable($('#variants-table'), (key, direction) => {
    setTableSort($('#variants-table'), key, direction);
    renderVariants(tableData.variants);
  });
  // The server sorts conversations (by revenue or by start, newest first) across every page of the cursor.
  wireSortable($('#conversations-table'), (key) => {
    const select = $('#conversations-sort');
    if (select.value === key) return;
    select.value = key;
    setTableSort($('#conversations-table'), key, 'descending');
    reloadConversations();
  });

  for (const button of document.querySelectorAll('#range-form .preset')) {
    button.addEventListener('click', () => {
      const range = presetRange(button.dataset.preset);
      els.from.value = range.from;
      els.to.value = range.to;
      refresh();
    });
  }
  els.currency.addEventListener('change', () => refresh());
  for (const input of [els.from, els.to]) input.addEventListener('input', () => markPreset());
  window.addEventListener('popstate', () => {
    if (!state.secret || !state.company) return;
    applyUrl();
    // A fragment's entry (the skip link) holds the same view: nothing to read again.
    const r = state.range;
    if (r && els.from.value === r.from && els.to.value === r.to && els.currency.value === r.currency) return;
    refresh({ history: 'none' });
  });
  $('#conversations-more').addEventListener('click', () => loadMoreConversations());
  $('#conversations-table tbody').addEventListener('click', (event) => {
    const row = event.target instanceof Element ? event.target.closest('tr[data-conversation-id]') : null;
    if (row && row.dataset.conversationId) openConversation(row.dataset.conversationId);
  });

  // The trend is drawn at the box's width in pixels, so its text stays readable; a new width redraws it.
  if (typeof ResizeObserver === 'function') {
    let pending = 0;
    new ResizeObserver(() => {
      if (pending) return;
      pending = requestAnimationFrame(() => {
        pending = 0;
        const box = $('#trend-chart');
        if (state.trend && String(Math.max(280, Math.floor(box.clientWidth))) !== box.dataset.drawnWidth) drawTrend();
      });
    }).observe($('#trend-chart'));
  }

  $('#explain-form').addEventListener('submit', (event) => {
    event.preventDefault();
    explain($('#explain-id').value.trim());
  });

  const stored = readStoredSecret();
  if (stored) {
    signIn(stored, { fromStorage: true });
  } else {
    els.secret.focus();
  }
}

if (document.readyState === 'loading') {
  document.addEventListener('DOMContentLoaded', init);
} else {
  init();
}
