#!/usr/bin/env bash
# The main job end to end on the sample report, in a throw-away git repository under build/demo
# so the demo never changes this checkout.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
work="$root/build/demo"
rm -rf "$work"
mkdir -p "$work"
cd "$work"
export GIT_AUTHOR_NAME="区政府办公室主任" GIT_AUTHOR_EMAIL="office-director@example.gov.cn"
export GIT_COMMITTER_NAME="$GIT_AUTHOR_NAME" GIT_COMMITTER_EMAIL="$GIT_AUTHOR_EMAIL"
git init -q -b main .

step() { printf '\n\033[1m== %s\033[0m\n' "$*"; }

step "import last year's report (plain text) into a report folder"
reportflow import "$root/samples/political-ecology-self-assessment-2022.txt" \
  --report political-ecology --year 2022 --template political-ecology-self-assessment \
  --title "区政府党组2022年政治生态自评情况报告" --organisation "区政府党组" \
  --owner office-director --into imported
ls imported/political-ecology/2022/sections

step "the sample report as kept in the repository"
mkdir -p content/political-ecology
cp -r "$root/content/political-ecology/2022" content/political-ecology/
git add content && git commit -q -m "political-ecology 2022: import the sample report"
reportflow status content/political-ecology/2022
reportflow status content/political-ecology/2022 --format json > status.json
python -c "import json; d=json.load(open('status.json')); print(len(d['sections']), 'sections in status.json')"

step "open next year's cycle from this year's text"
reportflow new political-ecology 2023 --from content/political-ecology/2022 --into content
reportflow status content/political-ecology/2023

printf '\ndemo finished: %s\n' "$work"
