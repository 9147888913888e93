# lib.sh — helpers for the shell tests of the odegrad CLI and harness (sourced, not a test).
# Needs ODEGRAD (the binary) and ODEGRAD_SOURCE (the source tree) from CTest.
set -u
: "${ODEGRAD:?set ODEGRAD to the odegrad binary}"
: "${ODEGRAD_SOURCE:?set ODEGRAD_SOURCE to the source tree}"
failures=0
checks=0
work=$(mktemp -d "${TMPDIR:-/tmp}/odegrad-test.XXXXXX")
trap 'rm -rf "$work"' EXIT

fail() { echo "FAIL: $*"; failures=$((failures + 1)); }
pass() { checks=$((checks + 1)); }

# A fingerprint of a directory tree (names, sizes, contents), to prove nothing was written.
fingerprint() {
  if [[ -d $1 ]]; then
    (cd "$1" && find . -type f -print0 | sort -z | xargs -0 -r md5sum; find . | sort)
  else
    echo "absent"
  fi
}

# expect_error CODE PATTERN -- ARGS...: odegrad ARGS exits with CODE, prints exactly one line
# on stderr matching PATTERN (grep -E), nothing on stdout, and writes nothing to results/
# (neither in the current directory nor in the source tree).
expect_error() {
  local code=$1 pattern=$2; shift 3
  local before_here before_src out err status
  before_here=$(fingerprint results)
  before_src=$(fingerprint "$ODEGRAD_SOURCE/results")
  out=$("$ODEGRAD" "$@" 2>"$work/stderr")
  status=$?
  err=$(cat "$work/stderr")
  local what="odegrad $*"
  [[ $status == "$code" ]] || { fail "$what: exit $status, expected $code (stderr: $err)"; return; }
  [[ -z $out ]] || { fail "$what: wrote to stdout: $out"; return; }
  [[ $(printf '%s\n' "$err" | wc -l) == 1 && -n $err ]] || { fail "$what: stderr is not one line: $err"; return; }
  printf '%s\n' "$err" | grep -Eq -- "$pattern" || { fail "$what: stderr '$err' does not match '$pattern'"; return; }
  [[ $(fingerprint results) == "$before_here" ]] || { fail "$what: changed ./results"; return; }
  [[ $(fingerprint "$ODEGRAD_SOURCE/results") == "$before_src" ]] || { fail "$what: changed the source tree's results/"; return; }
  pass
}

finish() {
  echo "$checks passed, $failures failed"
  [[ $failures == 0 ]]
}
