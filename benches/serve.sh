#!/usr/bin/env bash
# Load benchmark of `lq serve` with wrk (Debian's package), on loopback:
#
#   (h) GET /health             — HTTP alone: the baseline of this run
#   (d) POST .../decide         — one lead of examples/inbound-saas.lq
#   (l) POST .../decide with the decision log on (a second server)
#   (r) POST .../decide, while the policy file is rewritten every second
#       (two versions in turn, both good): every answer must be a 200
#       whose sha256 is one of the two versions (checked per response in
#       benches/serve.lua), and the reloads are counted from /metrics.
#
# Each for DURATION seconds (default 60) at CONNECTIONS (default 64) on
# THREADS wrk threads (default 2); wrk and the server share the machine.
# Prints requests per second, p50/p90/p99 latency, errors, the server's
# memory after each run, and d/h, l/d and r/d ratios from this one run.
#
#   benches/serve.sh
#   DURATION=10 benches/serve.sh    # a quick look
set -euo pipefail
cd "$(dirname "$0")/.."
DURATION=${DURATION:-60}
CONNECTIONS=${CONNECTIONS:-64}
THREADS=${THREADS:-2}
command -v wrk >/dev/null || { echo "wrk is not installed: apt-get install wrk" >&2; exit 2; }
cargo build --release --quiet --bin lq
DIR=$(mktemp -d)
POLICY=$DIR/inbound.lq
cp examples/inbound-saas.lq "$POLICY"
OTHER=$DIR/other.lq
sed 's/^otherwise tier C$/otherwise tier B/' examples/inbound-saas.lq > "$OTHER"
cmp -s "$POLICY" "$OTHER" && { echo "the second version is not different" >&2; exit 2; }
./target/release/lq check "$OTHER" >/dev/null 2>&1 || true
SHA_A=$(sha256sum "$POLICY" | cut -d' ' -f1)
SHA_B=$(sha256sum "$OTHER" | cut -d' ' -f1)
PORT=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
./target/release/lq serve "inbound=$POLICY" --addr "127.0.0.1:$PORT" --watch-every 100ms 2> "$DIR/serve.log" &
SERVER=$!
cleanup() { kill "$SERVER" 2>/dev/null || true; wait "$SERVER" 2>/dev/null || true; rm -rf "$DIR"; }
trap cleanup EXIT
for _ in $(seq 100); do grep -q "listening on" "$DIR/serve.log" && break; sleep 0.1; done
BASE="http://127.0.0.1:$PORT"
export LQ_BODY='{"id": 1, "email": "ana@acme.com", "role": "VP", "employees": 200, "budget": "$25,000", "country": "US", "industry": "SaaS", "demo_requested": false, "Total Visits": 0, "last_activity": "2026-11-01"}'
curl -sf -XPOST "$BASE/v1/policies/inbound/decide" -d "$LQ_BODY" >/dev/null || { echo "decide does not answer" >&2; cat "$DIR/serve.log" >&2; exit 2; }
memory() { awk '/^VmRSS|^VmHWM/ {printf "%s %.1f MiB  ", $1, $2/1024}' "/proc/$SERVER/status"; echo; }
load() { wrk -t"$THREADS" -c"$CONNECTIONS" -d"${DURATION}s" --latency -s benches/serve.lua "$@"; }
reloads() { curl -s "$BASE/metrics" | awk '/^lq_policy_reloads_total/ {print $1 "=" $2}' | tr '\n' ' '; echo; }

echo "== lq serve on $BASE, $DURATION s at $CONNECTIONS connections, $THREADS wrk threads, $(nproc) cores"
echo "memory at start: $(memory)"

echo "== (h) GET /health"
H_OUT=$(LQ_SHAS="" LQ_METHOD=GET load "$BASE/health")
echo "$H_OUT" | grep -E "^(RESULT|CHECK)"

echo "== (d) POST decide"
D_OUT=$(LQ_SHAS=$SHA_A load "$BASE/v1/policies/inbound/decide")
echo "$D_OUT" | grep -E "^(RESULT|CHECK|SHA)"
echo "memory after (d): $(memory)"

echo "== (l) POST decide, every decision logged"
LOG_PORT=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
./target/release/lq serve "inbound=$POLICY" --addr "127.0.0.1:$LOG_PORT" --decision-log "$DIR/decisions.ndjson" --decision-log-max-size 1GiB 2> "$DIR/serve-log.log" &
LOGGER=$!
for _ in $(seq 100); do grep -q "listening on" "$DIR/serve-log.log" && break; sleep 0.1; done
L_OUT=$(LQ_SHAS=$SHA_A load "http://127.0.0.1:$LOG_PORT/v1/policies/inbound/decide")
echo "$L_OUT" | grep -E "^(RESULT|CHECK|SHA)"
echo "memory after (l): $(awk '/^VmRSS|^VmHWM/ {printf "%s %.1f MiB  ", $1, $2/1024}' "/proc/$LOGGER/status")"
kill -TERM "$LOGGER"; wait "$LOGGER" 2>/dev/null || true
LOGGED=$(wc -l < "$DIR/decisions.ndjson")
echo "decision log: $LOGGED lines, $(du -m "$DIR/decisions.ndjson" | cut -f1) MiB (answered: $(echo "$L_OUT" | sed -n 's/^CHECK answered=\([0-9]*\).*/\1/p'))"
rm -f "$DIR/decisions.ndjson"

echo "== (r) POST decide, the policy rewritten every second"
(
  while true; do
    sleep 1; cp "$OTHER" "$POLICY.new" && mv "$POLICY.new" "$POLICY"
    sleep 1; cp examples/inbound-saas.lq "$POLICY.new" && mv "$POLICY.new" "$POLICY"
  done
) &
FLIPPER=$!
R_OUT=$(LQ_SHAS="$SHA_A,$SHA_B" load "$BASE/v1/policies/inbound/decide")
kill "$FLIPPER" 2>/dev/null || true
wait "$FLIPPER" 2>/dev/null || true
echo "$R_OUT" | grep -E "^(RESULT|CHECK|SHA)"
echo "reloads: $(reloads)"
echo "memory after (r): $(memory)"

rps() { echo "$1" | awk '/^RESULT/ { for (i = 1; i <= NF; i++) if ($i ~ /^rps=/) { sub("rps=", "", $i); print $i } }'; }
H=$(rps "$H_OUT"); D=$(rps "$D_OUT"); L=$(rps "$L_OUT"); R=$(rps "$R_OUT")
echo "== ratios (this run)"
awk -v h="$H" -v d="$D" -v l="$L" -v r="$R" 'BEGIN { printf "d/h %.2f   (decide against the HTTP floor)\nl/d %.2f   (with the decision log against without)\nr/d %.2f   (with a reload every second against without)\n", d/h, l/d, r/d }'
if grep -q "not reloaded" "$DIR/serve.log"; then echo "a reload failed:"; grep "not reloaded" "$DIR/serve.log"; exit 1; fi
for out in "$H_OUT" "$D_OUT" "$L_OUT" "$R_OUT"; do
  echo "$out" | grep -q "not_200=0 unknown_sha=0 socket_errors=0 timeouts=0 wrk_non2xx=0" || { echo "errors in a run" >&2; exit 1; }
done
echo "zero failed requests, every answer from the old or the new policy"
