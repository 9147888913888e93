# hessian_cost — the cost of a full Hessian per method and model (the report's Figure 4):
# time, bytes held and the error against the reference Hessian, for the second-order adjoint
# (soadjoint), second-order forward sensitivities (soforward), finite differences of adjoint
# gradients (fdhess) and the Fisher information / Gauss-Newton matrix (fim), on models of
# increasing parameter count.
# needs: hessian.summary.tsv
# Data: results/hessian.summary.tsv (bench/studies/hessian.spec; columns by name: one row per
# model, backend and options; time the median over repeats, bytes and error the worst).
# Writes <figures>/hessian-cost.png and .svg.
if (!exists("plots")) plots = "plots"
load plots."/palette.gpi"
file = results."/hessian.summary.tsv"
methods = "soadjoint soforward fdhess fim"

# rows "model(np) v_soadjoint v_soforward v_fdhess v_fim" of one column, models in study order
# (built by concatenation: gnuplot 5.4's sprintf garbles formats holding "%%" when an argument
# is long, such as a results path)
table(column_name) = "< awk -F'\t' 'NR == 1 { for (i = 1; i <= NF; i++) c[$i] = i; next } " . \
    "{ if (!($1 in seen)) { seen[$1] = 1; order[++n] = $1; np[$1] = $c[\"np\"] } " . \
    "  if ($c[\"ok\"] > 0) v[$1, $2] = $c[\"".column_name."\"] } " . \
    "END { split(\"".methods."\", m, \" \"); for (k = 1; k <= n; k++) { " . \
    "  printf \"%s\\\\n(np=%d)\", order[k], np[order[k]]; " . \
    "  for (j = 1; j <= 4; j++) printf \" %s\", ((order[k], m[j]) in v) ? v[order[k], m[j]] : \"nan\"; " . \
    "  printf \"\\n\" } }' '".file."'"

set datafile missing "nan"
set style data histograms
set style histogram clustered gap 1
set style fill solid 0.8 border -1
set boxwidth 0.9
set logscale y
set format y "10^{%L}"
set grid ytics
set key outside top center horizontal noenhanced
set xtics noenhanced font ",9"
set bmargin 4
set tmargin 5
set xrange [-0.6:3.6]
do for [term in "png svg"] {
    if (term eq "png") { set terminal pngcairo size 1500,540 font ",10" } else { set terminal svg size 1500,540 font ",10" }
    set output figures."/hessian-cost.".term
    set multiplot layout 1,3 title "cost of a full Hessian per method (rtol 1e-8)"
    set ylabel "Hessian time (s, median of repeats)"
    plot for [j=1:4] table("time_median_s") using (column(j + 1)):xtic(1) \
         lc rgb backend_colour(word(methods, j)) title word(methods, j)
    set ylabel "bytes held by the backend at its peak (B)"
    plot for [j=1:4] table("peak_bytes") using (column(j + 1)):xtic(1) \
         lc rgb backend_colour(word(methods, j)) title word(methods, j)
    set ylabel "relative Hessian error (2-norm) against the reference"
    plot for [j=1:4] table("hess_rel_err") using (column(j + 1)):xtic(1) \
         lc rgb backend_colour(word(methods, j)) title word(methods, j)
    unset multiplot
    set output
}
