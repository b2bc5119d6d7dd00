#!/bin/sh
# How fast a lagging member catches up, with the default snapshot settings
# (--snapshot-threshold 8192, --snapshot-interval 10s, --trailing-logs
# 10240): starts 3 `arena serve` nodes on loopback, drives the leader with
# ledger grants from cmd/arena-load (CLIENTS closed-loop clients, as
# bench-vs-etcd.sh does) and, under that load,
#   1. pauses a follower (SIGSTOP) for PAUSE, resumes it (SIGCONT) and
#      times until its applied index reaches the leader's commit index as
#      of the resume, and until its /readyz answers 200 (within
#      --ready-max-lag of the leader);
#   2. removes that follower, wipes its data dir and adds it again (the
#      "Replacing a dead node" steps of docs/OPERATIONS.md) and times the
#      same from its start, plus its promotion to voter.
# For each it counts the snapshots the member installed ("state restored
# from snapshot" in its log). Then, with the load stopped, it reports
# state.db bytes per ledger transfer and the time and size of one
# GET /v1/cluster/snapshot (also taken once under load).
#   sh scripts/bench-catchup.sh
# Environment: PAUSE (60s), CLIENTS (32), WARMUP (10s: load before the
# pause), TIMEOUT (600s: the longest catch-up waited for), DIR (parent of
# the data dirs; default a fresh temp dir, removed after), ABASE (28280:
# HTTP ports ABASE+1.., Raft ports ABASE+11..). ARENA_RAFT_LOG=bolt runs
# the nodes on the bolt Raft log store instead of the WAL.
set -eu
PAUSE=${PAUSE:-60s}
CLIENTS=${CLIENTS:-32}
WARMUP=${WARMUP:-10s}
TIMEOUT=${TIMEOUT:-600s}
GO=${GO:-go}
BIN=${BIN:-bin}
ABASE=${ABASE:-28280}
for v in "$PAUSE" "$WARMUP" "$TIMEOUT"; do
	case ${v%s} in '' | *[!0-9]*) echo "bench-catchup: PAUSE, WARMUP and TIMEOUT are whole seconds (60 or 60s), got $v" >&2; exit 2 ;; esac
done
PAUSE=${PAUSE%s} WARMUP=${WARMUP%s} TIMEOUT=${TIMEOUT%s}
mkdir -p "$BIN"
$GO build -o "$BIN/arena" ./cmd/arena
$GO build -o "$BIN/arena-load" ./cmd/arena-load

DIR=${DIR:-}
if [ -z "$DIR" ]; then DIR=$(mktemp -d); RMDIR=1; else mkdir -p "$DIR"; RMDIR=0; fi
PIDS=""
LOADPID=""
cleanup() {
	[ -z "$LOADPID" ] || kill "$LOADPID" 2>/dev/null || true
	for p in $PIDS; do kill -CONT "$p" 2>/dev/null || true; kill "$p" 2>/dev/null || true; done
	for p in $LOADPID $PIDS; do wait "$p" 2>/dev/null || true; done
	[ "$RMDIR" = 1 ] && rm -rf "$DIR"
	return 0
}
trap cleanup EXIT INT TERM
fail() {
	echo "bench-catchup: $*; logs in $DIR" >&2
	RMDIR=0
	exit 1
}

