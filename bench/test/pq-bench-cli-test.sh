#!/usr/bin/env bash
# pq-bench's command line (ctest pq-bench.cli): help, bad flags (exit 2), a
# missing or bad index (1), and a run: without a GPU it stops with "needs a
# GPU" (1) before timing anything; with one, the index's bundle does not
# exist, so that call is an ERROR (1).
#   bench/test/pq-bench-cli-test.sh PATH/TO/pq-bench
set -uo pipefail
bench=${1:?usage: pq-bench-cli-test.sh PATH/TO/pq-bench}
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
failures=0

# expect RC PATTERN ARGS...: exit RC and output (stdout + stderr) matching
# PATTERN (a crash exits with 128+signal and fails this).
expect() {
  local want=$1 pattern=$2
  shift 2
  local out rc
  out=$("$bench" "$@" 2>&1)
  rc=$?
  if [ $rc -ne "$want" ] || ! grep -qE -- "$pattern" <<<"$out"; then
    echo "FAIL: pq-bench $* exited $rc (expected $want), output matching '$pattern':"
    echo "$out" | sed 's/^/  | /'
    failures=$((failures + 1))
  fi
}

expect 0 '^usage: pq-bench INDEX.json' --help
expect 0 '--new-keys K' --help
expect 2 'error: no INDEX.json given' --json x.json
expect 2 "error: unknown option '--bogus'" index.json --bogus 1
expect 2 "error: --new-keys: 'a' is not" index.json --new-keys a
expect 2 "error: --iters: '0' is not a positive integer" index.json --iters 0
expect 1 'error: .*none.json: cannot open \(make it with scripts/make-bench-bundles.py\)' \
  "$work/none.json"
echo '{}' >"$work/object.json"
expect 1 'expected a JSON array' "$work/object.json"
cat >"$work/index.json" <<'JSON'
[{"name": "missing", "shape": "seed", "bench_batch": 1, "bench_seq_len": 4096}]
JSON
expect 1 "error: --only: no bundle named 'other'" "$work/index.json" --only other
expect 1 '(error: needs a GPU: .+)|(missing: ERROR .*missing\.pqmod)' \
  "$work/index.json" --bandwidth 1

if [ $failures -ne 0 ]; then
  echo "$failures pq-bench command-line check(s) failed"
  exit 1
fi
echo "pq-bench command line: all checks passed"
