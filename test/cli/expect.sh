# Shared by the pq-run command-line tests (sourced, not run): the check
# helpers and their counters. The sourcing script sets $pqrun first.
failures=0
checks=0

fail() {
  echo "FAIL: $*"
  failures=$((failures + 1))
}

# expect_ok PATTERN ARGS...: exit 0 and output matching PATTERN.
expect_ok() {
  local pattern=$1
  shift
  checks=$((checks + 1))
  local out rc
  out=$("$pqrun" "$@" 2>&1)
  rc=$?
  if [ $rc -ne 0 ]; then
    fail "pq-run $* exited $rc"
    echo "$out" | sed 's/^/  | /'
  elif ! grep -qE -- "$pattern" <<<"$out"; then
    fail "pq-run $*: no line matches '$pattern'"
    echo "$out" | sed 's/^/  | /'
  fi
}

# expect_error RC PATTERN ARGS...: exit RC and "pq-run: error: ..." matching
# PATTERN on stderr (a crash exits with 128+signal and fails this).
expect_error() {
  local want=$1 pattern=$2
  shift 2
  checks=$((checks + 1))
  local err rc
  err=$("$pqrun" "$@" 2>&1 >/dev/null)
  rc=$?
  if [ $rc -ne "$want" ]; then
    fail "pq-run $* exited $rc, expected $want"
    echo "$err" | sed 's/^/  | /'
  elif ! grep -q "^pq-run: error: " <<<"$err" ||
       ! grep -qE -- "$pattern" <<<"$err"; then
    fail "pq-run $*: stderr does not match '$pattern'"
    echo "$err" | sed 's/^/  | /'
  fi
}
