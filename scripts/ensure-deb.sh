#!/usr/bin/env bash
# Install the Debian packages reportflow needs (CJK fonts, poppler-utils, ...) when run as root;
# otherwise list what is missing and stop. A second run installs nothing.
set -euo pipefail
missing=()
for pkg in "$@"; do
  dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q "install ok installed" || missing+=("$pkg")
done
[ ${#missing[@]} -eq 0 ] && exit 0
if [ "$(id -u)" -eq 0 ] && command -v apt-get >/dev/null; then
  echo "installing Debian packages: ${missing[*]}"
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq
  apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
else
  echo "reportflow needs these Debian packages; install them and run again:" >&2
  echo "  sudo apt-get install ${missing[*]}" >&2
  exit 1
fi
