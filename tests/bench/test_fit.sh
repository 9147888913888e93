# odegrad fit end to end: a small multistart study on freefall writes one case per start to
# results/<study>.csv (tidy rows, a status row each, the iterate lines left out), the summary
# and plot data, and the figure; the starts are reproducible from the seed; re-running
# resumes without duplicating a start; a start that exceeds its time limit becomes a
# "timeout" row and the study goes on.
source "$ODEGRAD_SOURCE/tests/cli/lib.sh"
cd "$work"

csv=res/small.csv
statuses() { awk -F, '$6=="status"' "$1" | wc -l; }

"$ODEGRAD" fit --model freefall --optimizer gauss-newton --starts 4 --seed 7 --study small \
  --results res > table.txt 2> err.txt && pass || fail "fit failed: $(cat err.txt)"
[[ $(head -1 $csv) == "study,model,backend,options,repeat,metric,value,unit" ]] && pass || fail "header"
[[ $(statuses $csv) == 4 ]] && pass || fail "$(statuses $csv) status rows, want 4"
[[ $(awk -F, '$6=="status" && $7=="0"' $csv | wc -l) == 4 ]] && pass || fail "not every start ok: $(grep status $csv)"
[[ $(awk -F, '$6=="status"{print $3"|"$4"|"$5}' $csv | sort -u | tr '\n' ' ') == \
   "gauss-newton|starts=4 seed=7|1 gauss-newton|starts=4 seed=7|2 gauss-newton|starts=4 seed=7|3 gauss-newton|starts=4 seed=7|4 " ]] &&
  pass || fail "case keys: $(awk -F, '$6=="status"{print $3"|"$4"|"$5}' $csv)"
grep -q ",iterate," $csv && fail "iterate lines must not be stored" || pass
for metric in objective iterations evals_loss evals_gradient evals_hessian evals_jacobian seconds exit converged start.g theta.mu fwd.rhs; do
  [[ $(awk -F, -v m=$metric '$6==m' $csv | wc -l) == 4 ]] && pass || fail "metric $metric not in every start"
done
# the generating parameters (9.8, 0.5) are recovered from every start (exact data)
awk -F, '$6=="theta.g"{d=$7-9.8; if (d<0) d=-d; if (d>1e-6*9.8) bad++} END{exit bad>0}' $csv && pass || fail "g not recovered"
grep -q "freefall (best objective" table.txt && grep -q "gauss-newton .* 4 (100%)" table.txt && pass ||
  fail "summary table: $(cat table.txt)"
for f in res/small.fit.tsv res/small--freefall.waterfall.tsv res/small--freefall.fitbars.tsv res/small.meta.json; do
  [[ -s $f ]] && pass || fail "$f missing"
done
[[ $(awk -F'\t' 'NR==2{print $2, $4, $8}' res/small.fit.tsv) == "gauss-newton 4 1" ]] && pass ||
  fail "fit.tsv row: $(sed -n 2p res/small.fit.tsv)"

# reproducible starts: the same seed in another folder gives the same starts, another seed not
"$ODEGRAD" fit --model freefall --optimizer gauss-newton --starts 4 --seed 7 --study small \
  --results res2 > /dev/null 2>&1
"$ODEGRAD" fit --model freefall --optimizer gauss-newton --starts 4 --seed 8 --study small \
  --results res3 > /dev/null 2>&1
starts() { awk -F, '$6 ~ /^start\./{print $5, $6, $7}' "$1"; }
[[ "$(starts $csv)" == "$(starts res2/small.csv)" ]] && pass || fail "seed 7 gave other starts"
[[ "$(starts $csv)" != "$(starts res3/small.csv)" ]] && pass || fail "seed 8 gave the same starts"

# resume: the same command again runs nothing and adds no row
before=$(wc -l < $csv)
"$ODEGRAD" fit --model freefall --optimizer gauss-newton --starts 4 --seed 7 --study small \
  --results res > /dev/null 2>&1 && pass || fail "resumed fit failed"
[[ $(wc -l < $csv) == "$before" ]] && pass || fail "a resumed study added rows"
# another pair into the same study: its rows are added, the summary covers both
"$ODEGRAD" fit --model freefall --optimizer bfgs --starts 2 --seed 7 --study small --results res \
  > table2.txt 2>&1 && pass || fail "bfgs fit failed"
grep -q "bfgs/adjoint" table2.txt && grep -q "gauss-newton" table2.txt && pass || fail "summary of both pairs"
[[ $(statuses $csv) == 6 ]] && pass || fail "$(statuses $csv) status rows after the second pair, want 6"

# a start over its time limit: a timeout row (status 2) with exit "timeout", and the next start runs
"$ODEGRAD" fit --model jakstat --optimizer newton-tr --hessian soadjoint --starts 2 --timeout 0.05 \
  --study slow --results res > /dev/null 2> slow.txt && pass || fail "a timed-out start must not fail the study"
