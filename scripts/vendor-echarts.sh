#!/bin/sh
# Vendors Apache ECharts into dashboards/assets/echarts: the minified build
# that go-echarts targets, with its licence and notice, so that motcua serves
# the chart script itself and no page requests any other host. Re-running it
# gives the same files: the tarball and every file taken from it are checked
# against the sha256 sums below, and the script stops on any difference.
#
# Needs npm (it only runs `npm pack`, which installs nothing).
set -eu
VERSION=5.6.0
TARBALL_SHA256=e1b82487dd7f8d9f0438eec1f1433051148e0095ac7a15d4db890afda45cf610

cd "$(dirname "$0")/.."
dest=dashboards/assets/echarts
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

(cd "$tmp" && npm pack --silent "echarts@$VERSION" >/dev/null)
tarball="$tmp/echarts-$VERSION.tgz"
echo "$TARBALL_SHA256  $tarball" | sha256sum -c --quiet - || {
  echo "vendor-echarts: echarts-$VERSION.tgz does not have the recorded sha256" >&2
  exit 1
}
tar -xzf "$tarball" -C "$tmp" package/dist/echarts.min.js package/LICENSE package/NOTICE package/licenses/LICENSE-d3

(cd "$tmp/package" && sha256sum -c --quiet - <<SUMS
bf4a223524e40b77c304bec67e1222cf551f14880cf42c69dc046558e11c07b1  dist/echarts.min.js
634293835b43a6dd2094fa39182a3d9a6b9ca43b7fdb9ac354e8037af2a3093a  LICENSE
fa99ac3af859d0e13166906dc53a73ad34a08898da7e8ae83407275496e9e30c  NOTICE
e1211892da0b0e0585b7aebe8f98c1274fba15bafe47fa1f4ee8a7a502c06304  licenses/LICENSE-d3
SUMS
)

mkdir -p "$dest/licenses"
cp "$tmp/package/dist/echarts.min.js" "$tmp/package/LICENSE" "$tmp/package/NOTICE" "$dest/"
cp "$tmp/package/licenses/LICENSE-d3" "$dest/licenses/"
chmod 644 "$dest"/echarts.min.js "$dest"/LICENSE "$dest"/NOTICE "$dest"/licenses/LICENSE-d3
echo "vendor-echarts: echarts $VERSION in $dest"
