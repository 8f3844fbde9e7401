#!/usr/bin/env bash
# Vendors Chart.js into the gateway's static dashboard page.
#
# Why: the Revenue Impact page (services/Attribution.Gateway/wwwroot/dashboard/) is plain static
# files served by the gateway; nothing is built or fetched at run time. The chart library is
# therefore committed to the repo as one file, and this script is the only way it gets there:
# the version is pinned by package.json + package-lock.json (integrity-checked by `npm ci`).
#
# Offline: `npm ci --prefer-offline` installs from the npm cache (~/.npm/_cacache) when the
# locked tarballs are already in it, so after one online run the script works without network.
#
# To upgrade: change the version in package.json, run `npm install --package-lock-only`
# here, then this script, and commit package*.json together with the vendor/ files.
set -euo pipefail

cd "$(dirname "${BASH_SOURCE[0]}")"
rel="services/Attribution.Gateway/wwwroot/dashboard/vendor"
dest="../../$rel"

npm ci --no-audit --no-fund --prefer-offline

dist="node_modules/chart.js/dist"
if [[ -f "$dist/chart.umd.js" ]]; then
  src="$dist/chart.umd.js"
elif [[ -f "$dist/chart.umd.min.js" ]]; then
  src="$dist/chart.umd.min.js"
else
  echo "vendor.sh: no chart.umd.js or chart.umd.min.js in $dist" >&2
  exit 1
fi

mkdir -p "$dest"
# Drop the trailing sourceMappingURL comment: the .map is not vendored, so browsers' dev tools
# would otherwise request a file the gateway does not have.
sed '/^\/\/# sourceMappingURL=/d' "$src" > "$dest/chart.umd.js"
cp node_modules/chart.js/LICENSE.md "$dest/chart.js.LICENSE.md"

version="$(node -p 'require("./node_modules/chart.js/package.json").version')"
echo "vendored chart.js $version -> $rel/chart.umd.js"
