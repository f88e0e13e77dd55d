#!/usr/bin/env bash
# deskpulse on Android, in Termux: installs what it needs on the first run, starts deskpulse and opens the
# dashboard in the phone's browser.
#   bash start.sh            deskpulse serve (your own sources: put .env / deskpulse.toml in ~/deskpulse)
#   bash start.sh demo       the built-in demo with simulated help desks
#   bash start.sh --upgrade  install the newest deskpulse first
# Settings: DESKPULSE_HOME (default ~/deskpulse: .venv, data, .env), DESKPULSE_PACKAGE (default deskpulse; a
# path to a .whl works too), DESKPULSE_PORT (default 8000).
#
# Android has no prebuilt wheels for several native dependencies, so the first run compiles them (Rust and C;
# 10 to 30 minutes on a phone). psycopg's prebuilt "binary" variant does not exist for Android at all: the
# pure-Python psycopg is installed instead, which is all SQLite users need (PostgreSQL also wants `pkg install
# libpq`). The charts and PDF extras are left out: the dashboard shows tables instead of charts.
set -euo pipefail

home_dir="${DESKPULSE_HOME:-$HOME/deskpulse}"
package="${DESKPULSE_PACKAGE:-deskpulse}"
port="${DESKPULSE_PORT:-8000}"
venv="$home_dir/.venv"
upgrade=""
if [ "${1:-}" = "--upgrade" ]; then upgrade=1; shift; fi
command_name="${1:-serve}"
[ $# -gt 0 ] && shift

say() { printf '\n== %s\n' "$*"; }

if ! command -v python >/dev/null || ! command -v termux-open-url >/dev/null; then
  say "installing Python and the build tools (pkg)"
  pkg install -y python rust clang make binutils libffi openssl termux-tools
fi
mkdir -p "$home_dir"

if [ ! -x "$venv/bin/python" ]; then
  say "creating the Python environment in $venv"
  python -m venv "$venv"
  upgrade=1
fi
[ -f "$venv/.installed" ] || upgrade=1

if [ -n "$upgrade" ]; then
  say "installing $package (the first time compiles native parts: be patient, keep the screen on)"
  # maturin (Rust extensions such as pydantic-core) needs the Android API level to target.
  ANDROID_API_LEVEL="$(getprop ro.build.version.sdk 2>/dev/null || echo 24)"
  export ANDROID_API_LEVEL
  "$venv/bin/python" -m pip install --upgrade pip
  # deskpulse without its dependencies first, then each dependency it declares, with psycopg[binary]
  # swapped for plain psycopg (see above) and the optional extras skipped.
  "$venv/bin/python" -m pip install --upgrade --force-reinstall --no-deps "$package"
  "$venv/bin/python" - > "$venv/requirements.txt" <<'PY'
import importlib.metadata
import re

for requirement in importlib.metadata.requires("deskpulse") or []:
    if "extra ==" in requirement:
        continue
    print(re.sub(r"^psycopg\[binary\]", "psycopg", requirement))
PY
  "$venv/bin/python" -m pip install --upgrade -r "$venv/requirements.txt"
  touch "$venv/.installed"
fi

cd "$home_dir"
url="http://127.0.0.1:$port/"
case "$command_name" in
  serve | demo)
    say "starting deskpulse $command_name on $url (Ctrl+C stops it)"
    # Keep the phone from pausing Termux while it serves; released again when deskpulse stops.
    termux-wake-lock 2>/dev/null || true
    trap 'termux-wake-unlock 2>/dev/null || true' EXIT
    "$venv/bin/deskpulse" "$command_name" --port "$port" "$@" &
    server=$!
    # Open the browser once the server answers (the demo needs longer: it builds months of history first).
    for _ in $(seq 1 180); do
      kill -0 "$server" 2>/dev/null || break
      if "$venv/bin/python" -c "import sys, urllib.request; urllib.request.urlopen(sys.argv[1], timeout=2)" \
        "${url}healthz" 2>/dev/null; then
        termux-open-url "$url"
        break
      fi
      sleep 1
    done
    wait "$server"
    ;;
  *)
    exec "$venv/bin/deskpulse" "$command_name" "$@"
    ;;
esac
