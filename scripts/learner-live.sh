#!/bin/sh
# The arena loop, measured: one fresh node with the built-in bots, then
# `arena-trainer run` on the verifiable arena for ROUNDS rounds, each
# version entered as learner@vN and playing while the next one trains;
# then the arena's own Bradley–Terry table and the trainer's held-out
# accuracy per version (versions.jsonl).
#
# The operator first narrows the verifiable arena to the tasks a small
# model can learn on two cores (OPTIONS: the arena's game options; the
# default is level-1 extraction and string tasks with a fifth of the
# instances held out for evaluation). OPTIONS='{}' keeps every family.
#
# The defaults are the measured recipe of docs/TRAINING.md ("A live
# run"): three rounds of 400 SFT and 20 DPO steps, the first trained once
# the arena has 300 pairs, the last version playing 7 minutes.
#
#   SEED=1 sh scripts/learner-live.sh
set -eu
cd "$(dirname "$0")/.."
SEED=${SEED:-1} ROUNDS=${ROUNDS:-3} SFT=${SFT:-400} DPO=${DPO:-20} WAIT=${WAIT:-180s}
PRESET=${PRESET:-small} CONTEXT=${CONTEXT:-384} PORT=${PORT:-18080} GO=${GO:-go} LR=${LR:-2e-3} PROMPT_LOSS=${PROMPT_LOSS:-0.1}
DPO_LR=${DPO_LR:-3e-5} TEMP=${TEMP:-0.2} EVAL=${EVAL:-200} FINAL_WAIT=${FINAL_WAIT:-420s}
MIN_PAIRS=${MIN_PAIRS:-300} WAIT_DATA=${WAIT_DATA:-15m}
OPTIONS=${OPTIONS:-'{"families":["extract","strings"],"levels":[1],"held_out_percent":20}'}
OUT=${OUT:-/tmp/learner-live-$SEED}
rm -rf "$OUT" && mkdir -p "$OUT" bin
$GO build -o bin/ ./cmd/arena ./cmd/arena-trainer ./cmd/arenactl
TOKEN=arop_$(od -An -N16 -tx1 /dev/urandom | tr -d ' \n')
export ARENA_SERVER=http://127.0.0.1:$PORT
bin/arena serve --data-dir "$OUT/node" --http-addr "127.0.0.1:$PORT" --raft-addr "127.0.0.1:$((PORT + 1))" \
  --operator-token "$TOKEN" --bot-delay 0s >"$OUT/node.log" 2>&1 &
NODE=$!
trap 'kill $NODE 2>/dev/null; wait $NODE 2>/dev/null' EXIT
trap 'exit 130' INT TERM
until curl -sf "$ARENA_SERVER/readyz" >/dev/null; do
  kill -0 $NODE 2>/dev/null || { echo "the node exited:" >&2; tail -5 "$OUT/node.log" >&2; exit 1; }
  sleep 0.5
done
until curl -sf "$ARENA_SERVER/v1/arenas/verifiable" >/dev/null; do sleep 0.5; done
curl -sf "$ARENA_SERVER/v1/arenas/verifiable" | jq -c --argjson o "$OPTIONS" '.arena | .options = $o | del(.name, .created_at, .updated_at)' |
  curl -fsS -X PUT -H "Authorization: Bearer $TOKEN" -H 'Content-Type: application/json' --data-binary @- \
    "$ARENA_SERVER/v1/arenas/verifiable" >/dev/null
TK=$(curl -sf -X POST -H "Authorization: Bearer $TOKEN" -H 'Content-Type: application/json' -d '{"name":"learner"}' "$ARENA_SERVER/v1/trainers" | jq -r .trainer_key)
OK=$(curl -sf -X POST -H 'Content-Type: application/json' -d '{"name":"learner-owner"}' "$ARENA_SERVER/v1/owners" | jq -r .api_key)
bin/arena-trainer run --trainer-key "$TK" --owner-key "$OK" --arena verifiable --out "$OUT/trainer" \
  --preset "$PRESET" --context "$CONTEXT" --seed "$SEED" --rounds "$ROUNDS" --sft-steps "$SFT" --dpo-steps "$DPO" \
  --lr "$LR" --dpo-lr "$DPO_LR" --prompt-loss "$PROMPT_LOSS" --temperature "$TEMP" --round-wait "$WAIT" \
  --final-wait "$FINAL_WAIT" --eval-tasks "$EVAL" --min-pairs "$MIN_PAIRS" --wait-data "$WAIT_DATA" 2>"$OUT/trainer.log"
echo "## verifiable arena, seed $SEED (Bradley–Terry)"
bin/arenactl arena leaderboard verifiable --method bt
echo
echo "## held-out accuracy per version"
jq -r '"\(.version): \(.heldout.passed) passed, score \(.heldout.score), formatted \(.heldout.formatted) (\(.heldout.tasks) tasks; \(.pairs) pairs)" +
  (if .unseen_families then "; held-out families: \(.unseen_families.passed) passed, formatted \(.unseen_families.formatted) (\(.unseen_families.tasks) tasks)" else "" end)' \
  "$OUT/trainer/versions.jsonl"
