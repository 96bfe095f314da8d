#!/usr/bin/env bash
# Re-vendor the dashboard's JavaScript libraries at the pinned versions from the npm registry (npm pack: no
# install scripts run). The files land in daemon/musictool/web/vendor/ with their licences; the dashboard has
# no build step, so these files are what ships. Bump a version here, run this, look at the diff, commit.
set -euo pipefail
cd "$(dirname "$0")/.."
PREACT=10.28.4
HTM=3.1.1
UPLOT=1.6.32
out=daemon/musictool/web/vendor
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

(cd "$tmp" && npm pack --silent "preact@$PREACT" "htm@$HTM" "uplot@$UPLOT" >/dev/null)
for pkg in preact htm uplot; do
  mkdir -p "$tmp/$pkg"
  tar xzf "$tmp"/$pkg-*.tgz -C "$tmp/$pkg"
done

rm -rf "$out"
mkdir -p "$out"
strip_map() { sed -e 's|//# sourceMappingURL=.*||' "$1"; }
strip_map "$tmp/preact/package/dist/preact.module.js" > "$out/preact.module.js"
# hooks import the bare specifier "preact": point it at the file beside it (no import map, no bundler)
strip_map "$tmp/preact/package/hooks/dist/hooks.module.js" | sed -e 's|from"preact"|from"./preact.module.js"|g' > "$out/hooks.module.js"
strip_map "$tmp/htm/package/dist/htm.module.js" > "$out/htm.module.js"
strip_map "$tmp/uplot/package/dist/uPlot.esm.js" > "$out/uPlot.esm.js"
cp "$tmp/uplot/package/dist/uPlot.min.css" "$out/uPlot.min.css"
cp "$tmp/preact/package/LICENSE" "$out/LICENSE.preact"
cp "$tmp/htm/package/LICENSE" "$out/LICENSE.htm"
cp "$tmp/uplot/package/LICENSE" "$out/LICENSE.uplot"
cat > "$out/VERSIONS" <<TXT
preact $PREACT (MIT) dist/preact.module.js, hooks/dist/hooks.module.js
htm $HTM (Apache-2.0) dist/htm.module.js
uplot $UPLOT (MIT) dist/uPlot.esm.js, dist/uPlot.min.css
TXT
grep -q 'from"preact"' "$out/hooks.module.js" && { echo "vendor: hooks still import bare 'preact'" >&2; exit 1; }
du -cb "$out"/*.js "$out"/*.css | tail -1 | awk '{printf "vendor: %d bytes of JS+CSS\n", $1}'
