#!/bin/sh
# Makes sure the cluster tests have ZooKeeper: two ClickHouse 18.16 servers
# on loopback as the shards of a cluster need it for distributed DDL (ON
# CLUSTER) and for replicated tables (chlocal.StartZooKeeper runs it
# standalone, from Debian's package, on a free port). With it there this does
# nothing; on a Debian machine without it, it installs it (as root) and says
# so. About 10 s here, with Java already installed for LibreOffice.
set -e
if [ -f /usr/share/java/zookeeper.jar ] && command -v java >/dev/null 2>&1; then
  exit 0
fi
if [ "$(id -u)" != 0 ]; then
  echo "ZooKeeper is missing: as root, apt-get update && apt-get install -y zookeeper" >&2
  exit 1
fi
echo "installing Debian's zookeeper for the cluster tests"
export DEBIAN_FRONTEND=noninteractive
apt-get update -q >/dev/null
apt-get install -y -q --no-install-recommends zookeeper default-jre-headless >/dev/null
