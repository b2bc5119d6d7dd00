#!/bin/sh
# Compares the write path of a 3-node etcd cluster and a 3-node arena
# cluster through their front doors, in one run on this machine: both on
# loopback, separate data dirs on the same disk, driven by one load
# generator (cmd/arena-load) over HTTP/1.1 keep-alive. etcd takes
# POST /v3/kv/put on its JSON gateway; the arena takes ledger grants
# (operator token) and agent updates (one owner key). Installs Debian's
# etcd-server package when etcd is missing.
#   sh scripts/bench-vs-etcd.sh            (make bench-vs-etcd)
# Environment: CLIENTS (32,1000), DURATION (5s), WARMUP (2s), ROUNDS (2),
# TARGETS (etcd,grant,agent; etcd-grpc adds etcd's gRPC API driven through
# its own client library by tools/etcdload, like etcd's `benchmark put`
# with CONNS connections (100), run after arena-load's cells in each
# round), LOADFLAGS (more arena-load flags, e.g. -json),
# SPREAD (all: clients spread over the three members of each cluster, the
# default; leader: every client talks to its cluster's leader), DIR (parent
# of the data dirs; default a fresh temp dir, removed after), PROFILE=DIR
# (the arena nodes serve /debug/pprof/ and their CPU profiles of the
# measured window are saved as DIR/nN.pprof; for one cell: one target,
# one client count, ROUNDS=1). ARENA_RAFT_LOG=bolt runs the arena nodes on
# the bolt Raft log store instead of the WAL (they read it from the
# environment).
set -eu
CLIENTS=${CLIENTS:-32,1000}
DURATION=${DURATION:-5s}
WARMUP=${WARMUP:-2s}
ROUNDS=${ROUNDS:-2}
TARGETS=${TARGETS:-etcd,grant,agent}
SPREAD=${SPREAD:-all}
LOADFLAGS=${LOADFLAGS:-}
PROFILE=${PROFILE:-}
PPROF=""
if [ -n "$PROFILE" ]; then mkdir -p "$PROFILE"; PPROF=--pprof; fi
GO=${GO:-go}
BIN=${BIN:-bin}
ETCD=${ETCD:-etcd}
EBASE=${EBASE:-23790}
ABASE=${ABASE:-28080}

if ! command -v "$ETCD" >/dev/null 2>&1; then
	echo "bench-vs-etcd: installing Debian's etcd-server package" >&2
	if [ "$(id -u)" = 0 ]; then SUDO=""; else SUDO=sudo; fi
	$SUDO apt-get install -y etcd-server >/dev/null || {
		echo "bench-vs-etcd: could not install etcd-server; install etcd 3.4+ and set ETCD to its path" >&2
		exit 1
	}
