#!/usr/bin/env bash
# fit.sh — the multistart optimisation studies (issue 8; the report's section 7, Figure 6):
# every optimiser/Hessian pair of `odegrad fit` from the same seeded Latin-hypercube starts,
# one `odegrad fit` call per pair into one study, each start in its own process with a time
# limit.  The summary (results/<study>.fit.tsv) and the waterfall figure's data are rewritten
# after every pair; plots/make-all draws plots/fit_waterfall.gp from them.
#
#   bench/studies/fit.sh default   freefall, 10 starts per pair, the model's tolerances —
#                                  part of ./run study (well under a minute)
#   bench/studies/fit.sh reflective [M ...]
#                                  the second round (issue 15): the report's two optimisers,
#                                  trust-region reflective (trr) and Ipopt's interior point,
#                                  each with the exact Hessian, trr's hybrid (Fisher
#                                  information first, then the exact Hessian) and trr/ipopt on
#                                  the Fisher information alone, Ipopt's L-BFGS and
#                                  Gauss–Newton (the sine-transform newton-tr is left out:
#                                  the 45 s study above measured it);
#                                  STARTS starts per pair (default 50), CPU seconds of
#                                  processor time per start (default 8), jakstat and rafmekerk
#                                  (or the models named), study fit2-<model>.  With the
#                                  defaults: 7 pairs × 50 starts × 2 models × at most 8 s =
#                                  5600 processor seconds, under an hour on 2 cores with one
#                                  model per core (most starts end before their budget):
#                                    bench/studies/fit.sh reflective jakstat &
#                                    bench/studies/fit.sh reflective rafmekerk &
#                                  STARTS=3 CPU=3 bench/studies/fit.sh reflective jakstat
#                                  is a check that it runs (a minute or two)
#   bench/studies/fit.sh models [M ...]
#                                  jakstat and rafmekerk (or the models named), 20 starts per
#                                  pair, rtol 1e-8, atol 1e-10 (the models' own atol 1e-14
#                                  makes BDF fail its error test at many starts), BDF, at most
#                                  1e5 steps per integration; each start may take 500
#                                  iterations and CPU seconds of processor time (default 45:
#                                  the same budget whatever the machine's load);
#                                  study fit-<model> per model, so two models can run at once:
#                                    bench/studies/fit.sh models jakstat &
#                                    bench/studies/fit.sh models rafmekerk &
#                                  about 45 minutes on 2 cores; not part of ./run study or CI
#                                  (./run study carries the last results over)
#
# Environment: ODEGRAD (the binary; default build/odegrad), RESULTS (default results/),
# CPU (processor seconds per start: models study default 45, reflective 8), STARTS
# (reflective: starts per pair, default 50).
# Like every study it resumes: re-running skips the starts already in the CSV.
set -euo pipefail
top=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
odegrad=${ODEGRAD:-$top/build/odegrad}
results=${RESULTS:-$top/results}
[[ -x $odegrad ]] || { echo "fit.sh: $odegrad is not built (./run build)" >&2; exit 1; }

# the report's pair first, then the cheap ones, the dearest last
pairs=(
  "--optimizer newton-tr --hessian soadjoint"
  "--optimizer newton-tr --hessian fim"
  "--optimizer gauss-newton"
  "--optimizer bfgs --method adjoint"
  "--optimizer newton-tr --hessian fdhess"
  "--optimizer newton-tr --hessian soforward"
)

# the second round's pairs: the report's two optimisers with each curvature, and the comparison
pairs2=(
  "--optimizer trr --hessian soadjoint"
  "--optimizer ipopt --hessian soadjoint"
  "--optimizer trr --hessian soadjoint --hybrid fim"
  "--optimizer trr --hessian fim"
  "--optimizer ipopt --hessian fim"
  "--optimizer ipopt-lbfgs --method adjoint"
  "--optimizer gauss-newton"
)

# study NAME MODEL STARTS TIMEOUT [options...]: every pair of PAIRS (default: pairs) on MODEL,
# then the study's table
study() {
  local name=$1 model=$2 starts=$3 timeout=$4; shift 4
  local pair
  local -n list=${PAIRS:-pairs}
  for pair in "${list[@]}"; do
    echo "fit.sh: $name: $model $pair" >&2
    # shellcheck disable=SC2086
    "$odegrad" fit --model "$model" $pair --starts "$starts" --seed 1 --timeout "$timeout" "$@" \
      --study "$name" --results "$results" > /dev/null
  done
  # everything is done: this only prints the study's table
  # shellcheck disable=SC2086
  "$odegrad" fit --model "$model" ${list[0]} --starts "$starts" --seed 1 "$@" --study "$name" \
    --results "$results"
}

case ${1:-} in
  default) study fit freefall 10 120 ;;
  models)
    shift
    models=("$@")
    [[ ${#models[@]} -gt 0 ]] || models=(jakstat rafmekerk)
    for model in "${models[@]}"; do
      study "fit-$model" "$model" 20 1800 --rtol 1e-8 --atol 1e-10 --solver bdf \
        --max-steps 100000 --max-iter 500 --max-cpu "${CPU:-45}"
    done ;;
  reflective)
    shift
    models=("$@")
    [[ ${#models[@]} -gt 0 ]] || models=(jakstat rafmekerk)
    cpu=${CPU:-8}
    for model in "${models[@]}"; do
      # the child's (wall-clock) time limit: far above the processor-time budget, so that a
      # loaded machine does not turn slow starts into timeouts
      PAIRS=pairs2 study "fit2-$model" "$model" "${STARTS:-50}" "$(( ${cpu%.*} * 10 + 120 ))" \
        --rtol 1e-8 --atol 1e-10 --solver bdf --max-steps 100000 --max-iter 500 --max-cpu "$cpu"
    done ;;
  *) echo "usage: bench/studies/fit.sh default | models [MODEL ...] | reflective [MODEL ...]" >&2; exit 2 ;;
esac
