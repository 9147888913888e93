#!/usr/bin/env bash
# trajectory.sh — the state error of single solves against the closed form (the report's
# section 2.2 and Figure 2: "if each step introduces an error eps, the prediction is
# sin(t) + eps t"): Euler, RK4, the adaptive Dormand-Prince pair and CVODES BDF on the
# oscillator y = sin t and on the free fall, over 50 s, at equal work for the fixed-step
# methods (Euler 2000 steps = RK4 500 steps = 2000 right-hand sides).  One CSV,
# results/trajectory.csv (odegrad trajectory's rows), drawn by plots/error_accumulation.gp.
#
#   bench/studies/trajectory.sh      (environment: ODEGRAD, RESULTS as in fit.sh)
#
# Every solve takes milliseconds, so the file is rewritten whole (atomically) each time.
set -euo pipefail
top=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
odegrad=${ODEGRAD:-$top/build/odegrad}
results=${RESULTS:-$top/results}
[[ -x $odegrad ]] || { echo "trajectory.sh: $odegrad is not built (./run build)" >&2; exit 1; }
mkdir -p "$results"

solves=(
  "--solver euler --steps 2000"
  "--solver rk4 --steps 500"
  "--solver dopri5 --rtol 1e-6 --atol 1e-10"
  "--solver bdf --rtol 1e-6 --atol 1e-10"
)
out=$results/trajectory.csv
tmp=$out.tmp.$$
trap 'rm -f "$tmp"' EXIT
header=
for model in oscillator-T50 freefall-T50; do
  for solve in "${solves[@]}"; do
    # shellcheck disable=SC2086
    "$odegrad" trajectory --model "$model" $solve $header >> "$tmp"
    header=--no-header
  done
done
mv "$tmp" "$out"
trap - EXIT
echo "trajectory.sh: wrote $out" >&2
