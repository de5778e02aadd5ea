#!/bin/sh
# Makes sure a ClickHouse server binary is on PATH: the official `clickhouse`
# or Debian's `clickhouse-server`. On a Debian machine with neither, installs
# Debian's package (as root) and says so.
set -e
if command -v clickhouse >/dev/null 2>&1 || command -v clickhouse-server >/dev/null 2>&1; then
  exit 0
fi
if [ "$(id -u)" != 0 ] || ! command -v apt-get >/dev/null 2>&1; then
  echo "motcua needs ClickHouse and none is on PATH. On Debian, as root:" >&2
  echo "  apt-get update && apt-get install -y clickhouse-server clickhouse-client" >&2
  echo "or pass --clickhouse HOST:PORT of a running server." >&2
  exit 1
fi
echo "motcua: no ClickHouse on PATH; installing Debian's clickhouse-server with apt-get..."
apt-get update -qq
DEBIAN_FRONTEND=noninteractive apt-get install -y -qq clickhouse-server clickhouse-client >/dev/null
echo "motcua: installed $(dpkg-query -W -f='clickhouse-server ${Version}' clickhouse-server)"
