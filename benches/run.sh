#!/usr/bin/env bash
# End-to-end benchmark of `lq eval` on N synthetic leads (default 1M) for
# examples/inbound-saas.lq, against (b) the same policy written by hand in
# Rust (benches/native_inbound.rs: the speed limit) and (c) the I/O floor
# (benches/io_floor.rs: read and write the CSV with no rules). Prints the
# median wall time and peak memory of each, and the ratios a/b and a/c,
# all measured in this one run. Also (d) `lq eval --columns id,tier,score`
# against (e) the native program writing the same three columns, and (f)
# `lq diff` of the policy against a tuned copy (both evaluated in one pass)
# against one `lq eval`, (a), and (g) `lq coverage` against (a). And (h)
# the same leads as NDJSON (generated once, next to the CSV file: about
# 200 bytes a lead) on one thread and (h2) on two.
#
#   benches/run.sh            # 1M leads, 5 runs each
#   N=10000000 benches/run.sh # 10M leads (a 740 MB file)
#   BASE=/path/to/older/lq benches/run.sh
#                             # also (a0), an older lq build, in the same
#                             # rounds: a/a0 below 1 means faster now
set -euo pipefail
cd "$(dirname "$0")/.."
N=${N:-1000000}
RUNS=${RUNS:-5}
AS_OF=2026-11-23
cargo build --release --quiet --bin lq --example native_inbound --example io_floor
mkdir -p target/bench
DATA=target/bench/leads-$N.csv
[ -f "$DATA" ] || ./target/release/lq generate examples/inbound-saas.lq --count "$N" --output "$DATA"
# Read the file once untimed, so that the first program timed does not
# pay alone for reading it from disk (a 10M-lead file may have left the
# page cache since the last run).
cat "$DATA" > /dev/null
NDJSON=target/bench/leads-$N.ndjson
[ -f "$NDJSON" ] || ./target/release/lq generate examples/inbound-saas.lq --count "$N" --format ndjson --output "$NDJSON"
cat "$NDJSON" > /dev/null

# /usr/bin/time writes to stderr after the command; run through sh so the
# command's own stderr is dropped and time's line is kept.
timed() { /usr/bin/time -f "%e %M" sh -c "$* > /dev/null 2> /dev/null" 2>&1 | tail -1; }
# The four programs run in turn, round after round, so that a change in the
# machine's speed during the run touches each alike.
LQ="./target/release/lq eval examples/inbound-saas.lq $DATA --as-of $AS_OF --format csv"
PROGRAMS=("$LQ --threads 1" "$LQ --threads 2" "./target/release/examples/native_inbound $AS_OF $DATA" "./target/release/examples/io_floor $DATA"
  "$LQ --threads 1 --columns id,tier,score" "./target/release/examples/native_inbound $AS_OF $DATA id,tier,score"
  "./target/release/lq diff examples/inbound-saas.lq docs/snippets/inbound-saas-tuned.lq $DATA --as-of $AS_OF --format json"
  "./target/release/lq coverage examples/inbound-saas.lq $DATA --as-of $AS_OF --format json"
  "./target/release/lq eval examples/inbound-saas.lq $NDJSON --as-of $AS_OF --format csv --threads 1"
  "./target/release/lq eval examples/inbound-saas.lq $NDJSON --as-of $AS_OF --format csv --threads 2")
if [ -n "${BASE:-}" ]; then
  PROGRAMS+=("$BASE eval examples/inbound-saas.lq $DATA --as-of $AS_OF --format csv --threads 1")
  PROGRAMS+=("$BASE eval examples/inbound-saas.lq $DATA --as-of $AS_OF --format csv --threads 2")
fi
RESULTS=$(mktemp)
for _ in $(seq "$RUNS"); do
  for i in "${!PROGRAMS[@]}"; do echo "$i $(timed "${PROGRAMS[$i]}")" >> "$RESULTS"; done
done
# The median time and the peak memory of program $1.
median() {
  awk -v p="$1" '$1 == p {print $2, $3}' "$RESULTS" | sort -n |
    awk '{t[NR]=$1; if ($2>m) m=$2} END {print t[int((NR+1)/2)], m}'
}

echo "$N leads, $(du -h "$DATA" | cut -f1) CSV, median of $RUNS runs, $(nproc) cores"
read -r A AM < <(median 0)
read -r A2 A2M < <(median 1)
read -r B BM < <(median 2)
read -r C CM < <(median 3)
read -r D DM < <(median 4)
read -r E EM < <(median 5)
read -r F FM < <(median 6)
read -r G GM < <(median 7)
read -r H HM < <(median 8)
read -r H2 H2M < <(median 9)
A0=""
if [ -n "${BASE:-}" ]; then
  read -r A0 A0M < <(median 10)
  read -r A02 A02M < <(median 11)
