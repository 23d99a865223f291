#!/usr/bin/env bash
# Builds each fuzz target's seed corpus (fuzz/corpus/TARGET) from the
# policies and data that ship with lq: examples, test cases, the hostile
# corpus and the doc snippets.
set -euo pipefail
cd "$(dirname "$0")/.."

corpus=fuzz/corpus
mkdir -p "$corpus"/{parse,check,fmt,eval,read,editor}

policies=$(find examples tests/cases tests/hostile tests/data docs/snippets -name "*.lq" -size -64k | sort)
n=0
for p in $policies; do
  n=$((n + 1))
  for t in parse check fmt editor; do cp "$p" "$corpus/$t/policy-$n"; done
done

# The examples in the order fuzz_targets/common.rs lists them.
examples=(inbound-saas bant bank-telemarketing fit-engagement-matrix gates-and-routing pardot-grades)
data=$(find examples/data tests/data tests/hostile -type f \( -name '*.csv' -o -name '*.ndjson' -o -name '*.json' \) \
  ! -name 'sarif-schema*' -size -64k | sort)
byte() { printf "\\$(printf '%03o' "$1")"; }
for i in "${!examples[@]}"; do
  for d in $data; do
    case "$d" in
      *.ndjson) read_fmt=2 eval_fmt=1 ;;
      *.json) read_fmt=3 eval_fmt=0 ;;
      *bank*) read_fmt=1 eval_fmt=0 ;;
      *) read_fmt=0 eval_fmt=0 ;;
    esac
    name="$i-$(basename "$d")"
    { byte "$i"; byte "$read_fmt"; head -c 4096 "$d"; } > "$corpus/read/$name"
    { byte "$i"; byte "$eval_fmt"; byte 7; byte 0; head -c 4096 "$d"; } > "$corpus/eval/$name"
    # The same with the policy's text in front, as the target reads it.
    { cat "examples/${examples[$i]}.lq"; byte 0; byte "$eval_fmt"; byte 9; byte 1; head -c 4096 "$d"; } \
      > "$corpus/eval/text-$name"
  done
done
echo "seeded: $(ls "$corpus/parse" | wc -l) policies; $(ls "$corpus/read" | wc -l) data inputs per reader target"
