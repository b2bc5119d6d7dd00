#!/bin/sh
# A rolling upgrade from outside, as docs/OPERATIONS.md "Upgrading" tells
# an operator to do it: builds the release OLD and this tree, starts 3
# OLD nodes on loopback with the built-in bots playing every arena, then
# stops and restarts each node on the new binary (n3, n2, then n1, the
# node most likely to lead) with PLAY between upgrades, while the bots go
# on playing. It then checks what the upgrade must keep:
#   - the cluster's command level rises to the new release's once the
#     last member runs it, and not before;
#   - every node applied the same log to the same state: with the bots
#     stopped and the contests settled, the three state hashes at one
#     index are equal;
#   - no verifiable contest drew its task with a generator newer than
#     the cluster's level allowed when it started (a task id ending in
#     -rN names a revised generator);
#   - from level 3 on, the cluster has an id, the same on every node,
#     named only once the level rose to 3.
# It exits non-zero if any of these fails.
#   sh scripts/upgrade-check.sh
# Environment: OLD (a commit; default the parent of the commit that last
# raised arena.CommandLevel, i.e. the last release at the previous level),
# PLAY (12: seconds between upgrades), DIR (parent of the data dirs and
# logs; default a fresh temp dir, removed after unless the check fails),
# ABASE (18180: HTTP ports ABASE+1.., Raft ports ABASE+11..).
set -eu
GO=${GO:-go}
PLAY=${PLAY:-12}
ABASE=${ABASE:-18180}
ROOT=$(git rev-parse --show-toplevel)
if [ -z "${OLD:-}" ]; then
	raised=$(git -C "$ROOT" log -n 1 --format=%H -G '^const CommandLevel = ' -- arena/command_level.go)
	OLD=$(git -C "$ROOT" rev-parse "$raised^")
fi
KEEP=${DIR:+1}
DIR=${DIR:-$(mktemp -d)}
mkdir -p "$DIR"
TOKEN=upgrade-check-operator-token-0123456789
PIDS=""
cleanup() {
	for p in $PIDS; do kill "$p" 2>/dev/null || true; done
	wait 2>/dev/null || true
	git -C "$ROOT" worktree remove --force "$DIR/old-src" 2>/dev/null || true
}
trap cleanup EXIT INT TERM
fail() {
	echo "upgrade-check: FAIL: $*" >&2
	echo "upgrade-check: logs and data dirs kept in $DIR" >&2
	KEEP=1
	exit 1
}

echo "upgrade-check: building $(git -C "$ROOT" rev-parse --short "$OLD") (old) and this tree (new)" >&2
git -C "$ROOT" worktree add -q --detach "$DIR/old-src" "$OLD"
(cd "$DIR/old-src" && "$GO" build -o "$DIR/old-arena" ./cmd/arena)
git -C "$ROOT" worktree remove --force "$DIR/old-src"
(cd "$ROOT" && "$GO" build -o "$DIR/new-arena" ./cmd/arena)

url() { echo "http://127.0.0.1:$((ABASE + $1))"; }
pidfile() { echo "$DIR/n$1.pid"; }
start() { # node binary [flags...]
	i=$1 bin=$2
	shift 2
	join=""
	[ "$i" -gt 1 ] && join="--join $(url 1)"
	# shellcheck disable=SC2086
	"$bin" serve --node-id "n$i" --http-addr "127.0.0.1:$((ABASE + i))" --raft-addr "127.0.0.1:$((ABASE + 10 + i))" \
		--data-dir "$DIR/n$i" --operator-token "$TOKEN" $join "$@" >>"$DIR/n$i.log" 2>&1 &
	echo $! >"$(pidfile "$i")"
	PIDS="$PIDS $!"
	n=0
	until curl -fs -o /dev/null "$(url "$i")/readyz"; do
		n=$((n + 1))
		[ "$n" -gt 600 ] && fail "node n$i ($bin) was not ready within 60 s"
		sleep 0.1
	done
}
stop() {
	p=$(cat "$(pidfile "$1")")
	kill -TERM "$p"
	while kill -0 "$p" 2>/dev/null; do sleep 0.1; done
}
# cluster prints the command level a node reports, and each member's.
cluster() {
	curl -fs "$(url "$1")/v1/cluster" | python3 -c '
import json, sys
d = json.load(sys.stdin)
print(d.get("command_level", 0), " ".join("%s=%s" % (n["id"], n.get("command_level", "-")) for n in d["nodes"]))'
}
# member_level prints the release level node $1 reports for itself.
member_level() { cluster "$1" | tr ' ' '\n' | sed -n "s/^n$1=//p"; }

# cluster_id prints the cluster id node $1 reports (empty: none yet).
cluster_id() { curl -fs "$(url "$1")/v1/cluster" | python3 -c 'import json, sys; print(json.load(sys.stdin).get("cluster_id", ""))'; }

for i in 1 2 3; do start "$i" "$DIR/old-arena"; done
old_level=$(cluster 1 | cut -d" " -f1)
old_cluster_id=$(cluster_id 1)
echo "upgrade-check: old cluster up at command level $(cluster 1)" >&2
sleep "$PLAY"
for i in 3 2 1; do
	stop "$i"
	start "$i" "$DIR/new-arena"
	echo "upgrade-check: n$i runs the new release; cluster level, members: $(cluster "$i")" >&2
	if [ "$i" != 1 ]; then
		lvl=$(cluster "$i" | cut -d' ' -f1)
		[ "$lvl" = "$old_level" ] || fail "the cluster's level is $lvl with an old member left, want $old_level"
		# An old member cannot apply cluster.id: none may be named yet.
		if [ "$old_level" -lt 3 ]; then
			id=$(cluster_id "$i")
			[ -z "$id" ] || fail "the cluster was named ($id) with an old member left"
		fi
	fi
	sleep "$PLAY"
