# Every case also times one plain CVODES forward solve of the loss and states the run in
# those units: both rows are there, positive, and consistent with the run's own time (a
# ratio, so this holds whatever the machine's speed).  Our own integrators are measured
# against CVODES's BDF; the summary table shows the unit as its "solves" column.
source "$ODEGRAD_SOURCE/tests/cli/lib.sh"
cd "$work"
for backend in adjoint tape; do
  out=$("$ODEGRAD" case --model freefall --method $backend --rtol 1e-8 2>&1) ||
    { fail "$backend case failed: $out"; continue; }
  wall=$(awk -F'\t' '$1 == "wall_seconds" { print $2 }' <<< "$out")
  solve=$(awk -F'\t' '$1 == "forward_solve_seconds" { print $2 }' <<< "$out")
  ratio=$(awk -F'\t' '$1 == "time_per_forward_solve" { print $2 }' <<< "$out")
  [[ -n $solve && -n $ratio ]] && pass || { fail "$backend: no forward-solve rows: $out"; continue; }
  awk -v w="$wall" -v s="$solve" -v r="$ratio" 'BEGIN { exit !(s > 0 && r > 0 && (r * s - w) ^ 2 <= (1e-9 * w) ^ 2) }' &&
    pass || fail "$backend: ratio $ratio x solve $solve != wall $wall"
done
cat > unit.spec <<'SPEC'
study unit
models freefall
backends tape
tol 1e-8
SPEC
"$ODEGRAD" bench unit.spec --results "$work/res" > table.txt 2> err.txt || fail "bench: $(cat err.txt)"
grep -q " solves " table.txt && pass || fail "the summary has no solves column: $(head -2 table.txt)"
head -1 "$work/res/unit.summary.tsv" | tr '\t' '\n' | grep -qx solves_median && pass ||
  fail "unit.summary.tsv has no solves_median column"
finish