fi
rm -f "$RESULTS"
printf '%-36s %8s s %8s MB\n' "(a) lq eval, 1 thread" "$A" "$((AM / 1024))"
printf '%-36s %8s s %8s MB\n' "(a2) lq eval, 2 threads" "$A2" "$((A2M / 1024))"
printf '%-36s %8s s %8s MB\n' "(b) native Rust (hand-written)" "$B" "$((BM / 1024))"
printf '%-36s %8s s %8s MB\n' "(c) I/O floor (csv read+write)" "$C" "$((CM / 1024))"
printf '%-36s %8s s %8s MB\n' "(d) lq eval --columns id,tier,score" "$D" "$((DM / 1024))"
printf '%-36s %8s s %8s MB\n' "(e) native, id,tier,score" "$E" "$((EM / 1024))"
printf '%-36s %8s s %8s MB\n' "(f) lq diff, two policies" "$F" "$((FM / 1024))"
printf '%-36s %8s s %8s MB\n' "(g) lq coverage" "$G" "$((GM / 1024))"
printf '%-36s %8s s %8s MB\n' "(h) lq eval, NDJSON in, 1 thread" "$H" "$((HM / 1024))"
printf '%-36s %8s s %8s MB\n' "(h2) lq eval, NDJSON in, 2 threads" "$H2" "$((H2M / 1024))"
if [ -n "$A0" ]; then
  printf '%-36s %8s s %8s MB\n' "(a0) the BASE lq, 1 thread" "$A0" "$((A0M / 1024))"
  printf '%-36s %8s s %8s MB\n' "(a02) the BASE lq, 2 threads" "$A02" "$((A02M / 1024))"
  awk -v a="$A" -v a0="$A0" -v a02="$A02" -v b="$B" -v c="$C" 'BEGIN {
    printf "BASE: a0/b = %.2f   a0/c = %.2f   a0/a02 = %.2f\n", a0 / b, a0 / c, a0 / a02
    printf "a/a0 = %.2f   (this build against the BASE build)\n", a / a0
  }'
fi
awk -v a="$A" -v a2="$A2" -v b="$B" -v c="$C" -v d="$D" -v e="$E" -v f="$F" -v g="$G" -v h="$H" -v h2="$H2" -v n="$N" 'BEGIN {
  printf "a/b  = %.2f   (target <= 1.3)\n", a / b
  printf "d/e  = %.2f   (three columns against native, target <= 1.15)\n", d / e
  printf "f/a  = %.2f   (lq diff against one lq eval, target <= 1.3)\n", f / a
  printf "g/a  = %.2f   (lq coverage against one lq eval, target <= 1.3)\n", g / a
  printf "a/c  = %.2f   (target <= 2.5)\n", a / c
  printf "a/a2 = %.2f   (2-thread speed-up, target >= 1.7)\n", a / a2
  printf "h/h2 = %.2f   (2-thread speed-up with NDJSON input)\n", h / h2
  printf "h/a  = %.2f   (NDJSON input against CSV input, 1 thread)\n", h / a
  printf "lq: %.0f ns per lead end to end\n", a * 1e9 / n
}'
# The outputs are the same, byte for byte.
./target/release/lq eval examples/inbound-saas.lq "$DATA" --as-of $AS_OF --format csv --threads 2 > target/bench/lq.csv 2> /dev/null
./target/release/examples/native_inbound $AS_OF "$DATA" > target/bench/native.csv
cmp -s target/bench/lq.csv target/bench/native.csv && echo "outputs identical to the native program" || echo "OUTPUTS DIFFER"
./target/release/lq eval examples/inbound-saas.lq "$DATA" --as-of $AS_OF --format csv --threads 1 --columns id,tier,score > target/bench/lq3.csv 2> /dev/null
./target/release/examples/native_inbound $AS_OF "$DATA" id,tier,score > target/bench/native3.csv
cmp -s target/bench/lq3.csv target/bench/native3.csv && echo "id,tier,score outputs identical to the native program" || echo "ID,TIER,SCORE OUTPUTS DIFFER"
./target/release/lq eval examples/inbound-saas.lq "$NDJSON" --as-of $AS_OF --format csv --threads 2 > target/bench/lq-ndjson.csv 2> /dev/null
cmp -s target/bench/lq.csv target/bench/lq-ndjson.csv && echo "NDJSON input gives the same outputs as CSV" || echo "NDJSON OUTPUTS DIFFER"
