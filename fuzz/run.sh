#!/usr/bin/env bash
# Runs every fuzz target (or those named) for a set time each, one after
# another, and prints what each did: executions, coverage, corpus size and
# whether it crashed. Needs the nightly toolchain and cargo-fuzz:
#
#   rustup toolchain install nightly && cargo install cargo-fuzz
#   fuzz/run.sh                 # 20 minutes each
#   SECONDS_EACH=60 fuzz/run.sh eval read
#
# A crash leaves its input in fuzz/artifacts/TARGET/; turn it into a test in
# tests/hostile/ (or a unit test) and fix it before anything else.
set -euo pipefail
cd "$(dirname "$0")"

seconds=${SECONDS_EACH:-1200}
targets=("$@")
[ ${#targets[@]} -gt 0 ] || targets=(parse check fmt eval read editor)

./seed.sh
cargo +nightly fuzz build -O
mkdir -p logs
status=0
for t in "${targets[@]}"; do
  log=logs/$t.log
  if cargo +nightly fuzz run -O "$t" "corpus/$t" -- \
      -max_total_time="$seconds" -timeout=10 -rss_limit_mb=2048 -max_len=65536 \
      -print_final_stats=1 >"$log" 2>&1; then
    result=ok
  else
    result="CRASH (see $log and artifacts/$t/)"
    status=1
  fi
  final=$(grep -E '^#[0-9]+\s+DONE' "$log" | tail -1 || true)
  execs=$(grep -E '^stat::number_of_executed_units' "$log" | awk '{print $2}' || true)
  printf '%-6s %s  executions: %s  %s\n' "$t" "$result" "${execs:-?}" "${final:-}"
done
exit $status
