#!/bin/sh
# go-test.sh: `go test` with its arguments, output as usual, and on failure
# the failing tests' own lines again at the very end, so that whoever sees
# only the tail of a long run (CI, a newcomer's check) sees what failed, not
# just "FAIL". GO names the go command.
set -u
log=$(mktemp)
trap 'rm -f "$log"' EXIT
"${GO:-go}" test "$@" >"$log" 2>&1 &
pid=$!
tail -f --pid=$pid -n +1 "$log" 2>/dev/null &
tailer=$!
wait $pid
status=$?
wait $tailer 2>/dev/null
if [ "$status" -ne 0 ]; then
  echo
  echo "== go test failed (exit $status); what failed, again:"
  # Each failing test's block, panics and build errors, and the FAIL lines.
  awk '
    /^(=== RUN|--- PASS|ok  |PASS$)/ { keep = 0 }
    /^--- FAIL|^panic:|^fatal error:|^WARNING: DATA RACE|^# |cannot find package|\[build failed\]|^FAIL/ { keep = 1 }
    keep { print }
  ' "$log" | tail -n 200
fi
exit $status
