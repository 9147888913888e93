# odegrad fit under mpirun -n 3 (the starts spread over the ranks, rank 0 writing the study)
# gives every start the same result as the serial fit with the same seed: the same start,
# objective, iterations, evaluation counts, end point and exit, bit for bit; the summary
# names the same best objective.  Two optimisers: BFGS stopped after 3 steps (so that the
# starts end at different objectives) and Gauss-Newton run to convergence.
source "$ODEGRAD_SOURCE/tests/cli/lib.sh"
source "$ODEGRAD_SOURCE/tests/bench/mpi_lib.sh"
cd "$work"
starts=7
per_start() {
  awk -F, '$6 ~ /^(objective|iterations|exit|converged|gradient_norm|steps)$/ ||
           $6 ~ /^(start|theta|evals_|fwd|bwd)/ || $6 == "status" {print $3, $4, $5, $6, $7, $8}' "$1" | sort
}
for optimizer in "bfgs --max-iter 3" "gauss-newton"; do
  args=(fit --model freefall --optimizer $optimizer --starts $starts --seed 11 --study f)
  "$ODEGRAD" "${args[@]}" --results serial > serial.txt 2> serial.err && pass ||
    fail "serial fit ($optimizer) failed: $(cat serial.err)"
  mpi 3 "$ODEGRAD" "${args[@]}" --results mpi > mpi.txt 2> mpi.err && pass ||
    fail "fit under mpirun -n 3 ($optimizer) failed: $(cat mpi.err)"
  grep -q "^progress: $starts/$starts cases" mpi.err && pass || fail "no progress line: $(cat mpi.err)"
  diff <(per_start serial/f.csv) <(per_start mpi/f.csv) > starts.diff && pass ||
    fail "$optimizer: per-start results differ: $(head -4 starts.diff)"
  [[ $(awk -F, '$6=="objective"' mpi/f.csv | wc -l) == "$starts" ]] && pass ||
    fail "$optimizer: $(awk -F, '$6=="objective"' mpi/f.csv | wc -l) objectives, want $starts"
  [[ $(grep "best objective" serial.txt) == "$(grep "best objective" mpi.txt)" ]] && pass ||
    fail "$optimizer: summaries differ: $(head -1 serial.txt) / $(head -1 mpi.txt)"
  rm -rf serial mpi
done
# after 3 BFGS steps the starts are at different objectives: the comparison is not vacuous
"$ODEGRAD" fit --model freefall --optimizer bfgs --max-iter 3 --starts $starts --seed 11 --study f \
  --results again > /dev/null 2>&1
[[ $(awk -F, '$6=="objective"{print $7}' again/f.csv | sort -u | wc -l) -ge 3 ]] && pass ||
  fail "the starts' objectives are (nearly) all alike: $(awk -F, '$6=="objective"{print $7}' again/f.csv)"
finish
