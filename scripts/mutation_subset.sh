#!/bin/sh
# One module's mutation run with its own fast test selection (bench/MUTATION.md).
#
#   scripts/mutation_subset.sh <work dir> <file to mutate> '<mutant names or globs>' <tests...>
#   e.g. scripts/mutation_subset.sh /tmp/mut-archive reportflow/release/archive.py \
#          'reportflow.release.archive*' tests/test_archive_exact.py
#
# Why: [tool.mutmut] in pyproject.toml holds one test selection for every module, and mutmut
# runs each mutant against every selected test that executed its function. For the ledger
# that includes test_passkeys' and test_decisions' CLI tests (20-90 s each, run in a
# subprocess, where no mutant is seen), which made a run of the ledger take an hour. A copy of
# the tracked tree in <work dir>, its pyproject mutating only <file> against <tests>, gives the
# same kills in minutes (a narrower selection can only kill fewer mutants: the score is a lower
# bound of the full selection's). The worktree and its pyproject.toml are not touched.
#
# MUTMUT_TIMEOUT_MULTIPLIER=N (default mutmut's 15): mutmut kills a mutant's run after
# (the selection's measured test time + 1 s) x N of wall time; the measured time leaves out a
# module fixture's setup, so release's in-process tests (a real release in the fixture, 17 s)
# were all "timeouts" on a busy machine. 60 gives them their real verdict.
# MUTMUT_PROCESS_ISOLATION=forkserver: each mutant's run forked from a process that imported
# pytest but ran nothing, not from mutmut's own, which ran the tests once (the stats) and so
# holds the locks of the thread pools and git readers those tests started: release's mutants
# forked from it hung until the timeout, every one (killed in 5 s when run by hand).
set -eu
work=$1 only=$2 names=$3
shift 3
root=$(cd "$(dirname "$0")/.." && pwd)
rm -rf "$work" && mkdir -p "$work"
(cd "$root" && git ls-files -z | xargs -0 -I{} cp --parents {} "$work/")
cd "$work"
"$root/.venv/bin/python" - "$only" "$@" <<'PY'
import re
import sys

only, tests = sys.argv[1], sys.argv[2:]
s = open("pyproject.toml", encoding="utf-8").read()
s = re.sub(r"only_mutate = \[[^\]]*\]", f'only_mutate = ["{only}"]', s)
listed = "".join(f'  "{t}",\n' for t in tests)
s = re.sub(
    r"pytest_add_cli_args_test_selection = \[[^\]]*\]",
    "pytest_add_cli_args_test_selection = [\n" + listed + "]",
    s,
)
multiplier = __import__("os").environ.get("MUTMUT_TIMEOUT_MULTIPLIER")
if multiplier:
    s = s.replace("[tool.mutmut]\n", f"[tool.mutmut]\ntimeout_multiplier = {float(multiplier)}\n", 1)
isolation = __import__("os").environ.get("MUTMUT_PROCESS_ISOLATION")
if isolation:
    s = s.replace("[tool.mutmut]\n", f'[tool.mutmut]\nprocess_isolation = "{isolation}"\n', 1)
open("pyproject.toml", "w", encoding="utf-8").write(s)
PY
# shellcheck disable=SC2086 # the names are globs for mutmut, not for the shell
set -f
"$root/.venv/bin/mutmut" run --max-children 1 $names > mutants.log 2>&1 || (tail -n 30 mutants.log; exit 1)
"$root/.venv/bin/python" scripts/mutation_score.py -v
