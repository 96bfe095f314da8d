#!/usr/bin/env bash
# Set up, then run `musictool demo`: the daemon on bundled sample data (a Traktor collection.nml and a Discogs
# collection served by a small built-in stand-in), synced, with the status and the first gaps printed. Needs
# nothing but this clone. The daemon keeps running until Ctrl-C; extra arguments go to `musictool demo`
# (e.g. --exit, --dir). MUSICTOOL_VENV=/path/to/venv uses an existing virtualenv instead of .venv.
set -euo pipefail
cd "$(dirname "$0")/.."
./scripts/setup.sh --demo
VENV=${MUSICTOOL_VENV:-.venv}
# this clone's code, whichever virtualenv runs it
export PYTHONPATH="$PWD/daemon:$PWD/tray${PYTHONPATH:+:$PYTHONPATH}"
exec "$VENV/bin/python" -m musictool demo --dir "${MUSICTOOL_DEMO_HOME:-$PWD/demo-home}" "$@"
