#!/bin/sh
# Makes sure the browser tests and the export tests have what they need:
# Debian's Chromium (headless, driven by browsertest), the smallest
# LibreOffice that converts an .xlsx with `libreoffice --headless
# --convert-to csv|pdf` (Calc without its GUI), and fonts with Vietnamese
# glyphs for screenshots and PDFs. With everything there it does nothing; on a
# Debian machine missing any, it installs them (as root) and says so. About
# 230 MB of packages; the install took about 25 seconds here.
set -e
PACKAGES="chromium libreoffice-calc-nogui fonts-dejavu-core fonts-liberation"
missing=""
command -v chromium >/dev/null 2>&1 || missing="$missing chromium"
command -v libreoffice >/dev/null 2>&1 || missing="$missing libreoffice"
if command -v dpkg-query >/dev/null 2>&1; then
  for f in fonts-dejavu-core fonts-liberation; do
    dpkg-query -W -f='${Status}' "$f" 2>/dev/null | grep -q 'install ok installed' || missing="$missing $f"
  done
fi
if [ -z "$missing" ]; then
  exit 0
fi
if [ "$(id -u)" != 0 ] || ! command -v apt-get >/dev/null 2>&1; then
  echo "motcua's browser and export tests need:$missing. On Debian, as root:" >&2
  echo "  apt-get update && apt-get install -y --no-install-recommends $PACKAGES" >&2
  exit 1
fi
echo "motcua: missing$missing; installing $PACKAGES with apt-get..."
start=$(date +%s)
apt-get update -qq
DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends $PACKAGES >/dev/null
echo "motcua: installed $(dpkg-query -W -f='chromium ${Version}' chromium), $(dpkg-query -W -f='libreoffice-calc-nogui ${Version}' libreoffice-calc-nogui) in $(($(date +%s) - start))s"
