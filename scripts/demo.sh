#!/usr/bin/env bash
# The main job end to end on the sample report, in a throw-away git repository under build/demo
# so the demo never changes this checkout: import, validate, fill in, sign off, gate, render,
# release, verify, and open next year's cycle; then the same approval pipeline as a Prefect flow.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
work="$root/build/demo"
rm -rf "$work"
mkdir -p "$work"
cd "$work"
git init -q -b main .
export REPORTFLOW_LOG="$work/reportflow.log" COLUMNS=${COLUMNS:-140}
export PREFECT_HOME="$work/prefect" PREFECT_SERVER_ANALYTICS_ENABLED=false DO_NOT_TRACK=1
# the demo pins its trust root in its own config folder, never in the user's (README, "Trust root")
export XDG_CONFIG_HOME="$work/config"
# and what its verify and release have seen (the rollback check) in its own state folder: a
# second demo in the same place is a new repository, not a rollback of the first
export XDG_STATE_HOME="$work/state"
unset REPORTFLOW_TRUST
# the embedded server gets 20 s to start by default: not enough on a busy PC
export PREFECT_SERVER_EPHEMERAL_STARTUP_TIMEOUT_SECONDS=${PREFECT_SERVER_EPHEMERAL_STARTUP_TIMEOUT_SECONDS:-120}
as() {  # run a command as one of the report's people (git author and committer)
  local who=$1; shift
  local name email
  name=$(python - "$who" <<'PY'
import sys, yaml
p = yaml.safe_load(open("content/political-ecology/2022/report.yaml", encoding="utf-8"))["people"][sys.argv[1]]
print(p["name"])
PY
)
  email="$who@example.gov.cn"
  GIT_AUTHOR_NAME="$name" GIT_AUTHOR_EMAIL="$email" GIT_COMMITTER_NAME="$name" \
    GIT_COMMITTER_EMAIL="$email" "$@"
}
step() { printf '\n\033[1m== %s\033[0m\n' "$*"; }
report=content/political-ecology/2022

# demo keys are committed world-readable; ssh-keygen wants private keys to be private
mkdir -p keys
for k in "$root"/demo/keys/*; do
  case "$k" in *.pub|*.md) continue ;; esac
  cp "$k" keys/ && chmod 600 "keys/$(basename "$k")"
done

step "import last year's report (plain text) into a report folder"
reportflow import "$root/samples/political-ecology-self-assessment-2022.txt" \
  --report political-ecology --year 2022 --template political-ecology-self-assessment \
  --title "区政府党组2022年政治生态自评情况报告" --organisation "区政府党组" \
  --owner office-director --into imported
ls imported/political-ecology/2022/sections

step "the sample report as kept in the repository (people, keys and policy added)"
mkdir -p content/political-ecology
cp -r "$root/$report" content/political-ecology/
as office-director git add content
as office-director git commit -q -m "political-ecology 2022: import the sample report"
reportflow status "$report"

step "the trust root: the demo root (party secretary, office director, records officer; 2 of 3)"
mkdir -p trust && cp "$root/demo/trust/root-v1.json" trust/
as party-secretary git add trust && as party-secretary git commit -q -m "trust: the demo root v1"
reportflow gate "$report" || echo "(exit $?: no machine trusts a root it was not told about)"
pin=$(python -c "
from pathlib import Path
from reportflow.signoff import trust
print(trust.parse(Path('trust/root-v1.json').read_bytes(), 'root').digest)")
reportflow trust pin "$pin"   # the digest an office prints on the approval sheet
reportflow trust show
as party-secretary reportflow trust approve-roster "$report" --as party-secretary --key keys/party-secretary
as office-director reportflow trust approve-roster "$report" --as office-director --key keys/office-director

step "validate: the redacted figures (***) are still missing"
reportflow validate "$report" | tail -n 8 || echo "(exit $?: errors block approval)"

step "the office director fills in the figures"
for f in "$report"/sections/*.md; do
  sed -i 's/\\\*\\\*\\\*/12/g; s/\\\*\\\*/某/g' "$f"
done
as office-director git commit -q -am "fill in the figures"
reportflow validate "$report"

step "a deputy head approves each section, the party secretary the report (SSH-signed)"
for s in preface situation problems measures; do
  as deputy-head-1 reportflow signoff "$report" --section "$s" --as deputy-head-1 \
    --key keys/deputy-head-1 -m "同意"
done
reportflow gate "$report" || echo "(exit $?: the final approval is still missing)"
as party-secretary reportflow signoff "$report" --report --as party-secretary \
  --key keys/party-secretary -m "同意报出"
reportflow gate "$report"
reportflow status "$report"

step "render a draft (watermarked with the commit) and release version 1"
reportflow render "$report" --to docx,pdf,html --out drafts
ls -l drafts
# releasing signs the tag, the archived manifest and a release record: a releaser's key
# (policy.release, by default the final approvers), not a clerk's
as party-secretary reportflow release "$report" --key keys/party-secretary
reportflow versions "$report"

step "verify the archived version, as an auditor would years later"
reportflow verify "$report" --all

step "open next year's cycle from the approved version"
python - <<'PY'
from pathlib import Path
from reportflow.cycle import nextyear
opened = nextyear.open_next(Path("content/political-ecology"))
print(f"opened {opened.path} from {opened.source}; owners: {', '.join(opened.owners)}")
PY
reportflow status content/political-ecology/2023

step "the same approval pipeline as a Prefect flow (local embedded server)"
as office-director git add content && as office-director git commit -q -m "open 2023"
printf '\n四是补充一点。\n' >> "$report/sections/02-problems.md"
as office-director git commit -q -am "problems: a fourth point"
# only the changed section needs a new approval: the other three keep theirs (same text)
reportflow status "$report"
as deputy-head-2 reportflow signoff "$report" --section problems --as deputy-head-2 \
  --key keys/deputy-head-2 -m "同意"
as party-secretary reportflow signoff "$report" --report --as party-secretary --key keys/party-secretary
as party-secretary python -c "
from reportflow.flows.release import release_flow
print(release_flow('$report', release_key='keys/party-secretary'))
"
reportflow verify "$report" --all | tail -n 3

printf '\ndemo finished: %s\n' "$work"
