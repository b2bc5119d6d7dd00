#!/bin/sh
# Measures, on a 3-node loopback cluster of real `arena serve` processes
# (no bots), how long writes through a follower are unavailable after the
# leader is frozen with SIGSTOP (for PAUSE seconds) or killed with kill -9,
# and how long each node takes to exit after SIGTERM under that write load.
# One sequential writer POSTs sign-ups to a follower; the unavailability of
# a try is the longest gap between two successful writes around the fault.
#   sh scripts/measure-failover.sh [TRIES]        (needs curl and jq)
set -eu
TRIES=${1:-5}
PAUSE=${PAUSE:-15}
BASE=${BASE:-18080}
DIR=$(mktemp -d)
ARENA=${ARENA:-bin/arena}
EXTRA=${EXTRA:-} # more flags for every node, e.g. EXTRA='--raft-timeout 500ms'
export ARENA_OPERATOR_TOKEN=arop_measure$(date +%s)0000000000000000
[ -x "$ARENA" ] || go build -o "$ARENA" ./cmd/arena

now() { date +%s%N; }
url() { echo "http://127.0.0.1:$((BASE + $1))"; }
start() { # start node i (1..3)
	i=$1
	join=""
	[ "$i" -gt 1 ] && join="--join $(url 1)"
	# shellcheck disable=SC2086
	"$ARENA" serve --node-id "n$i" --http-addr "127.0.0.1:$((BASE + i))" --raft-addr "127.0.0.1:$((BASE + 10 + i))" \
		--data-dir "$DIR/n$i" --no-bots --rps-per-ip -1 --burst-per-ip -1 $join $EXTRA >>"$DIR/n$i.log" 2>&1 &
	echo $! >"$DIR/n$i.pid"
}
pid() { cat "$DIR/n$1.pid"; }
ready() { until curl -fs "$(url "$1")/readyz" >/dev/null 2>&1; do sleep 0.1; done; }
leader() { # the node that says it leads
	for i in 1 2 3; do
		[ "$(curl -fs --max-time 1 "$(url "$i")/v1/cluster/progress" | jq -r .state)" = Leader ] && { echo "$i"; return; }
	done
	echo ""
}
voters() { curl -fs "$(url "$1")/v1/cluster" | jq '[.nodes[] | select(.suffrage=="Voter")] | length'; }
writer() { # sequential sign-ups through node $1 until $DIR/stop exists; "end_ns status" per write
	k=0
	while [ ! -e "$DIR/stop" ]; do
		k=$((k + 1))
		code=$(curl -s -o /dev/null -w '%{http_code}' --max-time 30 -H 'Content-Type: application/json' \
			-d "{\"name\":\"m$k\"}" "$(url "$1")/v1/owners" || true)
		echo "$(now) $code"
		case $code in 2*) ;; *) sleep 0.02 ;; esac
	done
}
gap() { # longest gap (s) between successful writes in file $1
	awk '$2 ~ /^2/ { if (last) { g = ($1 - last) / 1e9; if (g > max) max = g } last = $1 } END { printf "%.2f", max }' "$1"
}
cleanup() { for i in 1 2 3; do [ -f "$DIR/n$i.pid" ] && kill -9 "$(pid "$i")" 2>/dev/null || true; done; }
trap cleanup EXIT

start 1; ready 1; start 2; start 3; ready 2; ready 3
until [ "$(voters 1)" = 3 ]; do sleep 0.2; done
echo "cluster up in $DIR"

fault() { # $1: stop or kill; one try
	until l=$(leader); [ -n "$l" ]; do sleep 0.1; done
	f=1; [ "$l" = 1 ] && f=2
	rm -f "$DIR/stop"; writer "$f" >"$DIR/w.txt" & w=$!
	sleep 2
	l=$(leader) # again: it must still lead when the fault hits
	[ "$l" != "$f" ] || { touch "$DIR/stop"; wait "$w"; echo "$1: leadership moved to the writer's node; try skipped"; return; }
	if [ "$1" = stop ]; then
		kill -STOP "$(pid "$l")"; sleep "$PAUSE"; kill -CONT "$(pid "$l")"
	else
		kill -9 "$(pid "$l")"; sleep "$PAUSE"; start "$l"
	fi
	for i in 1 2 3; do ready "$i"; done
	until [ "$(voters "$f")" = 3 ]; do sleep 0.2; done
	sleep 1; touch "$DIR/stop"; wait "$w"
	echo "$1 leader n$l, writes through n$f: longest write gap $(gap "$DIR/w.txt") s; leader now n$(leader)"
}
for kind in ${KINDS:-stop kill}; do
	t=1; while [ "$t" -le "$TRIES" ]; do fault "$kind"; t=$((t + 1)); done
done
for i in 1 2 3; do # rolling SIGTERM under load
	f=$((i % 3 + 1))
	rm -f "$DIR/stop"; writer "$f" >"$DIR/w.txt" & w=$!
	sleep 2; wasleader=$(leader)
	t0=$(now); kill -TERM "$(pid "$i")"
	rc=0; wait "$(pid "$i")" || rc=$?
	t1=$(now)
	start "$i"; ready "$i"; t2=$(now)
	sleep 1; touch "$DIR/stop"; wait "$w"
	echo "SIGTERM n$i (leader before: n$wasleader): exited $rc in $(echo "($t1 - $t0)/1000000" | bc) ms; ready again $(echo "($t2 - $t1)/1000000" | bc) ms after; longest write gap $(gap "$DIR/w.txt") s; log: $(grep -h 'arena: s' "$DIR/n$i.log" | tail -1)"
done
