#!/usr/bin/env bash
# `lq eval` against DuckDB running `lq compile --dialect duckdb` on the same
# N-lead CSV (default 1M) for examples/inbound-saas.lq, both reading the CSV
# and writing every outcome, measured in this one run (median of RUNS).
# Also checks that both give the same count of leads per status and tier.
# Needs DuckDB's Python package: python3 -m pip install duckdb
#
#   benches/sql_duckdb.sh
#   N=10000000 benches/sql_duckdb.sh
set -euo pipefail
cd "$(dirname "$0")/.."
N=${N:-1000000}
RUNS=${RUNS:-3}
AS_OF=2026-11-23
python3 -c "import duckdb" || { echo "needs DuckDB: python3 -m pip install duckdb" >&2; exit 2; }
cargo build --release --quiet --bin lq
mkdir -p target/bench
DATA=target/bench/clean-leads-$N.csv
SQL=target/bench/inbound-saas.duckdb.sql
./target/release/lq compile examples/inbound-saas.lq --dialect duckdb --as-of $AS_OF > "$SQL"

# Clean, typed leads (the table a warehouse holds), written by DuckDB itself.
[ -f "$DATA" ] || python3 - "$N" "$DATA" <<'PY'
import sys, duckdb
n, path = int(sys.argv[1]), sys.argv[2]
duckdb.sql(f"""
COPY (
  SELECT i AS id,
         'user' || i || (['@initech.com', '@gmail.com', '@uni.edu', '@hooli.com'])[1 + (hash(i, 1) % 4)::BIGINT] AS email,
         (['CEO','CTO','CFO','VP','Director','Manager','Engineer','Student','Other'])[1 + (hash(i, 2) % 9)::BIGINT] AS role,
         (hash(i, 3) % 20000)::BIGINT AS employees,
         CASE WHEN (hash(i, 4) % 10)::BIGINT = 0 THEN NULL ELSE (hash(i, 5) % 50000)::BIGINT END AS budget,
         (['US','CA','GB','DE','FR','IR'])[1 + (hash(i, 6) % 6)::BIGINT] AS country,
         (['SaaS','Fintech','Healthcare','Retail','Education','Government','Manufacturing','Other'])[1 + (hash(i, 7) % 8)::BIGINT] AS industry,
         (hash(i, 8) % 2)::BIGINT = 0 AS demo_requested,
         (hash(i, 9) % 20)::BIGINT AS "Total Visits",
         DATE '2026-11-23' - CAST(hash(i, 10) % 365 AS INTEGER) AS last_activity
  FROM range(1, {n} + 1) t(i)
) TO '{path}' (HEADER, DELIMITER ',')
""")
PY

cat > target/bench/duckdb_run.py <<'PY'
import sys, duckdb
data, sql, threads, out = sys.argv[1], open(sys.argv[2]).read().rstrip().rstrip(';'), sys.argv[3], sys.argv[4]
con = duckdb.connect()
con.execute(f"SET threads = {threads}")
con.execute(f"""CREATE TABLE leads AS SELECT * FROM read_csv('{data}', header = true, columns = {{
  'id': 'BIGINT', 'email': 'VARCHAR', 'role': 'VARCHAR', 'employees': 'BIGINT', 'budget': 'DOUBLE',
  'country': 'VARCHAR', 'industry': 'VARCHAR', 'demo_requested': 'BOOLEAN', 'Total Visits': 'BIGINT',
  'last_activity': 'DATE'}})""")
con.execute(f"COPY ({sql}) TO '{out}' (HEADER, DELIMITER ',')")
PY

timed() { /usr/bin/time -f "%e %M" sh -c "$* > /dev/null 2> /dev/null" 2>&1 | tail -1; }
median() {
  local out=()
  for _ in $(seq "$RUNS"); do out+=("$(timed "$@")"); done
  printf '%s\n' "${out[@]}" | sort -n | awk '{t[NR]=$1; if ($2>m) m=$2} END {print t[int((NR+1)/2)], m}'
}
LQ_OUT=target/bench/lq-out.csv
DUCK_OUT=target/bench/duckdb-out.csv
echo "$N leads, $(du -h "$DATA" | cut -f1) CSV, median of $RUNS runs, $(nproc) cores"
read -r A AM < <(median ./target/release/lq eval examples/inbound-saas.lq "$DATA" --as-of $AS_OF --format csv --threads 1 --output $LQ_OUT)
read -r A2 A2M < <(median ./target/release/lq eval examples/inbound-saas.lq "$DATA" --as-of $AS_OF --format csv --threads 2 --output $LQ_OUT)
read -r D DM < <(median python3 target/bench/duckdb_run.py "$DATA" "$SQL" 1 $DUCK_OUT)
read -r D2 D2M < <(median python3 target/bench/duckdb_run.py "$DATA" "$SQL" 2 $DUCK_OUT)
printf '%-40s %8s s %8s MB\n' "(a) lq eval, 1 thread" "$A" "$((AM / 1024))"
printf '%-40s %8s s %8s MB\n' "(a2) lq eval, 2 threads" "$A2" "$((A2M / 1024))"
printf '%-40s %8s s %8s MB\n' "(d) DuckDB, compiled SQL, 1 thread" "$D" "$((DM / 1024))"
printf '%-40s %8s s %8s MB\n' "(d2) DuckDB, compiled SQL, 2 threads" "$D2" "$((D2M / 1024))"
awk -v a="$A" -v a2="$A2" -v d="$D" -v d2="$D2" 'BEGIN {
  printf "d/a   = %.2f   (DuckDB time over lq time, 1 thread each)\n", d / a
  printf "d2/a2 = %.2f   (2 threads each)\n", d2 / a2
}'
# Same decisions: leads per status and tier, from both outputs.
python3 - "$LQ_OUT" "$DUCK_OUT" <<'PY'
import sys, csv, collections
def tally(path):
    with open(path, newline='') as f:
        return collections.Counter((r['status'], r['tier']) for r in csv.DictReader(f))
a, d = tally(sys.argv[1]), tally(sys.argv[2])
print("same leads per status and tier:", "yes" if a == d else f"NO\n lq: {a}\n duckdb: {d}")
sys.exit(0 if a == d else 1)
PY
