#!/usr/bin/env bash
# profile.sh — profile likelihoods of every parameter of a model, by optimisation and by
# integrating the profile path (issue 15, item 5; `odegrad profile`, fit/profile.h), and the
# cost of each Hessian backend for the same integration-based profiles.
#
#   bench/studies/profile.sh default
#         freefall, both kinds, the second-order adjoint, the model's tolerances -> results/
#         profile--freefall.* (seconds; part of ./run study)
#   bench/studies/profile.sh models [M ...]
#         jakstat and rafmekerk (or the models named): every parameter (or those of PARAMS,
#         comma-separated), both kinds, soadjoint, through the model's best known optimum (the
#         best start of results/fit2-M.csv, else the `theta` line of
#         bench/studies/hessian-accuracy.spec, refitted by trust-region
#         reflective while the first parameter is profiled) -> results/profile--M.{profile,ci,
#         optimum}.tsv, drawn by plots/profile.gp.  One `odegrad profile` per parameter, all
#         from the same optimum (--no-fit), so that an interrupted run resumes at the next
#         parameter (the parts are kept in results/.profile-parts/, not in git).  Not part of
#         ./run study (see the README for the time per model; ./run study carries the last
#         results over).
#   bench/studies/profile.sh hessians [M ...]
#         the integration-based profiles of PARAMS (default: jakstat p1, rafmekerk kdf_Raf)
#         with each Hessian backend — soadjoint, the Fisher information (an
#         approximation), soforward, fdhess — all from the optimum of `models` (its first part
#         is computed if missing) -> results/profile-hessians--M.tsv, rewritten after each
#         backend: one row per backend and parameter: the interval, points, evaluations,
#         processor time, and the outcome (ok, or failed with odegrad's message).
#
# Environment: ODEGRAD (default build/odegrad), RESULTS (default results/), PARAMS (see
# above), RTOL/ATOL (models and hessians: 1e-8/1e-10 with BDF, the fit studies' settings),
# GTOL (the fits' and the corrector's tolerance on |grad|_inf: 1e-4, above the gradient's
# noise at rtol 1e-8), CI_TOL (the intervals' ends to CI_TOL x the box width: 1e-6).
set -euo pipefail
top=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
odegrad=${ODEGRAD:-$top/build/odegrad}
results=${RESULTS:-$top/results}
[[ -x $odegrad ]] || { echo "profile.sh: $odegrad is not built (./run build)" >&2; exit 1; }
mkdir -p "$results"
parts=$results/.profile-parts
settings=(--rtol "${RTOL:-1e-8}" --atol "${ATOL:-1e-10}" --solver bdf --ci-tol "${CI_TOL:-1e-6}")
say() { printf 'profile.sh: %s\n' "$*" >&2; }

