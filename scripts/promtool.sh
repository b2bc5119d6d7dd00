#!/bin/sh
# Runs promtool with the given arguments: the one on PATH, else one taken
# from Debian's "prometheus" package into .cache/promtool (downloaded, not
# installed: nothing outside the repository changes).
set -eu
if command -v promtool >/dev/null 2>&1; then
  exec promtool "$@"
fi
cache="$(cd "$(dirname "$0")/.." && pwd)/.cache/promtool"
bin="$cache/usr/bin/promtool"
if [ ! -x "$bin" ]; then
  if ! command -v apt-get >/dev/null 2>&1; then
    echo "promtool: not on PATH and no apt-get to fetch Debian's prometheus package; install promtool" >&2
    exit 1
  fi
  mkdir -p "$cache"
  if [ "$(id -u)" -eq 0 ]; then SUDO=""; else SUDO="sudo -n"; fi
  (cd "$cache" && { apt-get download prometheus >/dev/null 2>&1 ||
    { $SUDO apt-get update >/dev/null && apt-get download prometheus >/dev/null; }; })
  deb=$(ls "$cache"/prometheus_*.deb | head -n 1)
  dpkg-deb -x "$deb" "$cache"
  rm -f "$deb"
fi
exec "$bin" "$@"
