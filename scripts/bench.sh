#!/usr/bin/env bash
# Run every benchmark in bench/; each prints its figures and ratios against a baseline.
set -euo pipefail
cd "$(dirname "$0")/.."
shopt -s nullglob
for b in bench/bench_*.py; do
  echo "== $b"
  python "$b"
done
