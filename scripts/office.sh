#!/usr/bin/env bash
# The README's "Your own report, step by step", run as written: its ```sh blocks, in order, in
# one shell, in a fresh temp folder (or the folder given as $1), so the README's commands are
# the tested ones. A block starting with "# PC: <person>" runs with that person's home folder
# (their own git config and keys); any other block on the office director's PC.
# Not shown in the README, done here: last year's Word file, made from samples/ with pandoc.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
work=${1:-$(mktemp -d "${TMPDIR:-/tmp}/reportflow-office.XXXXXX")}
mkdir -p "$work/mail"
work=$(cd "$work" && pwd)

# Every PC's git reads its own ~/.gitconfig, and reportflow its own pin (~/.config) and seen
# state (~/.local/state), nothing the caller set.
unset GIT_AUTHOR_NAME GIT_AUTHOR_EMAIL GIT_COMMITTER_NAME GIT_COMMITTER_EMAIL \
  GIT_CONFIG_GLOBAL GIT_DIR GIT_WORK_TREE EMAIL REPORTFLOW_TRUST XDG_CONFIG_HOME XDG_STATE_HOME
export GIT_CONFIG_NOSYSTEM=1 REPORTFLOW_LOG="$work/reportflow.log" COLUMNS=${COLUMNS:-140}

# Last year's report as the office has it: a Word file (the sample with a title line; every
# line one paragraph, ASCII punctuation escaped so that pandoc keeps *** as text).
python - "$root/samples/political-ecology-self-assessment-2022.txt" "$work/mail/last-year.docx" <<'PY'
import re
import sys

import pypandoc

lines = open(sys.argv[1], encoding="utf-8").read().splitlines()
lines = ["区政府党组2022年政治生态自评情况报告", *lines]
md = "\n\n".join(re.sub(r"([!-/:-@\[-`{-~])", r"\\\1", x) for x in lines if x.strip())
pypandoc.convert_text(md, "docx", format="commonmark", outputfile=sys.argv[2])
PY

# The README's steps as one script: "== step N (PC)" and the block, then the block itself.
python - "$root/README.md" >"$work/steps.sh" <<'PY'
import re
import shlex
import sys

text = open(sys.argv[1], encoding="utf-8").read()
start = text.index("\n## Your own report, step by step\n")
end = text.find("\n## ", start + 1)
section = text[start : end if end != -1 else len(text)]
blocks = re.findall(r"^```sh\n(.*?)^```$", section, flags=re.M | re.S)
if not blocks:
    sys.exit("README: no ```sh block in 'Your own report, step by step'")
for n, block in enumerate(blocks, 1):
    pc = re.match(r"# PC: ([a-z0-9-]+)\n", block)
    person = pc.group(1) if pc else "office-director"
    print(f'export HOME="$work/pc-{person}"; mkdir -p "$HOME"')
    print(f"printf '\\n\\033[1m== step %s (PC: %s)\\033[0m\\n%s' {n} {person} {shlex.quote(block)}")
    print(block)
PY

cd "$work"
export work
bash -euo pipefail "$work/steps.sh"
printf '\noffice walkthrough finished: %s\n' "$work"
