#!/usr/bin/env bash
# Set up a fresh machine for MusicTool: system tools (when root), a virtualenv in .venv, the package, its dev
# tools and the bench extra (librosa, what the analysis bench compares with). `setup.sh --demo` (what demo.sh
# runs) installs only what MusicTool itself needs. MUSICTOOL_VENV=/path/to/venv uses that virtualenv instead
# and installs nothing into it.
set -euo pipefail
cd "$(dirname "$0")/.."

need_apt=()
command -v fpcalc >/dev/null 2>&1 || need_apt+=(libchromaprint-tools)
command -v ffmpeg >/dev/null 2>&1 || need_apt+=(ffmpeg)
# --demo: only what MusicTool itself needs (the demo); without it also what the tests drive
demo=false
[ "${1:-}" = --demo ] && demo=true
if [ "$demo" = false ]; then
  # the browser-extension and dashboard tests drive Debian's chromium through Playwright (no browser download)
  [ -x /usr/bin/chromium ] || need_apt+=(chromium)
  # the extension's package check also runs its scripts through `node --check`
  command -v node >/dev/null 2>&1 || need_apt+=(nodejs)
  if [ "$(uname -s)" = Linux ]; then
    # the desktop companion and its tests (tests/desktop fail, not skip, without these): an X server and an
    # XEmbed tray to dock in, pointer/keyboard driving and screenshots, a D-Bus session, GTK for pystray's
    # gtk backend, the libraries PyGObject and dbus-python build against, and the service-file validators
    for pair in Xvfb:xvfb xauth:xauth xdotool:xdotool xwininfo:x11-utils xwd:x11-apps import:imagemagick \
        trayer:trayer dbus-daemon:dbus dbus-launch:dbus-x11 systemd-analyze:systemd \
        desktop-file-validate:desktop-file-utils pkg-config:pkg-config gcc:gcc; do
      command -v "${pair%%:*}" >/dev/null 2>&1 || need_apt+=("${pair#*:}")
    done
    for pkg in gir1.2-gtk-3.0 libgirepository1.0-dev libcairo2-dev libdbus-1-dev libglib2.0-dev; do
      dpkg -s "$pkg" >/dev/null 2>&1 || need_apt+=("$pkg")
    done
  fi
fi
if [ ${#need_apt[@]} -gt 0 ]; then
  if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then
    echo "setup: installing ${need_apt[*]} (apt)"
    apt-get update -qq
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${need_apt[@]}" >/dev/null
  else
    echo "setup: please install ${need_apt[*]} (Debian/Ubuntu: sudo apt-get install ${need_apt[*]})" >&2
  fi
fi

if [ -n "${MUSICTOOL_VENV:-}" ]; then
  # an existing virtualenv the caller looks after (CI caches, a shared venv): use it as it is, install nothing
  if ! "$MUSICTOOL_VENV/bin/python" -c 'import aiohttp, aiosqlite, lxml, rich' 2>/dev/null; then
    echo "setup: $MUSICTOOL_VENV lacks MusicTool's dependencies; pip install -e '.[dev,bench]' into it first" >&2
    exit 1
  fi
  exit 0
fi

export PLAYWRIGHT_SKIP_BROWSER_DOWNLOAD=1
PY=${PYTHON:-python3}
if [ ! -x .venv/bin/python ]; then
  echo "setup: creating .venv"
  "$PY" -m venv .venv
fi
stamp=.venv/.musictool-installed  # the package with its dev and bench extras
target=".[dev,bench]"
if [ "$demo" = true ] && { [ ! -f "$stamp" ] || [ pyproject.toml -nt "$stamp" ]; }; then
  stamp=.venv/.musictool-installed-lean  # the demo needs the package alone
  target="."
fi
if [ ! -f "$stamp" ] || [ pyproject.toml -nt "$stamp" ]; then
  echo "setup: installing MusicTool ($target) and its dependencies into .venv"
  log=.venv/pip-install.log
  if ! { .venv/bin/python -m pip install --upgrade pip && .venv/bin/python -m pip install -e "$target"; } >"$log" 2>&1; then
    tail -40 "$log" >&2
    echo "setup: installing failed; the whole log is in $log" >&2
    exit 1
  fi
  touch "$stamp"
fi