done
new_level=$(member_level 1)
lvl=$(cluster 1 | cut -d' ' -f1)
[ "$lvl" = "$new_level" ] || fail "every member runs the new release and the cluster's level is $lvl, want $new_level"
echo "upgrade-check: level $old_level -> $new_level" >&2

# Quiesce: no bots, so the contests settle (or forfeit) and the log stops.
for i in 1 2 3; do
	stop "$i"
	start "$i" "$DIR/new-arena" --no-bots
done
hashes() {
	for i in 1 2 3; do
		curl -fs -H "Authorization: Bearer $TOKEN" "$(url "$i")/v1/cluster" | python3 -c '
import json, sys
d = json.load(sys.stdin)
print(d["state_hash_index"], d["state_hash"])'
	done
}
n=0
while :; do
	h=$(hashes)
	if [ "$(echo "$h" | sort -u | wc -l)" = 1 ]; then break; fi
	n=$((n + 1))
	[ "$n" -gt 60 ] && fail "state hashes still differ after 60 s without bots:
$h"
	sleep 1
done
echo "upgrade-check: the three nodes agree at index $(echo "$h" | head -1)" >&2

# The cluster id (level 3): named once the level allows it, one for all.
ids="$(cluster_id 1) $(cluster_id 2) $(cluster_id 3)"
if [ "$new_level" -ge 3 ]; then
	[ "$old_level" -ge 3 ] || [ -z "$old_cluster_id" ] || fail "the old cluster at level $old_level had an id ($old_cluster_id)"
	set -- $ids
	[ "$#" = 3 ] && [ "$1" = "$2" ] && [ "$2" = "$3" ] || fail "cluster ids after the upgrade: '$ids', want one id on all three"
	echo "upgrade-check: cluster id $1 on all three nodes" >&2
fi

# Which generators each verifiable contest drew, against when the level
# rose (the leader logs it).
raised_at=$(grep -h 'cluster command level raised' "$DIR"/n*.log | grep "level=$new_level " | sed 's/^time=\([^ ]*\).*/\1/' | sort | head -1)
[ -n "$raised_at" ] || fail "no node logged raising the command level to $new_level"
if [ "$new_level" -ge 3 ] && [ "$old_level" -lt 3 ]; then
	# Named by the leader right after the raise, never before it (the
	# log lines' RFC 3339 times in UTC sort as text).
	named_at=$(grep -h 'msg="cluster named"' "$DIR"/n*.log | sed 's/^time=\([^ ]*\).*/\1/' | sort | head -1)
	[ -n "$named_at" ] || fail "no node logged naming the cluster"
	[ "$(printf '%s\n%s\n' "$raised_at" "$named_at" | sort | head -1)" = "$raised_at" ] ||
		fail "the cluster was named at $named_at, before the level rose to $new_level at $raised_at"
fi
curl -fs "$(url 1)/v1/contests?arena=verifiable&limit=500" | RAISED="$raised_at" OLD_LEVEL="$old_level" NEW_LEVEL="$new_level" python3 -c '
import json, os, re, sys
from datetime import datetime
def ts(s):
    s = re.sub(r"(\.\d{6})\d*", r"\1", s.replace("Z", "+00:00"))
    return datetime.fromisoformat(s)
raised = ts(os.environ["RAISED"])
# The newest generator revision each level allows (arena/command_level.go
# taskRevAt); a family its revision left alone keeps its older ids.
def rev_at(level):
    return 1 if level >= 2 else 0
most = {"before": rev_at(int(os.environ["OLD_LEVEL"])), "after": rev_at(int(os.environ["NEW_LEVEL"]))}
d = json.load(sys.stdin)
before, after, bad = {}, {}, []
for c in d["contests"]:
    m = re.search(r"task (\S+) ", (c.get("verdict") or {}).get("rationale", ""))
    if not m:
        continue
    tid = m.group(1)
    rev = tid.rsplit("-", 1)[1] if re.search(r"-r\d+$", tid) else "r0"
    # A contest proposed while the raise was being applied may start on
    # either side of the log line: a second around it is not judged.
    dt = (ts(c["created_at"]) - raised).total_seconds()
    if abs(dt) < 1:
        continue
    side = before if dt < 0 else after
    side[rev] = side.get(rev, 0) + 1
    when = "before" if side is before else "after"
    if int(rev[1:]) > most[when]:
        bad.append("%s %s started %s the level rose (at most r%d)" % (c["id"], tid, when, most[when]))
print("upgrade-check: verifiable tasks by generator revision, before the level rose %s, after %s" % (before, after), file=sys.stderr)
if bad:
    sys.exit("tasks of the wrong generator revision: " + "; ".join(bad))
if not before or not after:
    sys.exit("too few verifiable contests on one side of the raise to tell (PLAY longer?)")
' || fail "verifiable tasks"
echo "upgrade-check: ok" >&2
if [ -z "$KEEP" ]; then rm -rf "$DIR"; fi
