#!/usr/bin/env bash
# Run every benchmark in bench/; each prints its figures and ratios against a baseline.
set -euo pipefail
cd "$(dirname "$0")/.."
# Byte-compile our own modules first: where PYTHONDONTWRITEBYTECODE is set (as on the CI
# machines) Python would otherwise compile them from source in every process it starts.
python -m compileall -q reportflow flows
shopt -s nullglob
for b in bench/bench_*.py; do
  echo "== $b"
  python "$b"
done