[[ $(awk -F, '$6=="status" && $7=="2"' res/slow.csv | wc -l) == 2 ]] && pass || fail "timeouts: $(grep status res/slow.csv)"
[[ $(awk -F, '$6=="exit" && $7=="7" && $8=="timeout"' res/slow.csv | wc -l) == 2 ]] && pass || fail "exit rows of timeouts"
grep -q "2 starts did not finish normally" slow.txt && pass || fail "no note of the timeouts: $(cat slow.txt)"

# a processor-time budget ends a start cleanly after the step that exhausts it ("max-time")
"$ODEGRAD" fit --model freefall --optimizer bfgs --starts 1 --max-cpu 1e-9 --study budget \
  --results res > /dev/null 2>&1 && pass || fail "a fit with a time budget failed"
[[ $(awk -F, '$6=="exit"{print $7, $8} $6=="iterations"{print $7} $6=="status"{print $7}' res/budget.csv | tr '\n' ' ') == "1 4 max-time 0 " ]] &&
  pass || fail "time budget rows: $(grep -E ',(exit|iterations|status),' res/budget.csv)"
grep -q "max-cpu=1e-9" res/budget.csv && pass || fail "the budget is not part of the case's options"

# trust-region reflective and Ipopt: the JSON summary gives every start and the best θ by name;
# the convergence trace has a line per accepted step of every start
"$ODEGRAD" fit --model freefall --optimizer trr --hessian soadjoint --hybrid fim --starts 2 --seed 7 \
  --study refl --results res > /dev/null 2> refl.txt && pass || fail "trr fit failed: $(cat refl.txt)"
"$ODEGRAD" fit --model freefall --optimizer ipopt --hessian soadjoint --starts 2 --seed 7 \
  --study refl --results res --format json > refl.json 2> refl.txt && pass || fail "ipopt fit failed: $(cat refl.txt)"
# every pair's best start, its θ by name (the generating values: the data are exact)
[[ $(grep -c '"best_start": {"start"' refl.json) == 2 && $(grep -c '"start_results": \[' refl.json) == 2 ]] &&
  pass || fail "JSON summary without best_start/start_results: $(cat refl.json)"
grep -o '"best_start": {[^}]*"theta": {"g": [^,]*, "mu": [^}]*' refl.json |
  sed 's/.*"g": \([^,]*\), "mu": \(.*\)/\1 \2/' |
  awk '{dg = $1 - 9.8; dm = $2 - 0.5; if (dg*dg > 1e-10 || dm*dm > 1e-10) bad++; n++} END {exit !(n == 2 && !bad)}' &&
  pass || fail "best theta by name: $(grep -o '"theta": {[^}]*}' refl.json)"
grep -q '"pair": "trr/fim>soadjoint"' refl.json && grep -q '"evals_approx_hessian": [1-9]' refl.json &&
  pass || fail "the hybrid pair's approximate Hessians are not reported"
[[ $(awk -F'\t' '$2 == "ipopt/soadjoint"' res/refl.trace.tsv | wc -l) -ge 2 ]] && pass || fail "no ipopt trace"
grep -q "^iteration"$'\t'"trr/fim>soadjoint" res/refl--freefall.trace.tsv && pass || fail "per-model trace"
"$ODEGRAD" fit --model freefall --optimizer trr --hessian soadjoint --hybrid fim --starts 2 --seed 7 \
  --study refl --results res --format csv > refl.csv 2>/dev/null && pass || fail "csv summary"
[[ $(grep -c "trr/fim>soadjoint" refl.csv) == 2 ]] && grep -q "g=9.8" refl.csv && pass ||
  fail "csv: one row per start with theta: $(cat refl.csv)"
expect_error 2 "newton-tr has no hybrid scheme; --hybrid is for --optimizer trr" -- fit --model freefall --optimizer newton-tr --hessian soadjoint --hybrid fim

# the figure from these results
if command -v gnuplot > /dev/null; then
  mkdir -p figs
  gnuplot -e "results='res'; figures='figs'; plots='$ODEGRAD_SOURCE/plots'" "$ODEGRAD_SOURCE/plots/fit_waterfall.gp" 2> gp.txt && pass ||
    fail "fit_waterfall.gp failed: $(cat gp.txt)"
  for ext in png svg; do
    [[ -s figs/fit_waterfall-small--freefall.$ext ]] && pass || fail "fit_waterfall-small--freefall.$ext missing"
  done
  gnuplot -e "results='res'; figures='figs'; plots='$ODEGRAD_SOURCE/plots'" "$ODEGRAD_SOURCE/plots/fit_trace.gp" 2> gp.txt &&
    [[ -s figs/fit_trace-refl--freefall.png ]] && pass || fail "fit_trace.gp failed: $(cat gp.txt)"
fi
finish
