#!/usr/bin/env bash
# Set up (if needed) and run everything CI runs: lint, the benchmarks as a smoke run, then the whole test suite.
set -euo pipefail
cd "$(dirname "$0")/.."
./scripts/setup.sh
export PYTHONPATH="$PWD${PYTHONPATH:+:$PYTHONPATH}"
export MUSICTOOL_SHARED="${MUSICTOOL_SHARED:-$(cd .. && pwd)/shared}"

echo "== ruff"
.venv/bin/ruff check daemon tray tests testkit bench scripts

echo "== benchmarks (smoke)"
for bench in bench/*.py; do
  case "$bench" in */_*) continue ;; esac
  if grep -q -- "--smoke" "$bench"; then
    echo "-- $bench --smoke"
    .venv/bin/python "$bench" --smoke
  fi
done

echo "== tests"
exec .venv/bin/python -m pytest -p no:cacheprovider -n "${PYTEST_WORKERS:-2}" --dist loadfile "$@"
