#!/bin/sh
# Runs the Raft packages' tests RUNS times in a row with two busy loops
# beside them, the way a shared two-core CI machine starves them; stops at
# the first failing run. Used by `make test-under-load`.
set -eu
GO=${GO:-go}
RUNS=${RUNS:-20}
PKGS=${PKGS:-./arena/... ./web ./cmd/arena}
FLAGS=${FLAGS:--race}

sh -c 'while :; do :; done' &
busy1=$!
sh -c 'while :; do :; done' &
busy2=$!
# Only the two loops started here are stopped, by their ids.
trap 'kill "$busy1" "$busy2" 2>/dev/null || true' EXIT INT TERM

i=1
while [ "$i" -le "$RUNS" ]; do
	echo "test-under-load: run $i of $RUNS ($PKGS, two busy loops)"
	# shellcheck disable=SC2086 # PKGS and FLAGS are word lists
	if ! $GO test $FLAGS -count=1 -p 1 -timeout 30m $PKGS; then
		echo "test-under-load: run $i of $RUNS FAILED"
		exit 1
	fi
	i=$((i + 1))
done
echo "test-under-load: $RUNS runs passed"
