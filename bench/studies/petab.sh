#!/usr/bin/env bash
# petab.sh — the PEtab benchmark collection as a study (issue 13, item 5): every gradient
# backend on every model in models/petab/collection/ (whatever folders are there: a model added
# to the collection is picked up), and the Hessian backends on the models with at most
# HESSIAN_NP estimated parameters, at one common tolerance, each case in its own process with
# a time limit.  Not part of ./run study (it takes about half an hour on 2 cores); ./run study
# carries its last results over, and they are committed in results/.
#
#   bench/studies/petab.sh            run both studies (resuming where an interrupted run
#                                     stopped), then write the ranking table
#   bench/studies/petab.sh table      only the ranking table, from the results
#
# Writes results/petab.* (gradients) and results/petab-hessian.* (Hessians), the usual study
# files (csv, summary.tsv, ref.tsv, meta.json), and results/petab.ranking.md: per model, the
# backends ranked by gradient time, with error and memory, failures with their reasons
# ("timeout", "refused: ...", "failed: ..."), and results/petab.best.md, the README's table
# (per model: size class, fastest gradient, fastest with error <= 1e-4).  Cases: rtol 1e-8, atol 1e-10 (PEtab.jl's
# benchmarks use tolerances of this order), one repeat; a case may take TIMEOUT seconds
# (default 30), a reference REF_TIMEOUT (default 90): a model whose reference does not finish
# has its errors shown as unavailable, with the reason in results/petab.ref.tsv.
#
# Environment: ODEGRAD (the binary; default build/odegrad), RESULTS (default results/),
# COLLECTION (default models/petab/collection), TIMEOUT, REF_TIMEOUT, HESSIAN_NP (default 30),
# MODELS (a space-separated subset of the folder names, e.g. for a quick check), LAUNCH (a
# launcher put before odegrad, e.g. "mpirun -n 2": two cases at a time; README, "Running on a
# cluster").
set -euo pipefail
top=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
cd "$top"
odegrad=$(realpath -m "${ODEGRAD:-$top/build/odegrad}")
results=$(realpath -m "${RESULTS:-$top/results}")
collection=$(realpath -m "${COLLECTION:-models/petab/collection}")
timeout=${TIMEOUT:-30}
ref_timeout=${REF_TIMEOUT:-90}
hessian_np=${HESSIAN_NP:-30}
say() { printf 'petab.sh: %s\n' "$*" >&2; }

# the model name of a collection folder, relative to the collection (the studies run there,
# so that names stay short: a model name holds at most 63 characters): the folder when it
# holds one problem file, else its problem file named after the folder
model_of() {
  local name=$1 count
  count=$(compgen -G "$name/*.yaml" | wc -l)
  if [[ $count -gt 1 && -f $name/$name.yaml ]]; then echo "petab:$name/$name.yaml"; else echo "petab:$name"; fi
}

