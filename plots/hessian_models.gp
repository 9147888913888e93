# hessian_models — one full Hessian per method on four unrelated models of 2 ... 82 parameters
# (bench/studies/hessian.spec, rtol 1e-8): time, bytes held and the error against the
# reference Hessian, one group per model, one bar per method.  How the cost grows with the
# number of parameters (the report's Figure 4) is plots/hessian_scaling.gp; this figure adds
# memory and accuracy on the study's models.
# needs: hessian.summary.tsv
# Data: results/hessian.summary.tsv (columns by name: one row per model, backend and options;
# time the median over repeats, bytes and error the worst).  A method without a value on a
# model (failed, or no reference Hessian so no error) has no bar; the panel says which.
# Writes <figures>/hessian-models.png and .svg.
if (!exists("plots")) plots = "plots"
load plots."/palette.gpi"
load plots."/check.gpi"
set datafile separator "\t"
set datafile missing "nan"
file = results."/hessian.summary.tsv"
awk_columns = "NR == 1 { for (i = 1; i <= NF; i++) c[$i] = i; next } "
# a method is the backend, with its scheme when the options name one (soadjoint/interp)
awk_method = "function method() { if (match($3, /scheme=[a-z]+/)) return $2 \"/\" substr($3, RSTART + 7, RLENGTH - 7); return $2 } "
models = system("awk -F'\t' 'NR > 1 { print $1 }' '".file."' | awk '!seen[$0]++' | tr '\n' ' '")
methods = system("awk -F'\t' '" . awk_method . "NR > 1 { print method() }' '".file."' | awk '!seen[$0]++' | tr '\n' ' '")
np_of(m) = system("awk -F'\t' '" . awk_columns . "$1 == \"".m."\" && $c[\"np\"] != \"nan\" { print $c[\"np\"]; exit }' '".file."'")
nm = words(models)
nb = words(methods)
bar_width = 0.8 / nb
# (built by concatenation: gnuplot 5.4's sprintf garbles formats holding "%%" when an argument
# is long, such as a results path)
bars(b, j, col) = "< awk -F'\t' '" . awk_method . awk_columns . "method() == \"".b."\" && $c[\"ok\"] > 0 " . \
    "{ split(\"".models."\", m, \" \"); for (k in m) if (m[k] == $1) x = k; v = $c[\"".col."\"]; " . \
    "  if (v != \"nan\" && v + 0 > 0) print x + ".sprintf("%.6f", (j - (nb + 1) / 2.0) * bar_width)." \"\t\" v }' '".file."'"
count(b, col) = int(system(bars(b, 1, col)[3:]." | wc -l"))
missing(col) = system("awk -F'\t' '" . awk_method . awk_columns . "{ if (!($c[\"ok\"] > 0) || $c[\"".col."\"] == \"nan\") printf \"%s on %s; \", method(), $1 }' '".file."'")
columns = "time_median_s peak_bytes hess_rel_err"
column_title(c) = c eq "time_median_s" ? "Hessian time (s, median of repeats)" : \
                  c eq "peak_bytes" ? "bytes held by the backend at its peak (B)" : "relative Hessian error (2-norm) against the reference"

set logscale y
set format y "10^{%L}"
set grid ytics
set xrange [0.4:nm + 0.6]
set xtics () noenhanced font ",9"
do for [k=1:nm] { set xtics add (sprintf("%s\n(np = %s)", word(models, k), np_of(word(models, k))) k) }
set style fill solid 0.8 border -1
set key top left noenhanced font ",9"
set bmargin 6
do for [term in "png svg"] {
    if (term eq "png") { set terminal pngcairo size 1600,540 font ",10" } else { set terminal svg size 1600,540 font ",10" }
    set output figures."/hessian-models.".term
    set multiplot layout 1,3 title "one full Hessian per method on the study's models (rtol 1e-8)"
    do for [col in columns] {
        set ylabel column_title(col) noenhanced
        drawn = ""
        do for [b in methods] { if (count(b, col) > 0) { drawn = drawn." ".b } }
        gone = missing(col)
        if (strlen(gone) > 0) { set label 1 "no bar: ".gone at graph 0, -0.2 left font ",7" noenhanced } else { unset label 1 }
        plot for [j=1:words(drawn)] bars(word(drawn, j), j, col) using 1:2:(bar_width) with boxes \
                 lc rgb backend_colour(word(drawn, j)) title word(drawn, j)
        if (term eq "png") {
            eval check_panel("hessian-models", col)
            do for [j=1:words(drawn)] {
                check_data = bars(word(drawn, j), j, col)
                eval check_series(word(drawn, j), "using 1:2", "")
            }
        }
        unset label 1
    }
    unset multiplot
    set output
}
