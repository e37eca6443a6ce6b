#!/usr/bin/env bash
# Install the Fandol fonts (FandolFang = 仿宋, FandolKai = 楷体, FandolHei, FandolSong) for the
# PDF when run as root; they are the only free 仿宋 on Debian. They ship only inside
# texlive-lang-chinese (49 MB, with a large TeX dependency tree), so we fetch that one .deb
# with apt-get and copy the four font families out of it instead of installing TeX.
# Without them the PDF still renders: 仿宋 falls back to Noto Serif CJK SC, 楷体 to AR PL UKai.
set -euo pipefail
dest=/usr/local/share/fonts/fandol
[ -f "$dest/FandolFang-Regular.otf" ] && exit 0
if [ "$(id -u)" -ne 0 ] || ! command -v apt-get >/dev/null; then
  echo "note: Fandol fonts not installed (run 'make deb' as root to add them); the PDF uses Noto fonts" >&2
  exit 0
fi
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
cd "$tmp"
chmod 777 "$tmp"  # apt-get download runs as the _apt user
apt-get download -qq texlive-lang-chinese >/dev/null 2>&1 || { apt-get update -qq && apt-get download -qq texlive-lang-chinese; }
dpkg-deb -x texlive-lang-chinese_*.deb x
mkdir -p "$dest"
cp x/usr/share/texlive/texmf-dist/fonts/opentype/public/fandol/Fandol{Fang,Kai,Hei,Song}-*.otf "$dest/"
fc-cache -f "$dest" >/dev/null 2>&1 || true
echo "installed Fandol fonts into $dest"
