#!/usr/bin/env bash
# run_fuzz.sh BINARY TARGET SECONDS — one fuzz target under CTest: first every saved
# regression input (tests/fuzz/regressions/TARGET/*, each once crashed), then fuzzing for
# SECONDS from a scratch copy of the seed corpus.  Fails on any crash, leak, sanitizer report
# or timeout; appends "TARGET<TAB>inputs executed<TAB>seconds" to fuzz-inputs.tsv here.
set -u
bin=$1 target=$2 seconds=$3
src="$ODEGRAD_SOURCE/tests/fuzz"
scratch=$(mktemp -d "${TMPDIR:-/tmp}/odegrad-fuzz-$target.XXXXXX")
trap 'rm -rf "$scratch"' EXIT
export TMPDIR=$scratch
if compgen -G "$src/regressions/$target/*" >/dev/null; then
  "$bin" -runs=0 "$src"/regressions/"$target"/* > "$scratch/regressions.log" 2>&1 ||
    { cat "$scratch/regressions.log"; echo "FAIL: a saved regression input of $target fails again"; exit 1; }
fi
mkdir -p "$scratch/corpus" "$scratch/artifacts"
cp "$src/corpus/$target"/* "$scratch/corpus/"
"$bin" -max_total_time="$seconds" -timeout=10 -rss_limit_mb=2048 -max_len=65536 \
       -print_final_stats=1 -artifact_prefix="$scratch/artifacts/" \
       "$scratch/corpus" > "$scratch/fuzz.log" 2>&1
status=$?
runs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$scratch/fuzz.log" | tail -1)
printf '%s\t%s\t%s\n' "$target" "${runs:-0}" "$seconds" >> fuzz-inputs.tsv
echo "$target: ${runs:-0} inputs executed in $seconds s"
if [[ $status != 0 ]]; then
  tail -60 "$scratch/fuzz.log"
  for f in "$scratch"/artifacts/*; do
    [[ -e $f ]] || continue
    echo "finding: $(basename "$f") (base64 below; save it under tests/fuzz/regressions/$target/)"
    base64 -w0 "$f"; echo
  done
  exit 1
fi
