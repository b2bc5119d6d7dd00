# Sourced by the benchmark scripts (not run): profile_nodes DIR SECONDS
# PID URL... takes a CPU profile of each node URL for SECONDS (saved as
# DIR/n1.pprof, n2.pprof, ...) while the load process PID runs, then waits
# for the load and the profiles, and only those: the nodes are children of
# the calling script too. Then it saves each node's allocation profile as
# DIR/nN.allocs.pprof (every allocation sampled since the node started,
# set-up and warm-up included: `go tool pprof -sample_index=alloc_space`). Needs ARENA_OPERATOR_TOKEN and nodes started
# with --pprof.
profile_nodes() {
	pn_dir=$1 pn_secs=$2 pn_load=$3
	shift 3
	pn_curls= pn_i=0
	for pn_url in "$@"; do
		pn_i=$((pn_i + 1))
		curl -fs -o "$pn_dir/n$pn_i.pprof" -H "Authorization: Bearer $ARENA_OPERATOR_TOKEN" \
			"$pn_url/debug/pprof/profile?seconds=$pn_secs" &
		pn_curls="$pn_curls $!"
	done
	pn_rc=0
	wait "$pn_load" || pn_rc=$?
	# shellcheck disable=SC2086
	wait $pn_curls
	pn_i=0
	for pn_url in "$@"; do
		pn_i=$((pn_i + 1))
		curl -fs -o "$pn_dir/n$pn_i.allocs.pprof" -H "Authorization: Bearer $ARENA_OPERATOR_TOKEN" \
			"$pn_url/debug/pprof/allocs" || pn_rc=$?
	done
	return "$pn_rc"
}