export ARENA_OPERATOR_TOKEN="arop_catchup$(date +%s)00000000000000000"
aurl() { echo "http://127.0.0.1:$((ABASE + $1))"; }
# astart N [join URL]: node nN at info level, so its log shows snapshot
# restores; default snapshot and log settings; limits off for one trusted
# load generator.
astart() {
	join=""
	[ $# -gt 1 ] && join="--join $2"
	# shellcheck disable=SC2086
	"$BIN/arena" serve --node-id "n$1" --http-addr "127.0.0.1:$((ABASE + $1))" --raft-addr "127.0.0.1:$((ABASE + 10 + $1))" \
		--data-dir "$DIR/arena$1" --no-bots --log-level info \
		--rps-per-ip -1 --burst-per-ip -1 --tcp-conns-per-ip -1 \
		--rps-per-key 1000000 --burst-per-key 1000000 $join >>"$DIR/arena$1.log" 2>&1 &
	PIDS="$PIDS $!"
	eval "PID$1=$!"
}
ready() { # wait up to 60 s for a 200 from $1
	n=0
	until curl -fs -m 2 -o /dev/null "$1"; do
		n=$((n + 1)); [ "$n" -gt 600 ] && fail "$1 never answered"
		sleep 0.1
	done
}
nowms() { echo $(($(date +%s%N) / 1000000)); }
secs() { awk -v ms="$1" 'BEGIN { printf "%.1f", ms / 1000 }'; }
# progress N FIELD: a field of node N's GET /v1/cluster/progress (empty if
# it does not answer).
progress() { curl -fs -m 2 "$(aurl "$1")/v1/cluster/progress" 2>/dev/null | jq -r ".$2" 2>/dev/null || true; }
# metric N NAME: a gauge of node N's /metrics as an integer (0 if absent).
metric() {
	curl -fs -m 2 "$(aurl "$1")/metrics" 2>/dev/null | awk -v m="$2" '$1 == m { v = $2 } END { printf "%d\n", v + 0 }' || echo 0
}
restores() { grep -c "state restored from snapshot" "$DIR/arena$1.log" 2>/dev/null || true; }
# snapshot N: "bytes seconds" of one GET /v1/cluster/snapshot from node N.
snapshot() {
	curl -fs -o /dev/null -w '%{size_download} %{time_total}' -H "Authorization: Bearer $ARENA_OPERATOR_TOKEN" "$(aurl "$1")/v1/cluster/snapshot"
}

# catchup N TARGET T0 [voter]: poll node N until its applied index reaches
# TARGET and its /readyz answers 200 (and, with voter, the leader lists it
# as a voter); sets APPLIED_MS, READY_MS, VOTER_MS (ms after T0; "-" if it
# never happened within TIMEOUT).
catchup() {
	APPLIED_MS=- READY_MS=- VOTER_MS=-
	want_voter=${4:-}
	[ -z "$want_voter" ] && VOTER_MS=n/a
	deadline=$(($3 + TIMEOUT * 1000))
	while :; do
		a=$(progress "$1" applied_index)
		now=$(nowms)
		if [ "$APPLIED_MS" = - ] && [ -n "$a" ] && [ "$a" != null ] && [ "$a" -ge "$2" ]; then APPLIED_MS=$((now - $3)); fi
		if [ "$READY_MS" = - ] && curl -fs -m 2 -o /dev/null "$(aurl "$1")/readyz"; then READY_MS=$(($(nowms) - $3)); fi
		if [ "$VOTER_MS" = - ] && curl -fs -m 2 "$(aurl "$LEADER")/v1/cluster" |
			jq -e --arg id "n$1" '.nodes[] | select(.id == $id) | .suffrage == "Voter"' >/dev/null 2>&1; then
			VOTER_MS=$(($(nowms) - $3))
		fi
		[ "$APPLIED_MS" != - ] && [ "$READY_MS" != - ] && [ "$VOTER_MS" != - ] && return 0
		[ "$now" -gt "$deadline" ] && return 0
		sleep 0.05
	done
}
fmtms() { if [ "$1" = - ] || [ "$1" = n/a ]; then echo "$1"; else secs "$1"; fi; }

astart 1; ready "$(aurl 1)/readyz"
astart 2 "$(aurl 1)"; astart 3 "$(aurl 1)"
ready "$(aurl 2)/readyz"; ready "$(aurl 3)/readyz"
until [ -n "$(curl -fs "$(aurl 1)/v1/cluster" | jq -r '.leader.id // ""')" ]; do sleep 0.2; done
LEADER=$(curl -fs "$(aurl 1)/v1/cluster" | jq -r '.leader.id' | tr -d n)
F=1
while [ "$F" = "$LEADER" ]; do F=$((F + 1)); done
eval "FPID=\$PID$F"
echo "bench-catchup: leader n$LEADER, follower under test n$F; $CLIENTS clients granting on the leader; $(nproc) CPUs; load $(cut -d' ' -f1-3 /proc/loadavg); arena $(git describe --always --dirty 2>/dev/null || echo unknown)" >&2

# The load runs until killed; its own figures are not used (the rates
# below are the leader's committed log entries per second).
"$BIN/arena-load" -arena "$(aurl "$LEADER")" -targets grant -clients "$CLIENTS" -warmup 0s -duration 24h -rounds 1 >"$DIR/load.log" 2>&1 &
LOADPID=$!
sleep "$WARMUP"
kill -0 "$LOADPID" 2>/dev/null || fail "arena-load stopped: $(tail -n 3 "$DIR/load.log")"
snap_load=$(snapshot "$LEADER")

# Phase 1: a follower paused under load.
r0=$(restores "$F")
fsnap0=$(metric "$F" arena_raft_last_snapshot_index)
fapplied0=$(progress "$F" applied_index)
c_stop=$(progress "$LEADER" commit_index); t_stop=$(nowms)
echo "bench-catchup: pausing n$F for ${PAUSE}s" >&2
kill -STOP "$FPID"
sleep "$PAUSE"
c_resume=$(progress "$LEADER" commit_index); t_resume=$(nowms)
kill -CONT "$FPID"
catchup "$F" "$c_resume" "$t_resume"
p1_applied=$APPLIED_MS p1_ready=$READY_MS
p1_restores=$(($(restores "$F") - r0))
fsnap1=$(metric "$F" arena_raft_last_snapshot_index)
lsnap1=$(metric "$LEADER" arena_raft_last_snapshot_index)
rate1=$(awk -v c="$((c_resume - c_stop))" -v ms="$((t_resume - t_stop))" 'BEGIN { printf "%.0f", c * 1000 / ms }')
echo "bench-catchup: n$F caught up; replacing it with a wiped member" >&2

# Phase 2: the same member removed, wiped and added again.
curl -fs -m 30 -X DELETE -H "Authorization: Bearer $ARENA_OPERATOR_TOKEN" "$(aurl "$LEADER")/v1/cluster/nodes/n$F" >/dev/null ||
	fail "could not remove n$F"
kill -TERM "$FPID"; wait "$FPID" 2>/dev/null || true
rm -rf "$DIR/arena$F"
echo "--- wiped and re-added" >>"$DIR/arena$F.log"
r0=$(restores "$F")
c_start=$(progress "$LEADER" commit_index); t_start=$(nowms)
astart "$F" "$(aurl "$LEADER")"
catchup "$F" "$c_start" "$t_start" voter
p2_applied=$APPLIED_MS p2_ready=$READY_MS p2_voter=$VOTER_MS
p2_restores=$(($(restores "$F") - r0))
c_end=$(progress "$LEADER" commit_index); t_end=$(nowms)
rate2=$(awk -v c="$((c_end - c_start))" -v ms="$((t_end - t_start))" 'BEGIN { printf "%.0f", c * 1000 / ms }')
lsnap2=$(metric "$LEADER" arena_raft_last_snapshot_index)
fsnap2=$(metric "$F" arena_raft_last_snapshot_index)

kill "$LOADPID" 2>/dev/null || true
wait "$LOADPID" 2>/dev/null || true
LOADPID=""

# What the writes left behind, with the load stopped.
transfers=$(curl -fs -H "Authorization: Bearer $ARENA_OPERATOR_TOKEN" "$(aurl "$LEADER")/v1/ledger/audit" | jq '.audit.transfers')
snap_idle=$(snapshot "$LEADER")

echo
echo "catch-up with the default snapshot settings: $CLIENTS grant clients on leader n$LEADER, follower n$F"
printf '%-30s %12s %12s %12s %14s %12s %22s\n' "" "behind" "applied s" "readyz s" "voter s" "snapshots" "leader commits/s"
printf '%-30s %12s %12s %12s %14s %12s %22s\n' "paused ${PAUSE}s (SIGSTOP/CONT)" \
	"$((c_resume - fapplied0))" "$(fmtms "$p1_applied")" "$(fmtms "$p1_ready")" n/a "$p1_restores" "$rate1 (paused)"
printf '%-30s %12s %12s %12s %14s %12s %22s\n' "wiped and re-added" \
	"$c_start" "$(fmtms "$p2_applied")" "$(fmtms "$p2_ready")" "$(fmtms "$p2_voter")" "$p2_restores" "$rate2 (catching up)"
echo "  behind: log entries the member lacked (the leader's commit index at resume or start, less what it had applied);"
echo "  times from SIGCONT or process start until its applied index reached that commit index, /readyz answered 200, the leader listed it as a voter;"
echo "  snapshots: 'state restored from snapshot' lines in its log meanwhile"
echo "  last snapshot index: leader $lsnap1 at the end of phase 1, $lsnap2 at the end of phase 2; n$F $fsnap0 -> $fsnap1 (phase 1), $fsnap2 (phase 2)"
echo
echo "state after the run: $transfers ledger transfers"
for i in 1 2 3; do
	st=$(stat -c %s "$DIR/arena$i/state.db")
	lg=$(du -sb "$DIR/arena$i/raft/log" "$DIR/arena$i/raft/raft.db" 2>/dev/null | awk '{s += $1} END {print s + 0}')
	sn=$(du -sb "$DIR/arena$i/raft/snapshots" 2>/dev/null | cut -f1)
	echo "  n$i: state.db $st bytes ($((st / (transfers > 0 ? transfers : 1))) per transfer), Raft log $lg bytes, raft snapshots ${sn:-0} bytes"
done
echo "  GET /v1/cluster/snapshot from the leader: ${snap_load% *} bytes in ${snap_load#* } s under load, ${snap_idle% *} bytes in ${snap_idle#* } s after it"