# the best known optimum of model $1, comma-separated: the best start of the reflective fit
# study (results/fit2-$1.csv: the lowest objective any optimiser/Hessian pair reached), else
# hessian-accuracy.spec's theta line.  A profile's threshold is relative to the best objective,
# so it must start from the best optimum known, not from a local one.
known_optimum() {
  local theta= fits=$results/fit2-$1.csv
  if [[ -s $fits ]]; then
    theta=$(awk -F, 'NR > 1 { k = $3 SUBSEP $5 }
      NR > 1 && $6 == "objective" && $7 != "nan" { obj[k] = $7 + 0 }
      NR > 1 && $6 ~ /^theta\./ { th[k] = th[k] sep[k] $7; sep[k] = "," }
      END { for (k in obj) if (k in th && (best == "" || obj[k] < obj[best])) best = k; if (best != "") print th[best] }' "$fits")
  fi
  [[ -n $theta ]] || theta=$(awk -v m="$1" '$1 == "theta" && $2 == m {print $3}' "$top/bench/studies/hessian-accuracy.spec")
  [[ -n $theta ]] || { say "no optimum of $1 in results/fit2-$1.csv or bench/studies/hessian-accuracy.spec"; exit 2; }
  echo "$theta"
}

# the parameters of model $1, one a line (the hidden `odegrad case` names them at a point)
parameter_names() {
  "$odegrad" case --model "$1" --method adjoint --theta "$2" |
    awk -F'\t' '$1 ~ /^theta\./ {print substr($1, 7)}'
}

# θ of an optimum file, comma-separated
optimum_theta() { awk -F'\t' 'NR > 1 && $1 != "objective" {print $2}' "$1" | paste -sd,; }

# one part: `odegrad profile` of parameter $3 of model $1 by kind $4 with Hessian $2 into
# $parts/$1/$2-$3-$4/; from the optimum file when it exists, else refitting from the known
# optimum (which writes it).  Skipped when done before.
profile_part() {
  local m=$1 hessian=$2 param=$3 kind=$4 dir=$parts/$1/$2-$3-$4 gtol=(--gtol "${GTOL:-1e-4}")
  # a 5th argument: the corrector's tolerance instead of GTOL (a part of its own)
  if [[ -n ${5:-} ]]; then dir=$dir-gtol$5; gtol=(--gtol "$5"); fi
  [[ -s $dir/part--$m.ci.tsv ]] && return 0
  local start
  if [[ -s $parts/$m/optimum.tsv ]]; then
    start=(--theta "$(optimum_theta "$parts/$m/optimum.tsv")" --no-fit)
  else   # the first part refits from the best known optimum (read from the fit study once)
    start=(--theta "$(known_optimum "$m")")
  fi
  say "$m: $kind profile of $param with $hessian"
  rm -rf "$dir.tmp" "$dir.failed"
  mkdir -p "$dir.tmp"
  if ! "$odegrad" profile --model "$m" --method "$hessian" "${start[@]}" "${settings[@]}" "${gtol[@]}" \
      --param "$param" --kind "$kind" --study part --results "$dir.tmp" > /dev/null \
      2> "$dir.tmp/error.txt"; then
    cat "$dir.tmp/error.txt" >&2
    mv "$dir.tmp" "$dir.failed"
    return 1
  fi
  [[ -s $parts/$m/optimum.tsv ]] || cp "$dir.tmp/part--$m.optimum.tsv" "$parts/$m/optimum.tsv"
  mv "$dir.tmp" "$dir"
}

run_default() {
  say "freefall: every parameter, both kinds (soadjoint)"
  "$odegrad" profile --model freefall --method soadjoint --study profile --results "$results" > /dev/null
}

run_models() {
  local m param kind names
  for m in "$@"; do
    mkdir -p "$parts/$m"
    names=${PARAMS:-$(parameter_names "$m" "$(known_optimum "$m")" | paste -sd,)}
    local first=1 profile_tsv=$parts/$m/profile.tsv ci=$parts/$m/ci.tsv failed=$parts/$m/failed.tsv
    : > "$profile_tsv"
    rm -f "$ci"
    printf 'parameter\tkind\thessian\treason\n' > "$failed"
    for param in ${names//,/ }; do
      for kind in optimisation integration; do
        local d=$parts/$m/soadjoint-$param-$kind
        # a profile that fails is a row of the failures file (with odegrad's message), and
        # the others go on
        if ! profile_part "$m" soadjoint "$param" "$kind"; then
          printf '%s\t%s\tsoadjoint\t%s\n' "$param" "$kind" \
            "$(tr '\n\t' '  ' < "$d.failed/error.txt" | sed 's/ *$//')" >> "$failed"
          continue
        fi
        # the figure's blocks, two blank lines apart; the interval rows under one header
        if [[ $first == 0 ]]; then printf '\n\n' >> "$profile_tsv"; fi
        cat "$d/part--$m.profile.tsv" >> "$profile_tsv"
        [[ -e $ci ]] || head -1 "$d/part--$m.ci.tsv" > "$ci"
        tail -n +2 "$d/part--$m.ci.tsv" >> "$ci"
        first=0
      done
    done
    cp "$profile_tsv" "$results/profile--$m.profile.tsv"
    cp "$ci" "$results/profile--$m.ci.tsv"
    cp "$parts/$m/optimum.tsv" "$results/profile--$m.optimum.tsv"
    cp "$failed" "$results/profile--$m.failed.tsv"
    say "$m: results/profile--$m.{profile,ci,optimum,failed}.tsv"
  done
}

run_hessians() {
  local m param hessian names out
  for m in "$@"; do
    mkdir -p "$parts/$m"
    case $m in
      jakstat) names=${PARAMS:-p1} ;;
      rafmekerk) names=${PARAMS:-kdf_Raf} ;;
      *) names=${PARAMS:?profile.sh hessians: set PARAMS for model $m} ;;
    esac
    # the optimum first (soadjoint), so that every backend profiles from the same point
    profile_part "$m" soadjoint "${names%%,*}" integration
    out=$results/profile-hessians--$m.tsv
    local rows=$parts/$m/hessians.tsv
    rm -f "$rows"
    # the cheap ones first; the table is rewritten after each backend
    printf 'parameter\tkind\thessian\testimate\tci_lower\tci_upper\tlower_closed\tupper_closed\tpoints\tevals_loss\tevals_gradient\tevals_hessian\tcpu_seconds\toutcome\n' > "$rows"
    for hessian in soadjoint fim soforward fdhess; do
      for param in ${names//,/ }; do
        local d=$parts/$m/$hessian-$param-integration
        # a backend that fails (e.g. Newton corrections on the Fisher information that do not
        # reach GTOL) is a result too: its row says why, and the others still run
        if profile_part "$m" "$hessian" "$param" integration; then
          tail -n +2 "$d/part--$m.ci.tsv" | sed 's/$/\tok/' >> "$rows"
        else
          printf '%s\tintegration\t%s\tnan\tnan\tnan\t0\t0\t0\tnan\tnan\tnan\tnan\tfailed: %s\n' \
            "$param" "$hessian" "$(tr '\t\n' '  ' < "$d.failed/error.txt")" >> "$rows"
          # the Fisher information's Newton corrections converge only linearly (Gauss–Newton
          # on a problem with residuals): its profile again with a looser corrector, FIM_GTOL
          local loose=${FIM_GTOL:-1e-2}
          if [[ $hessian != fim ]]; then
            :
          elif profile_part "$m" fim "$param" integration "$loose"; then
            tail -n +2 "$d-gtol$loose/part--$m.ci.tsv" |
              sed "s/\tfim\t/\tfim-gtol$loose\t/; s/\$/\tok (corrector to |grad| <= $loose)/" >> "$rows"
          else
            printf '%s\tintegration\tfim-gtol%s\tnan\tnan\tnan\t0\t0\t0\tnan\tnan\tnan\tnan\tfailed: %s\n' \
              "$param" "$loose" "$(tr '\t\n' '  ' < "$d-gtol$loose.failed/error.txt")" >> "$rows"
          fi
        fi
      done
      cp "$rows" "$out"
    done
    say "$m: $out"
  done
}

mode=${1:-}
[[ $# -gt 0 ]] && shift
case $mode in
  default) run_default ;;
  models) if [[ $# == 0 ]]; then set -- jakstat rafmekerk; fi; run_models "$@" ;;
  hessians) if [[ $# == 0 ]]; then set -- jakstat rafmekerk; fi; run_hessians "$@" ;;
  *) say "usage: bench/studies/profile.sh default | models [M ...] | hessians [M ...]"; exit 2 ;;
esac
