#!/bin/sh
# Makes sure the browser tests and the export tests have what they need:
# Debian's Chromium (headless, driven by browsertest), the smallest
# LibreOffice that converts an .xlsx with `libreoffice --headless
# --convert-to csv|pdf` (Calc without its GUI), and fonts with Vietnamese
# glyphs for screenshots and PDFs. With everything there it does nothing; on a
# Debian machine missing any, it installs them (as root) and says so. About
# 230 MB of packages; the install took about 25 seconds here.
#
# Reading an export back (about 1.2 s from cold), each sheet to NAME-SHEET.csv
# in UTF-8, cells as shown:
#   libreoffice -env:UserInstallation=file://$DIR/profile --headless \
#     --convert-to 'csv:Text - txt - csv (StarCalc):44,34,76,1,,0,false,true,true,false,false,-1' \
#     --outdir "$DIR/out" export.xlsx
# Give each run a profile folder of its own: two runs that share one (the
# default is ~/.config/libreoffice) fail, one of them with "source file could
# not be loaded" and exit status 0, so check that the output exists. Without
# the option HOME must be writable. Plain --convert-to csv writes only the
# first sheet, and not in UTF-8.
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
