#!/usr/bin/env bash
# tests/mutation/run.sh — the mutation check (on demand, not in CI: it rebuilds and runs the
# suite once per mutant).  Each line of tests/mutation/mutants.tsv is a small deliberate bug in
# the core numerics; for each, a private copy of the tree is patched (sed), rebuilt (plain
# build, -j2) and the whole CTest suite run with --stop-on-failure.  A mutant is killed when
# a test fails, survives when the suite passes.  Prints one line per mutant and the kill rate.
#
#   tests/mutation/run.sh [-R CTEST_REGEX] [-k ID]...   (-R: a subset of the tests; -k: only
#                                                         these mutants)
# Environment: ODEGRAD_MUTATION_DIR (the scratch tree; default a new temporary directory).
set -u
top=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
regex=() only=()
while [[ $# -gt 0 ]]; do
  case $1 in
    -R) regex=(-R "$2"); shift 2 ;;
    -k) only+=("$2"); shift 2 ;;
    *) echo "usage: $0 [-R CTEST_REGEX] [-k MUTANT_ID]..." >&2; exit 2 ;;
  esac
done
work=${ODEGRAD_MUTATION_DIR:-$(mktemp -d "${TMPDIR:-/tmp}/odegrad-mutation.XXXXXX")}
mkdir -p "$work/src"
# the tree as committed plus local edits, without build trees or results
(cd "$top" && git ls-files -z --cached --others --exclude-standard | grep -zv '^results/' |
  xargs -0 cp --parents -t "$work/src")
cmake -S "$work/src" -B "$work/build" >/dev/null || { echo "configure failed" >&2; exit 1; }
cmake --build "$work/build" -j2 >/dev/null 2>&1 || { echo "the unmutated tree does not build" >&2; exit 1; }
killed=0 survived=0 broken=0 total=0
while IFS=$'\t' read -r id file program what; do
  [[ -z $id || $id == \#* ]] && continue
  if [[ ${#only[@]} -gt 0 ]] && ! printf '%s\n' "${only[@]}" | grep -qx "$id"; then continue; fi
  total=$((total + 1))
  cp "$work/src/$file" "$work/original"
  sed -i -e "$program" "$work/src/$file"
  if cmp -s "$work/src/$file" "$work/original"; then
    echo "BROKEN    $id: the sed program no longer changes $file (update mutants.tsv)"
    broken=$((broken + 1))
    continue
  fi
  if ! cmake --build "$work/build" -j2 > "$work/build.log" 2>&1; then
    echo "BROKEN    $id: does not compile ($what)"
    broken=$((broken + 1))
  elif ctest --test-dir "$work/build" -j2 --stop-on-failure "${regex[@]}" > "$work/ctest.log" 2>&1; then
    echo "SURVIVED  $id: $what"
    survived=$((survived + 1))
  else
    first=$(grep -m1 -oE '(\*\*\*Failed|\*\*\*Timeout|\*\*\*Exception)[^(]*|Test +#[0-9]+: [^ ]+ \.+\*+(Failed|Timeout)' "$work/ctest.log" | head -1)
    by=$(grep -m1 -E '\*\*\*(Failed|Timeout|Exception)' "$work/ctest.log" | sed -E 's/.*Test +#[0-9]+: ([^ ]+).*/\1/')
    echo "KILLED    $id by ${by:-?}: $what"
    killed=$((killed + 1))
  fi
  cp "$work/original" "$work/src/$file"
done < "$top/tests/mutation/mutants.tsv"
cmake --build "$work/build" -j2 >/dev/null 2>&1   # leave the scratch tree unmutated
applied=$((killed + survived))
echo "mutants: $total, killed $killed, survived $survived, broken $broken; kill rate $killed/$applied"
[[ $survived == 0 && $broken == 0 ]]
