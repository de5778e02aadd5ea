#!/bin/sh
# Makes sure libchdb, current ClickHouse as a library, is where chdb-go loads
# it (/usr/local/lib). The suite of current ClickHouse (go test -tags chdb)
# needs it. It comes from the npm package @chdb/lib-linux-x64-gnu.
set -e
VERSION=26.7.3-stable.1
if [ -f /usr/local/lib/libchdb.so ]; then
  exit 0
fi
if ! command -v npm >/dev/null 2>&1; then
  if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then
    echo "motcua: installing npm with apt-get to fetch libchdb..."
    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq npm >/dev/null
  else
    echo "motcua: the current-ClickHouse tests need libchdb; install npm, or put libchdb.so in /usr/local/lib" >&2
    exit 1
  fi
fi
if [ ! -w /usr/local/lib ]; then
  echo "motcua: cannot write /usr/local/lib to install libchdb.so; run as root" >&2
  exit 1
fi
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
echo "motcua: fetching libchdb $VERSION (npm @chdb/lib-linux-x64-gnu, about 180 MB)..."
(cd "$tmp" && npm pack --silent "@chdb/lib-linux-x64-gnu@$VERSION" >/dev/null && tar xzf chdb-lib-linux-x64-gnu-*.tgz package/libchdb.so)
cp "$tmp/package/libchdb.so" /usr/local/lib/libchdb.so
ldconfig 2>/dev/null || true
echo "motcua: installed /usr/local/lib/libchdb.so"
