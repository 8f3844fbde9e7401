// Generates contracts/Attribution.Contracts/Reference/iso4217.json: the active ISO 4217
// currency codes with their minor units (decimal places), e.g. USD 2, JPY 0, KWD 3.
// The gateway embeds that file and the browser SDK reads the same one, so both apply the
// same rule: a code must be listed, and an amount may not have more decimals than its unit.
//
// Source: the npm package currency-codes, pinned exactly in package.json / package-lock.json.
// It ships ISO 4217 "List One" (current currencies and funds) verbatim as
// iso-4217-list-one.xml, plus data.js derived from it. We read the XML, because data.js maps
// a minor unit of "N.A." to 0 (parseInt("N.A.") || 0), which would make gold (XAU) look like
// a currency with 0 decimals. data.js is still used as a cross-check below.
//
// Exclusion rule: a code is kept only if List One gives it a numeric minor unit
// (<CcyMnrUnts> made of digits). Codes whose minor unit is "N.A." are left out: precious
// metals (XAU, XAG, XPD, XPT), bond-market units (XBA, XBB, XBC, XBD), the IMF SDR (XDR),
// the ADB unit of account (XUA), SUCRE (XSU), the testing code (XTS) and "no currency" (XXX).
// Entries with no currency at all (e.g. Antarctica) are skipped. Funds that do have a minor
// unit (CLF 4, UYW 4, USN 2, BOV 2, ...) are kept: List One lists them as active codes.
//
// Run: cd infra/iso4217 && (npm ci --offline || npm ci) && node generate.mjs

import { readFileSync, writeFileSync, mkdirSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';

const here = dirname(fileURLToPath(import.meta.url));
const require = createRequire(import.meta.url);
const pkgDir = dirname(require.resolve('currency-codes/package.json'));
const pkg = JSON.parse(readFileSync(join(pkgDir, 'package.json'), 'utf8'));
const cc = require('currency-codes');
const out = join(here, '..', '..', 'contracts', 'Attribution.Contracts', 'Reference', 'iso4217.json');

function fail(message) {
  console.error(`generate.mjs: ${message}`);
  process.exit(1);
}

const xml = readFileSync(join(pkgDir, 'iso-4217-list-one.xml'), 'utf8');
const published = /<ISO_4217\s+Pblshd="([^"]+)"/.exec(xml)?.[1];
if (!published) fail('iso-4217-list-one.xml has no <ISO_4217 Pblshd="..."> header');
if (cc.publishDate && cc.publishDate !== published) {
  fail(`package publishDate ${cc.publishDate} differs from the XML's ${published}`);
}

const tag = (entry, name) => new RegExp(`<${name}[^>]*>([^<]*)</${name}>`).exec(entry)?.[1].trim();

const currencies = new Map(); // code -> minor units
const excluded = new Set();   // codes whose minor unit is N.A.
const entries = xml.match(/<CcyNtry>[\s\S]*?<\/CcyNtry>/g) ?? [];
if (entries.length === 0) fail('no <CcyNtry> entries in iso-4217-list-one.xml');

for (const entry of entries) {
  const code = tag(entry, 'Ccy');
  if (code === undefined) continue; // a country with no universal currency (e.g. Antarctica)
  if (!/^[A-Z]{3}$/.test(code)) fail(`unexpected currency code "${code}"`);
  const units = tag(entry, 'CcyMnrUnts');
  if (units === 'N.A.') {
    excluded.add(code);
    continue;
  }
  if (units === undefined || !/^\d+$/.test(units)) fail(`${code}: unexpected minor unit "${units}"`);
  const digits = Number(units);
  if (currencies.has(code) && currencies.get(code) !== digits) {
    fail(`${code}: conflicting minor units ${currencies.get(code)} and ${digits}`);
  }
  currencies.set(code, digits);
}
for (const code of excluded) {
  if (currencies.has(code)) fail(`${code}: minor unit is both N.A. and ${currencies.get(code)}`);
}

// Cross-check against the package's own parsed data: same codes, same minor units.
const dataCodes = new Set(cc.data.map((c) => c.code));
for (const c of cc.data) {
  if (currencies.has(c.code)) {
    if (currencies.get(c.code) !== c.digits) {
      fail(`${c.code}: XML says ${currencies.get(c.code)} decimals, data.js says ${c.digits}`);
    }
  } else if (!excluded.has(c.code)) {
    fail(`${c.code} is in data.js but not in iso-4217-list-one.xml`);
  }
}
for (const code of [...currencies.keys(), ...excluded]) {
  if (!dataCodes.has(code)) fail(`${code} is in iso-4217-list-one.xml but not in data.js`);
}

// Sanity checks on well-known values; a source that gets these wrong is not used.
const expected = { USD: 2, EUR: 2, GBP: 2, JPY: 0, KRW: 0, KWD: 3, BHD: 3, CLF: 4 };
for (const [code, digits] of Object.entries(expected)) {
  if (currencies.get(code) !== digits) fail(`${code}: expected ${digits}, got ${currencies.get(code)}`);
}
for (const code of ['XAU', 'XTS', 'XXX']) {
  if (currencies.has(code)) fail(`${code} must be excluded`);
}
if (currencies.size < 140 || currencies.size > 200) fail(`implausible code count ${currencies.size}`);

const sorted = Object.fromEntries([...currencies.entries()].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)));
const table = { source: `${pkg.name}@${pkg.version}`, currencies: sorted };

mkdirSync(dirname(out), { recursive: true });
writeFileSync(out, JSON.stringify(table, null, 2) + '\n');
console.log(
  `wrote ${relative(process.cwd(), out)}: ${currencies.size} codes from ${table.source} ` +
    `(ISO 4217 list published ${published}); excluded (minor unit N.A.): ${[...excluded].sort().join(' ')}`,
);
