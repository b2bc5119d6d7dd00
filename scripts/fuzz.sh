#!/bin/sh
# fuzz.sh runs every fuzz target in the module, one after the other, for
# FUZZTIME each (default 10s). Targets are found by their declarations
# (func FuzzX(f *testing.F) in a _test.go file), so a new one cannot be
# left out. Extra flags for go test (e.g. -parallel 1 on a shared machine)
# come from FUZZFLAGS. A failing target does not stop the others; the
# script exits non-zero if any failed, and go test has written the input
# that failed under the package's testdata/fuzz/<target>/: fix the bug and
# commit that file, so the finding stays a seed case.
set -u
GO=${GO:-go}
FUZZTIME=${FUZZTIME:-10s}
FUZZFLAGS=${FUZZFLAGS:-}
cd "$(dirname "$0")/.." || exit 2

failed=""
n=0
for file in $(grep -rl --include='*_test.go' --exclude-dir='.[a-z]*' --exclude-dir=testdata --exclude-dir=node_modules -E '^func Fuzz[A-Za-z0-9_]*\(f \*testing\.F\)' . | grep -v '/testdata/' | sort); do
	dir=$(dirname "$file")
	for name in $(sed -n 's/^func \(Fuzz[A-Za-z0-9_]*\)(f \*testing\.F).*/\1/p' "$file"); do
		n=$((n + 1))
		echo "== $dir $name ($FUZZTIME)"
		# shellcheck disable=SC2086
		if ! $GO test -run '^$' -fuzz "^${name}\$" -fuzztime "$FUZZTIME" $FUZZFLAGS "$dir"; then
			failed="$failed $dir:$name"
		fi
	done
done
if [ -n "$failed" ]; then
	echo "fuzz: failed:$failed" >&2
	exit 1
fi
echo "fuzz: $n targets, $FUZZTIME each, no failures"
