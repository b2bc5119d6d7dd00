#!/bin/sh
# apt-install PACKAGE ADVICE: installs a Debian or Ubuntu package that a
# make target's tests need (with sudo -n when not root). When it cannot,
# says why, adds ADVICE (what the user can do instead), and fails, so the
# target stops before its tests rather than in them.
set -u
pkg=${1:?usage: apt-install.sh PACKAGE ADVICE}
advice=${2:-install $pkg yourself}

if ! command -v apt-get >/dev/null 2>&1; then
  echo "apt-install: $pkg is needed and this machine has no apt-get to install it: $advice" >&2
  exit 1
fi
if [ "$(id -u)" -eq 0 ]; then SUDO=""; else SUDO="sudo -n"; fi
if [ -n "$SUDO" ] && ! command -v sudo >/dev/null 2>&1; then
  echo "apt-install: $pkg is needed; installing it needs root and there is no sudo: $advice" >&2
  exit 1
fi
echo "apt-install: installing Debian's $pkg package"
if $SUDO apt-get install -y --no-install-recommends "$pkg" ||
  { $SUDO apt-get update && $SUDO apt-get install -y --no-install-recommends "$pkg"; }; then
  exit 0
fi
echo "apt-install: could not install $pkg (above: apt-get's reason; sudo -n fails when sudo wants a password): $advice" >&2
exit 1