fi
mkdir -p "$BIN"
$GO build -o "$BIN/arena" ./cmd/arena
$GO build -o "$BIN/arena-load" ./cmd/arena-load
# etcd-grpc is not arena-load's: its loader is a module of its own, so
# that the arena does not depend on gRPC.
LTARGETS=$(echo ",$TARGETS," | sed 's/,etcd-grpc,/,/g; s/^,//; s/,$//')
GRPC=""
if [ "$LTARGETS" != "$TARGETS" ]; then
	GRPC=1
	case $BIN in /*) ABSBIN=$BIN ;; *) ABSBIN=$(pwd)/$BIN ;; esac
	$GO -C tools/etcdload build -o "$ABSBIN/etcdload" .
fi
CONNS=${CONNS:-100}

DIR=${DIR:-}
if [ -z "$DIR" ]; then DIR=$(mktemp -d); RMDIR=1; else mkdir -p "$DIR"; RMDIR=0; fi
PIDS=""
EPIDS=""
APIDS=""
cleanup() {
	for p in $PIDS; do kill "$p" 2>/dev/null || true; done
	for p in $PIDS; do wait "$p" 2>/dev/null || true; done
	[ "$RMDIR" = 1 ] && rm -rf "$DIR"
	return 0
}
trap cleanup EXIT INT TERM

# etcd: three members, client ports EBASE+1.., peer ports EBASE+11..
cluster=""
for i in 1 2 3; do cluster="$cluster${cluster:+,}e$i=http://127.0.0.1:$((EBASE + 10 + i))"; done
for i in 1 2 3; do
	c="http://127.0.0.1:$((EBASE + i))"
	p="http://127.0.0.1:$((EBASE + 10 + i))"
	"$ETCD" --name "e$i" --data-dir "$DIR/etcd$i" \
		--listen-client-urls "$c" --advertise-client-urls "$c" \
		--listen-peer-urls "$p" --initial-advertise-peer-urls "$p" \
		--initial-cluster "$cluster" --initial-cluster-state new --initial-cluster-token bench \
		--logger zap --log-level error >"$DIR/etcd$i.log" 2>&1 &
	PIDS="$PIDS $!"
	EPIDS="$EPIDS${EPIDS:+,}$!"
done

# The arena: three nodes, HTTP ports ABASE+1.., Raft ports ABASE+11...
# The load generator is one trusted client on one address: the per-address
# limits are off, and the owner key's rate limit is raised far above what
# the cluster can take (it is still checked on every request).
export ARENA_OPERATOR_TOKEN="arop_bench$(date +%s)000000000000000000"
aurl() { echo "http://127.0.0.1:$((ABASE + $1))"; }
astart() {
	join=""
	[ "$1" -gt 1 ] && join="--join $(aurl 1)"
	# shellcheck disable=SC2086
	"$BIN/arena" serve --node-id "n$1" --http-addr "127.0.0.1:$((ABASE + $1))" --raft-addr "127.0.0.1:$((ABASE + 10 + $1))" \
		--data-dir "$DIR/arena$1" --no-bots --log-level warn \
		--rps-per-ip -1 --burst-per-ip -1 --tcp-conns-per-ip -1 \
		--rps-per-key 1000000 --burst-per-key 1000000 $PPROF $join >"$DIR/arena$1.log" 2>&1 &
	PIDS="$PIDS $!"
	APIDS="$APIDS${APIDS:+,}$!"
}
ready() { # wait up to 60 s for a 200 from $1
	n=0
	until curl -fs -o /dev/null "$1"; do
		n=$((n + 1)); [ "$n" -gt 600 ] && { echo "bench-vs-etcd: $1 never answered; logs in $DIR" >&2; RMDIR=0; exit 1; }
		sleep 0.1
	done
}
astart 1; ready "$(aurl 1)/readyz"
astart 2; astart 3
ready "$(aurl 2)/readyz"; ready "$(aurl 3)/readyz"
for i in 1 2 3; do ready "http://127.0.0.1:$((EBASE + i))/health"; done

eurls="http://127.0.0.1:$((EBASE + 1)),http://127.0.0.1:$((EBASE + 2)),http://127.0.0.1:$((EBASE + 3))"
arls="$(aurl 1),$(aurl 2),$(aurl 3)"
if [ "$SPREAD" = leader ]; then
	until [ -n "$(curl -fs "$(aurl 1)/v1/cluster" | jq -r '.leader.id // ""')" ]; do sleep 0.2; done
	arls=$(aurl "$(curl -fs "$(aurl 1)/v1/cluster" | jq -r '.leader.id' | tr -d n)")
	for i in 1 2 3; do
		e="http://127.0.0.1:$((EBASE + i))"
		if curl -fs -X POST -d '{}' "$e/v3/maintenance/status" | jq -e '.leader == .header.member_id' >/dev/null; then eurls=$e; fi
	done
fi
echo "bench-vs-etcd: clients to $SPREAD: etcd $eurls, arena $arls" >&2
echo "bench-vs-etcd: $("$ETCD" --version | head -1); arena $(git describe --always --dirty 2>/dev/null || echo unknown) (Raft log: ${ARENA_RAFT_LOG:-wal}); $(nproc) CPUs; load $(cut -d' ' -f1-3 /proc/loadavg)" >&2
# shellcheck disable=SC2086
load() {
	if [ -n "$LTARGETS" ]; then
		"$BIN/arena-load" -etcd "$eurls" -arena "$arls" -clients "$CLIENTS" -duration "$DURATION" \
			-warmup "$WARMUP" -rounds "$ROUNDS" -targets "$LTARGETS" -etcd-pids "$EPIDS" -arena-pids "$APIDS" $LOADFLAGS
	fi
	if [ -n "$GRPC" ]; then
		echo
		"$BIN/etcdload" -endpoints "$(echo "$eurls" | sed 's#http://##g')" -clients "$CLIENTS" -conns "$CONNS" \
			-duration "$DURATION" -warmup "$WARMUP" -rounds "$ROUNDS" -pids "$EPIDS"
	fi
}
if [ -z "$PROFILE" ]; then
	load
else
	# One cell's measured window: meant for one target, one client count
	# and one round (TARGETS=grant CLIENTS=32 ROUNDS=1).
	load &
	LOAD=$!
	sleep "${WARMUP%s}"
	. scripts/pprof-nodes.sh
	profile_nodes "$PROFILE" "$((${DURATION%s} - 1))" "$LOAD" "$(aurl 1)" "$(aurl 2)" "$(aurl 3)"
	echo "bench-vs-etcd: CPU profiles of the arena nodes in $PROFILE (n1 was the first leader)" >&2
fi

# What the writes left behind: the state file per ledger transfer (every
# grant above is one transfer; the agent updates overwrite 32 records),
# and what one consistent copy of the state (the backup route, which
# streams what a Raft snapshot holds) costs to take.
leader=$(curl -fs "$(aurl 1)/v1/cluster" | jq -r '.leader.id' | tr -d n)
transfers=$(curl -fs -H "Authorization: Bearer $ARENA_OPERATOR_TOKEN" "$(aurl "$leader")/v1/ledger/audit" | jq '.audit.transfers')
snap=$(curl -fs -o /dev/null -w '%{size_download} %{time_total}' -H "Authorization: Bearer $ARENA_OPERATOR_TOKEN" "$(aurl "$leader")/v1/cluster/snapshot")
echo
echo "arena after the run: $transfers ledger transfers"
for i in 1 2 3; do
	st=$(stat -c %s "$DIR/arena$i/state.db")
	lg=$(du -sb "$DIR/arena$i/raft/log" "$DIR/arena$i/raft/raft.db" 2>/dev/null | awk '{s += $1} END {print s + 0}')
	echo "  n$i: state.db $st bytes ($((st / (transfers > 0 ? transfers : 1))) per transfer), Raft log $lg bytes"
done
# Commands per state-file transaction over the whole run (all cells): the
# fewer, the more each bbolt commit's fixed cost weighs on a write.
for i in 1 2 3; do
	curl -fs "$(aurl "$i")/metrics" | awk -v n="n$i" '
		/^arena_fsm_apply_batch_size_sum / {s = $2} /^arena_fsm_apply_batch_size_count / {c = $2}
		END {if (c > 0) printf "  %s: %d state.db commits, %.1f commands each\n", n, c, s / c}'
done
echo "  a consistent copy of the state from the leader (GET /v1/cluster/snapshot): ${snap% *} bytes in ${snap#* } s"
for i in 1 2 3; do echo "  etcd$i: data dir $(du -sb "$DIR/etcd$i" | cut -f1) bytes"; done
