#!/usr/bin/env bash
# Set up and start MusicTool on bundled demo data: a sample Traktor collection and a sample Discogs
# collection served by a local stand-in for the Discogs API. The daemon keeps running until Ctrl-C.
set -euo pipefail
cd "$(dirname "$0")/.."
./scripts/setup.sh
export PYTHONPATH="$PWD${PYTHONPATH:+:$PYTHONPATH}"
export MUSICTOOL_HOME="${MUSICTOOL_DEMO_HOME:-$PWD/demo-home}"
PY=.venv/bin/python
MT=.venv/bin/musictool

free_port() { "$PY" -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'; }
API_PORT=${MUSICTOOL_DEMO_PORT:-7667}
"$PY" -c "import socket,sys; s=socket.socket(); s.bind(('127.0.0.1', $API_PORT))" 2>/dev/null || API_PORT=$(free_port)
DISCOGS_PORT=$(free_port)

rm -rf "$MUSICTOOL_HOME"
mkdir -p "$MUSICTOOL_HOME"
"$PY" scripts/demo_collection.py "$MUSICTOOL_HOME/Traktor" --releases 40
cat > "$MUSICTOOL_HOME/config.toml" <<TOML
[api]
port = $API_PORT

[traktor]
collection = "$MUSICTOOL_HOME/Traktor/collection.nml"

[discogs]
username = "demo"
token = "demo-token"
base_url = "http://127.0.0.1:$DISCOGS_PORT"
poll_interval = 600
TOML

pids=()
cleanup() {
  for pid in "${pids[@]}"; do kill -TERM "$pid" 2>/dev/null || true; done
  wait 2>/dev/null || true
}
trap cleanup EXIT INT TERM

"$PY" -m testkit.fakes.discogs --port "$DISCOGS_PORT" --username demo --token demo-token --releases 40 \
  > "$MUSICTOOL_HOME/fake-discogs.log" 2>&1 &
pids+=($!)
"$MT" serve > "$MUSICTOOL_HOME/daemon-output.log" 2>&1 &
daemon=$!
pids+=($daemon)
for _ in $(seq 100); do
  [ -f "$MUSICTOOL_HOME/daemon.json" ] && break
  kill -0 "$daemon" 2>/dev/null || { cat "$MUSICTOOL_HOME/daemon-output.log"; exit 1; }
  sleep 0.2
done

API_PORT=$("$PY" -c "import json,sys; print(json.load(open(sys.argv[1]))['port'])" "$MUSICTOOL_HOME/daemon.json")

echo
echo "== syncing the demo Discogs collection"
"$MT" sync discogs
"$MT" jobs  # waits for matching and the rest of the queue
echo
echo "== status"
"$MT" status
echo
echo "== the first gaps: tracks on your records that are not in your DJ library"
"$MT" gaps --limit 10 || true
cat <<INFO

MusicTool is running on the demo data.
  API:    http://127.0.0.1:$API_PORT/api/v1   (try: curl -H "Authorization: Bearer \$(cat $MUSICTOOL_HOME/api-token)" http://127.0.0.1:$API_PORT/api/v1/gaps)
  token:  $MUSICTOOL_HOME/api-token
  home:   $MUSICTOOL_HOME (config.toml, musictool.db, logs/)
  more:   MUSICTOOL_HOME=$MUSICTOOL_HOME $MT tracks | playlists | gaps | plan --budget 50 | jobs --all
Press Ctrl-C to stop.
INFO
wait "$daemon"