# estimated parameters of a problem: rows with estimate = 1 in its parameter table
estimated_np() {
  local dir=$1 yaml table
  yaml=${2#petab:}
  [[ -f $yaml ]] || yaml=$(compgen -G "$dir/*.yaml" | head -1)
  table=$(sed -n 's/^[ -]*parameter_file: *//p' "$yaml" | head -1 | tr -d '"'"'"'\r')
  awk -F'\t' 'NR == 1 { for (i = 1; i <= NF; i++) if ($i == "estimate") c = i; next }
              c && $c + 0 == 1 { n++ } END { print n + 0 }' "$dir/$table"
}

# the ranking table: per model, the gradient backends by time, and the Hessian backends
write_table() {
  local out=$results/petab.ranking.md
  [[ -f $results/petab.summary.tsv ]] || { say "no $results/petab.summary.tsv yet"; return 1; }
  {
    echo "<!-- written by bench/studies/petab.sh table from results/petab.summary.tsv and petab-hessian.summary.tsv -->"
    echo "| model | np | nx | reference accuracy | gradient backends, fastest first: time (error) | failed (reason) | Hessian backends, fastest first: time (error) |"
    echo "|---|---|---|---|---|---|---|"
    awk -F'\t' -v hfile="$results/petab-hessian.summary.tsv" -v refs="$results/petab.ref.tsv" '
      function short(m) { sub(/^petab:/, "", m); sub(/\/.*/, "", m); return m }
      function fmt_t(t) { return t == "nan" || t == "" ? "-" : (t < 1e-3 ? sprintf("%.2g ms", t * 1e3) : (t < 1 ? sprintf("%.3g ms", t * 1e3) : sprintf("%.3g s", t))) }
      function fmt_e(e, b) { return e == "nan" || e == "" ? "no ref." : (b == 1 ? sprintf("<%.1e", e) : sprintf("%.1e", e)) }
      function reason(n) { r = n; sub(/:.*/, "", r); return r == "" ? "failed" : r }
      BEGIN {
        while ((getline line < refs) > 0) {
          split(line, f, "\t"); acc = f[3]
          if (acc ~ /^none/) { a = acc; sub(/ \(.*/, "", a); sub(/;.*/, "", a); refacc[f[1]] = a }
          else if (match(acc, /accuracy [0-9.e+-]+/)) refacc[f[1]] = substr(acc, RSTART + 9, RLENGTH - 9)
          else refacc[f[1]] = acc
        }
        hn = 0
        while ((getline line < hfile) > 0) {
          split(line, f, "\t")
          if (++hn == 1) { for (i = 1; i <= length(f); i++) hc[f[i]] = i; continue }
          m = f[hc["model"]]
          cell = f[hc["ok"]] > 0 ? sprintf("%s %s (%s)", f[hc["backend"]], fmt_t(f[hc["time_median_s"]]), f[hc["hess_rel_err"]] == "nan" ? "no ref." : sprintf("%.1e", f[hc["hess_rel_err"]])) \
                                 : sprintf("%s: %s", f[hc["backend"]], reason(f[hc["note"]]))
          key = (f[hc["ok"]] > 0 ? 0 : 1) (f[hc["ok"]] > 0 ? sprintf("%020.9f", f[hc["time_median_s"]]) : f[hc["backend"]])
          hcells[m, key] = cell; hkeys[m] = hkeys[m] " " key
        }
      }
      NR == 1 { for (i = 1; i <= NF; i++) c[$i] = i; next }
      {
        m = $c["model"]; if (!(m in seen)) { order[++nm] = m; seen[m] = 1 }
        if ($c["np"] != "nan") np[m] = $c["np"]; if ($c["nx"] != "nan") nx[m] = $c["nx"]
        b = $c["backend"]; o = $c["options"]; sub(/ ?rtol=[^ ]*/, "", o); sub(/ ?atol=[^ ]*/, "", o); sub(/^ /, "", o)
        name = b (o == "" ? "" : " " o)
        if ($c["ok"] > 0) { ok[m] = ok[m] " " sprintf("%020.9f", $c["time_median_s"]); cellof[m, sprintf("%020.9f", $c["time_median_s"])] = sprintf("%s %s (%s)", name, fmt_t($c["time_median_s"]), fmt_e($c["grad_rel_err"], $c["grad_err_bound"])) }
        else bad[m] = bad[m] (bad[m] == "" ? "" : "; ") name ": " reason($c["note"])
      }
      END {
        for (k = 1; k <= nm; k++) {
          m = order[k]; n = split(ok[m], ts, " "); line = ""
          for (i = 1; i <= n; i++) for (j = i + 1; j <= n; j++) if (ts[j] < ts[i]) { t = ts[i]; ts[i] = ts[j]; ts[j] = t }
          for (i = 1; i <= n; i++) line = line (i > 1 ? ", " : "") cellof[m, ts[i]]
          hn = split(hkeys[m], hk, " "); hline = ""
          for (i = 1; i <= hn; i++) for (j = i + 1; j <= hn; j++) if (hk[j] < hk[i]) { t = hk[i]; hk[i] = hk[j]; hk[j] = t }
          for (i = 1; i <= hn; i++) hline = hline (i > 1 ? ", " : "") hcells[m, hk[i]]
          printf "| %s | %s | %s | %s | %s | %s | %s |\n", short(m), np[m], nx[m], (m in refacc ? refacc[m] : "-"), line == "" ? "-" : line, bad[m] == "" ? "-" : bad[m], hline == "" ? "not run" : hline
        }
      }' "$results/petab.summary.tsv"
  } > "$out.tmp" && mv "$out.tmp" "$out"
  say "wrote $out"
  # the compact table of the README (models by np): per model its size class (PEtab.jl's:
  # small <= 20 parameters and <= 15 states, medium <= 75 and <= 50, large beyond), the fastest gradient,
  # the fastest whose error is known to be at most 1e-4, and forward sensitivities' time in
  # units of the fastest
  out=$results/petab.best.md
  {
    echo "<!-- written by bench/studies/petab.sh table from results/petab.summary.tsv -->"
    echo "| model | np | nx | class | fastest gradient: time (error) | fastest with error ≤ 1e-4 | \`forward\` time / fastest | \`adjoint\` time / fastest | failed |"
    echo "|---|---|---|---|---|---|---|---|---|"
    awk -F'\t' '
      function fmt_t(t) { return t < 1e-3 ? sprintf("%.2g ms", t * 1e3) : (t < 1 ? sprintf("%.3g ms", t * 1e3) : sprintf("%.3g s", t)) }
      function fmt_e(e, b) { return e == "nan" || e == "" ? "no reference" : (b == 1 ? sprintf("<%.1e", e) : sprintf("%.1e", e)) }
      NR == 1 { for (i = 1; i <= NF; i++) c[$i] = i; next }
      {
        m = $c["model"]; if (!(m in seen)) { order[++nm] = m; seen[m] = 1 }
        if ($c["np"] != "nan") np[m] = $c["np"]; if ($c["nx"] != "nan") nx[m] = $c["nx"]
        b = $c["backend"]; o = $c["options"]; gsub(/(rtol|atol|max_steps_b)=[^ ]*/, "", o); gsub(/  +/, " ", o); sub(/^ /, "", o); sub(/ $/, "", o)
        name = "`" b (o == "" ? "" : " " o) "`"
        if ($c["ok"] == 0) { failed[m]++; next }
        t = $c["time_median_s"] + 0; e = $c["grad_rel_err"]
        if (!(m in best) || t < best[m]) { best[m] = t; bestcell[m] = name " " fmt_t(t) " (" fmt_e(e, $c["grad_err_bound"]) ")" }
        if (e != "nan" && e + 0 <= 1e-4 && (!(m in acc) || t < acc[m])) { acc[m] = t; acccell[m] = name " " fmt_t(t) " (" fmt_e(e, $c["grad_err_bound"]) ")" }
        if (b == "forward" && o == "") fwd[m] = t
        if (b == "adjoint" && o == "") adj[m] = t
      }
      END {
        for (k = 1; k <= nm; k++) {
          m = order[k]; name = m; sub(/^petab:/, "", name); sub(/\/.*/, "", name)
          class = (np[m] <= 20 && nx[m] <= 15) ? "small" : (np[m] <= 75 && nx[m] <= 50 ? "medium" : "large")
          printf "| %s | %s | %s | %s | %s | %s | %s | %s | %s |\n", name, np[m], nx[m], np[m] == "" ? "-" : class, \
            (m in best) ? bestcell[m] : "all failed", (m in acc) ? acccell[m] : "-", \
            (m in fwd) ? sprintf("%.3g", fwd[m] / best[m]) : "failed", (m in adj) ? sprintf("%.3g", adj[m] / best[m]) : "failed", failed[m] + 0
        }
      }' "$results/petab.summary.tsv" | sort -t'|' -k3,3n -k2,2
  } > "$out.tmp" && mv "$out.tmp" "$out"
  say "wrote $out"
}

if [[ ${1:-} == table ]]; then write_table; exit; fi
[[ -z ${1:-} ]] || { say "usage: bench/studies/petab.sh [table]"; exit 2; }
[[ -x $odegrad ]] || { say "$odegrad is not built (./run build)"; exit 1; }
mkdir -p "$results"
models=() hessian_models=()
cd "$collection"   # model names relative to the collection (model_of)
for dir in */; do
  name=${dir%/}
  compgen -G "$name/*.yaml" > /dev/null || continue
  if [[ -n ${MODELS:-} && " $MODELS " != *" $name "* ]]; then continue; fi
  m=$(model_of "$name")
  (( ${#m} < 64 )) || { say "skipping $name: its model name $m is longer than 63 characters"; continue; }
  models+=("$m")
  np=$(estimated_np "$name" "$m")
  if (( np <= hessian_np )); then hessian_models+=("$m"); fi
done
[[ ${#models[@]} -gt 0 ]] || { say "no PEtab problem in $collection"; exit 1; }
specs=$(mktemp -d)
trap 'rm -rf "$specs"' EXIT
cat > "$specs/petab.spec" <<SPEC
# written by bench/studies/petab.sh: every gradient backend on the collection
study petab
models ${models[*]}
backends forward adjoint interp tape checkpoint backsolve fd
options interp
options interp solver=tsit5
options backsolve max_steps_b=20000
tol 1e-8/1e-10
repeats 1
timeout $timeout
reference_timeout $ref_timeout
SPEC
cat > "$specs/petab-hessian.spec" <<SPEC
# written by bench/studies/petab.sh: the Hessian backends on the models with np <= $hessian_np
study petab-hessian
want hessian
models ${hessian_models[*]}
backends soadjoint soforward fdhess fim
tol 1e-8/1e-10
repeats 1
timeout $((timeout * 2))
reference_timeout $ref_timeout
SPEC
say "gradients: ${#models[@]} models; Hessians: ${#hessian_models[@]} models (np <= $hessian_np)"
${LAUNCH:-} "$odegrad" bench "$specs/petab.spec" --results "$results" > /dev/null
[[ ${#hessian_models[@]} -eq 0 ]] || ${LAUNCH:-} "$odegrad" bench "$specs/petab-hessian.spec" --results "$results" > /dev/null
write_table
