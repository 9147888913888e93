#!/usr/bin/env bash
# kernels.sh — every backend's time with both kernel kinds (issue 16, item 5; part of
# ./run study): bench/studies/kernels.spec run ROUNDS times (default 3) with compiled kernels
# and with the interpreter, the two kinds alternating so that both see the same load, each
# run into its own folder $RESULTS/kernels/<round>-<kind>/ (the reference gradients are
# computed once, by the first run, and copied to the others).  Then
#   $RESULTS/kernels.tsv   model, backend, the median wall time of each kind over the rounds
#                          (seconds), interpreted/compiled, and the rounds each kind
#                          succeeded in (a case that failed in some round is listed with the
#                          rounds it has; one that never succeeded with "-")
#
# Environment: ODEGRAD (the binary; default build/odegrad), RESULTS (default results/),
# ROUNDS (default 3), SPEC (default bench/studies/kernels.spec; its study must be `kernels`).
set -euo pipefail
top=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
odegrad=${ODEGRAD:-$top/build/odegrad}
results=${RESULTS:-$top/results}
rounds=${ROUNDS:-3}
spec=${SPEC:-$top/bench/studies/kernels.spec}
[[ -x $odegrad ]] || { echo "kernels.sh: $odegrad is not built (./run build)" >&2; exit 1; }
[[ $rounds =~ ^[1-9][0-9]*$ ]] || { echo "kernels.sh: ROUNDS must be a positive whole number" >&2; exit 2; }
rm -rf "$results/kernels"
mkdir -p "$results/kernels"
first=
for ((r = 1; r <= rounds; r++)); do
  for kind in compiled interpreted; do
    dir=$results/kernels/$r-$kind
    mkdir -p "$dir"
    if [[ -n $first ]]; then cp "$first/kernels.ref.tsv" "$dir/"; fi
    ODEGRAD_KERNELS=$kind "$odegrad" bench "$spec" --results "$dir" > /dev/null
    [[ -n $first ]] || first=$dir
  done
done
# one row per (model, backend): the medians of each kind's successful rounds
out=$results/kernels.tsv
for csv in "$results"/kernels/*/kernels.csv; do
  kind=$(basename "$(dirname "$csv")"); kind=${kind#*-}
  awk -F, -v kind="$kind" '$6 == "wall_seconds" { print $2 "\t" $3 "\t" kind "\t" $7 }' "$csv"
done | awk -F'\t' '
  function median(s,   n, v, i, j, x) {
    n = split(s, v, " ")
    for (i = 1; i <= n; i++) for (j = i + 1; j <= n; j++) if (v[j] + 0 < v[i] + 0) { x = v[i]; v[i] = v[j]; v[j] = x }
    return n % 2 ? v[(n + 1) / 2] : (v[n / 2] + v[n / 2 + 1]) / 2
  }
  { key = $1 "\t" $2; if (!(key in seen)) { seen[key] = 1; order[++nk] = key }
    t[key, $3] = t[key, $3] " " $4; n[key, $3]++ }
  END {
    print "model\tbackend\tcompiled_s\tinterpreted_s\tinterpreted/compiled\tcompiled_rounds\tinterpreted_rounds"
    for (i = 1; i <= nk; i++) {
      k = order[i]
      c = n[k, "compiled"] ? median(t[k, "compiled"]) : "-"
      p = n[k, "interpreted"] ? median(t[k, "interpreted"]) : "-"
      ratio = (c != "-" && p != "-" && c > 0) ? sprintf("%.2f", p / c) : "-"
      printf "%s\t%s\t%s\t%s\t%d\t%d\n", k, (c == "-" ? c : sprintf("%.4g", c)), (p == "-" ? p : sprintf("%.4g", p)), ratio, n[k, "compiled"], n[k, "interpreted"]
    }
  }' > "$out.tmp"
mv "$out.tmp" "$out"
echo "kernels.sh: $out" >&2
