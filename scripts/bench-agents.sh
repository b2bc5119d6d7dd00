#!/bin/sh
# Websocket agents from outside: starts 3 `arena serve` nodes on loopback
# (no bots; per-address limits off, as for one trusted load generator)
# and runs `arena-bench -op agents`: AGENTS agents, each with its own key
# and connection, play connect4 against each other with no think time,
# while SPECTATORS anonymous spectators watch the followers: the arena's
# live feed (SPECTATE=live), single contests' streams
# /v1/contests/{id}/stream (SPECTATE=contest), or SPECTATORS of each
# (SPECTATE=both). After the run it reports the contests settled, the
# leader's snapshot size per settled contest and each node's state.db
# size per settled contest, and the nodes' CPU time in the measured
# window per acknowledged move beside the load generator's own (both
# share the machine's cores). With PROFILE=DIR the nodes serve
# /debug/pprof/ (--pprof) and each one's CPU profile over the measured
# window is saved as DIR/nN.pprof (read with `go tool pprof bin/arena
# DIR/n1.pprof`).
#   sh scripts/bench-agents.sh   (AGENTS=100 SPECTATORS=0 SPECTATE=live DURATION=10s WARMUP=3s PROFILE=)
# ARENA_RAFT_LOG=bolt runs the nodes on the bolt Raft log store instead of
# the WAL. SPECTATE_ON=N puts every spectator on node N (n1 bootstraps and
# usually leads, so 2 or 3 is a follower). PIN=1 (Linux taskset, two or
# more CPUs) runs node 2 alone on CPU 0 and everything else, the load
# generator included, on the other CPUs, so that a spectator run on node 2
# measures that node's fan-out rather than its client's share of the
# same cores.
set -eu
AGENTS=${AGENTS:-100}
SPECTATORS=${SPECTATORS:-0}
SPECTATE=${SPECTATE:-live}
DURATION=${DURATION:-10s}
WARMUP=${WARMUP:-3s}
GO=${GO:-go}
BIN=${BIN:-bin}
ABASE=${ABASE:-28180}
PROFILE=${PROFILE:-}
SPECTATE_ON=${SPECTATE_ON:-}
PIN=${PIN:-}
PPROF=""
if [ -n "$PROFILE" ]; then mkdir -p "$PROFILE"; PPROF=--pprof; fi
mkdir -p "$BIN"
$GO build -o "$BIN/arena" ./cmd/arena
$GO build -o "$BIN/arena-bench" ./cmd/arena-bench
DIR=$(mktemp -d)
PIDS=""
cleanup() {
	for p in $PIDS; do kill "$p" 2>/dev/null || true; done
	for p in $PIDS; do wait "$p" 2>/dev/null || true; done
	rm -rf "$DIR"
}
trap cleanup EXIT INT TERM
export ARENA_OPERATOR_TOKEN="arop_agents$(date +%s)000000000000000000"
aurl() { echo "http://127.0.0.1:$((ABASE + $1))"; }
# pin N: the taskset prefix for node N (0 for the load generator).
pin() {
	[ -n "$PIN" ] || return 0
	if [ "$1" = 2 ]; then echo "taskset -c 0"; else echo "taskset -c 1-$(($(nproc) - 1))"; fi
}
if [ -n "$PIN" ] && { ! command -v taskset >/dev/null || [ "$(nproc)" -lt 2 ]; }; then
	echo "bench-agents: PIN=1 needs taskset and two or more CPUs" >&2
	exit 1
fi
for i in 1 2 3; do
	join=""
	[ "$i" -gt 1 ] && join="--join $(aurl 1)"
	# shellcheck disable=SC2086
	$(pin "$i") "$BIN/arena" serve --node-id "n$i" --http-addr "127.0.0.1:$((ABASE + i))" --raft-addr "127.0.0.1:$((ABASE + 10 + i))" \
		--data-dir "$DIR/arena$i" --no-bots --log-level warn \
		--rps-per-ip -1 --burst-per-ip -1 --tcp-conns-per-ip -1 --ws-conns-per-ip -1 $PPROF $join >"$DIR/arena$i.log" 2>&1 &
	PIDS="$PIDS $!"
	n=0
	until curl -fs -o /dev/null "$(aurl "$i")/readyz"; do
		n=$((n + 1)); [ "$n" -gt 600 ] && { echo "bench-agents: node $i never became ready" >&2; exit 1; }
		sleep 0.1
	done
done
echo "bench-agents: $(nproc) CPUs; load $(cut -d' ' -f1-3 /proc/loadavg)" >&2
SPECTATE_FLAG=""
[ -n "$SPECTATE_ON" ] && SPECTATE_FLAG="-spectate-on $(aurl "$SPECTATE_ON")"
run_bench() {
	# shellcheck disable=SC2086
	$(pin 0) "$BIN/arena-bench" -op agents $SPECTATE_FLAG -server "$(aurl 1),$(aurl 2),$(aurl 3)" -agents "$AGENTS" -spectators "$SPECTATORS" -spectate "$SPECTATE" \
		-duration "$DURATION" -warmup "$WARMUP" -state-files "$DIR/arena1/state.db,$DIR/arena2/state.db,$DIR/arena3/state.db" \
		-pids "$(echo $PIDS | tr ' ' ',')"
}
if [ -z "$PROFILE" ]; then
	run_bench
	exit 0
fi
# Profile the measured window: it starts WARMUP after the bench reports
# its agents connected.
run_bench 2>"$DIR/progress" &
BENCH=$!
until grep -q 'connected; playing' "$DIR/progress" 2>/dev/null; do
	kill -0 "$BENCH" 2>/dev/null || { cat "$DIR/progress" >&2; exit 1; }
	sleep 0.05
done
sleep "${WARMUP%s}"
. scripts/pprof-nodes.sh
profile_nodes "$PROFILE" "${DURATION%s}" "$BENCH" "$(aurl 1)" "$(aurl 2)" "$(aurl 3)"
cat "$DIR/progress" >&2
echo "bench-agents: CPU profiles in $PROFILE (n1 was the first leader)" >&2
