#!/bin/sh
# browser-deps: make sure the browser tests (web/ui_browser_test.go) have a
# headless Chromium, as `make test` and .ci/run need. Installs Debian's or
# Ubuntu's "chromium" package when it is missing (with sudo -n when not
# root); when it cannot, says why and what to do, and fails, so `make test`
# stops here rather than after twenty minutes in the browser tests.
set -u

if [ "${ARENA_SKIP_BROWSER:-}" = "1" ]; then
  echo "browser-deps: ARENA_SKIP_BROWSER=1: the browser tests will be skipped"
  exit 0
fi
if [ -n "${ARENA_CHROMIUM:-}" ]; then
  if [ -x "$ARENA_CHROMIUM" ]; then exit 0; fi
  echo "browser-deps: ARENA_CHROMIUM=$ARENA_CHROMIUM is not an executable file" >&2
  exit 1
fi
for name in chromium chromium-browser google-chrome google-chrome-stable; do
  if command -v "$name" >/dev/null 2>&1; then exit 0; fi
done

advice="install Chromium yourself (Debian/Ubuntu: apt-get install chromium), point ARENA_CHROMIUM at a Chromium or Chrome binary, or set ARENA_SKIP_BROWSER=1 to skip the browser tests"
echo "browser-deps: the browser tests need Chromium"
exec sh "$(dirname "$0")/apt-install.sh" chromium "$advice"
