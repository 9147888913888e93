#!/usr/bin/env bash
# fitpoints.sh — what a full Hessian costs at the points the fit study reached, by backend:
# soforward, soadjoint (scheme=cvodes, its default), soadjoint scheme=interp, and the same with
# weight=peak (the backward error weighed against each component's largest size), on jakstat
# and rafmekerk.  The points are read from the fit study's results (results/fit-<model>.csv,
# bench/studies/fit.sh models): the 20 starts and where the newton-tr fits with soforward and
# with soadjoint ended — 60 points per model — each at the study's tolerances (rtol 1e-8,
# atol 1e-10, 100 000 steps per integration).  The four backends run one after the other at
# each point, in an order that rotates from point to point, so that all see the same load.
#
#   $RESULTS/fit-hessian-cost.tsv   model, point, then per backend the wall time of the
#                                   Hessian (seconds; "fail" when it failed) and the steps
#                                   forward + backward
#
# Not part of ./run study (several minutes); its last result is carried over like the fits'.
# Environment: ODEGRAD (the binary; default build/odegrad), RESULTS (default results/),
# MODELS (default "jakstat rafmekerk").
set -euo pipefail
top=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
odegrad=${ODEGRAD:-$top/build/odegrad}
results=${RESULTS:-$top/results}
models=${MODELS:-jakstat rafmekerk}
[[ -x $odegrad ]] || { echo "fitpoints.sh: $odegrad is not built (./run build)" >&2; exit 1; }
backends=("soforward" "soadjoint" "soadjoint scheme=interp" "soadjoint scheme=interp weight=peak")
tolerances=(--rtol 1e-8 --atol 1e-10 --max-steps 100000)

# one line per point: name <tab> θ (comma-separated, in the model's order as the fit wrote it)
points() {
  awk -F, '
    $6 ~ /^start\./ && $3 == "newton-tr/soforward" {
      k = "start-" $5; if (!(k in seen)) { seen[k] = 1; order[++n] = k }
      theta[k] = theta[k] (count[k]++ ? "," : "") $7 }
    $6 ~ /^theta\./ && ($3 == "newton-tr/soforward" || $3 == "newton-tr/soadjoint") {
      split($3, b, "/"); k = "end-" b[2] "-" $5; if (!(k in seen)) { seen[k] = 1; order[++n] = k }
      theta[k] = theta[k] (count[k]++ ? "," : "") $7 }
    END { for (i = 1; i <= n; i++) print order[i] "\t" theta[order[i]] }' "$1"
}

# time and steps of one Hessian from the JSON report, or "fail"
measure() {
  local model=$1 theta=$2 backend=$3 json
  local method=${backend%% *} opt=() word
  for word in ${backend#"$method"}; do opt+=(--opt "$word"); done
  if json=$("$odegrad" hess --model "$model" --method "$method" "${opt[@]}" --theta "$theta" \
              "${tolerances[@]}" --format json 2> /dev/null); then
    awk '/"metric": "wall_seconds"/ { sub(/.*"value": /, ""); sub(/[,}].*/, ""); s = $0 }
         /"metric": "steps_fwd"/ { sub(/.*"value": /, ""); sub(/[,}].*/, ""); f = $0 }
         /"metric": "steps_bwd"/ { sub(/.*"value": /, ""); sub(/[,}].*/, ""); b = $0 }
         END { printf "%s\t%d\n", s, f + b }' <<< "$json"
  else
    printf 'fail\t-\n'
  fi
}

out=$results/fit-hessian-cost.tsv
tmp=$(mktemp "$results/.fit-hessian-cost.XXXXXX")
chmod 644 "$tmp"
trap 'rm -f "$tmp"' EXIT
printf 'model\tpoint\tsoforward_s\tsoforward_steps\tsoadjoint_s\tsoadjoint_steps\tinterp_s\tinterp_steps\tpeak_s\tpeak_steps\n' > "$tmp"
for model in $models; do
  csv=$results/fit-$model.csv
  [[ -f $csv ]] || { echo "fitpoints.sh: $csv is missing (bench/studies/fit.sh models)" >&2; exit 1; }
  i=0
  while IFS=$'\t' read -r point theta; do
    declare -A row=()
    for ((k = 0; k < ${#backends[@]}; k++)); do   # rotate the order
      b=${backends[$(((i + k) % ${#backends[@]}))]}
      row[$b]=$(measure "$model" "$theta" "$b")
    done
    printf '%s\t%s\t%s\t%s\t%s\t%s\n' "$model" "$point" "${row[soforward]}" \
      "${row[soadjoint]}" "${row[soadjoint scheme=interp]}" \
      "${row[soadjoint scheme=interp weight=peak]}" >> "$tmp"
    unset row
    i=$((i + 1))
  done < <(points "$csv")
done
mv "$tmp" "$out"
trap - EXIT
echo "fitpoints.sh: $out"
