# gradient_solves — what one gradient costs per model, in units a reader can carry to another
# machine (the report's section 7, the cheap-gradient principle): left, the gradient's time in
# plain CVODES forward solves of the loss at the same tolerances (the summary's solves_median:
# a ratio of two medians, so it carries the timing noise stated in the README); right, the
# backward steps per forward step of the three continuous adjoints (adjoint: its backward BDF
# restarts at every observation time; backsolve: Runge-Kutta backwards with the state; interp:
# our Runge-Kutta/Rosenbrock backwards on the forward dense output, a step ending on every
# observation time without a restart); tape
# and checkpoint sweep their recorded steps once, fd and forward have no backward pass.
# One group per model, one bar per backend, at one tolerance (rtol 1e-8).
# needs: default.summary.tsv
# Data: results/default.summary.tsv (bench/studies/default.spec; columns by name).  A backend
# with no successful case on a model has no bar; the panel says which.
# Writes <figures>/gradient-solves.png and .svg.
if (!exists("plots")) plots = "plots"
load plots."/palette.gpi"
load plots."/check.gpi"
set datafile separator "\t"
set datafile missing "nan"
file = results."/default.summary.tsv"
rtol = "1e-8"
awk_columns = "NR == 1 { for (i = 1; i <= NF; i++) c[$i] = i; next } "
at_rtol = "$c[\"rtol\"] + 0 == ".rtol." "
models = system("awk -F'\t' '" . awk_columns . at_rtol . "{ print $1 }' '".file."' | awk '!seen[$0]++' | tr '\n' ' '")
backends = system("awk -F'\t' '" . awk_columns . at_rtol . "{ print $2 }' '".file."' | awk '!seen[$0]++'")
nm = words(models)
nb = words(backends)
bar_width = 0.8 / nb
# the bars of one backend as "x value": x = the model's slot + the backend's offset; value
# from an awk expression of the summary's columns (rows without a finite positive value left out)
bars(b, j, expr) = "< awk -F'\t' '" . awk_columns . at_rtol . "&& $2 == \"".b."\" && $c[\"ok\"] > 0 " . \
    "{ split(\"".models."\", m, \" \"); for (k in m) if (m[k] == $1) x = k; v = ".expr."; " . \
    "  if (v != \"nan\" && v + 0 > 0) print x + ".sprintf("%.6f", (j - (nb + 1) / 2.0) * bar_width)." \"\t\" v }' '".file."'"
count(b, expr) = int(system(bars(b, 1, expr)[3:]." | wc -l"))
solves_expr = "$c[\"solves_median\"]"
ratio_expr = "($2 != \"adjoint\" && $2 != \"backsolve\" && $2 != \"interp\" ? \"skip\" : $c[\"steps_fwd\"] > 0 && $c[\"steps_bwd\"] > 0 ? $c[\"steps_bwd\"] / $c[\"steps_fwd\"] : \"nan\")"
missing(expr) = system("awk -F'\t' '" . awk_columns . at_rtol . "{ v = ".expr."; if (v != \"skip\" && (!($c[\"ok\"] > 0) || v == \"nan\")) printf \"%s on %s; \", $2, $1 }' '".file."'")

set logscale y
set format y "10^{%L}"
set grid ytics
set xrange [0.4:nm + 0.6]
set xtics () noenhanced
do for [k=1:nm] { set xtics add (word(models, k) k) }
set style fill solid 0.75 border -1
set key top left noenhanced font ",9"
do for [term in "png svg"] {
    if (term eq "png") { set terminal pngcairo size 1400,560 font ",10" } else { set terminal svg size 1400,560 font ",10" }
    set output figures."/gradient-solves.".term
    set multiplot layout 1,2 title "cost of one gradient per model at rtol ".rtol
    do for [panel=1:2] {
        expr = panel == 1 ? solves_expr : ratio_expr
        set title (panel == 1 ? "gradient time in plain CVODES forward solves of the loss (median ratio; timing noise applies)" \
                              : "the continuous adjoints' backward steps per forward step (adjoint, backsolve, interp; deterministic)") noenhanced
        set ylabel (panel == 1 ? "forward solves per gradient" : "steps of the backward pass / steps of the forward pass") noenhanced
        drawn = ""
        do for [b in backends] { if (count(b, expr) > 0) { drawn = drawn." ".b } }
        gone = missing(expr)
        if (strlen(gone) > 0) { set label 1 "no bar: ".gone at graph 0, -0.11 left font ",7" noenhanced } else { unset label 1 }
        set bmargin 5
        if (words(drawn) > 0) {
            plot for [j=1:words(drawn)] bars(word(drawn, j), j, expr) using 1:2:(bar_width) with boxes \
                     lc rgb backend_colour(word(drawn, j)) title word(drawn, j), \
                 for [j=1:words(drawn)] bars(word(drawn, j), j, expr) using 1:2:(sprintf("%.2g", $2)) with labels \
                     offset 0, 0.6 font ",7" notitle
        } else {
            set label 2 "no backend of this panel in the study" at graph 0.5, 0.5 center
            plot [*:*] [0.1:10] 1/0 notitle
            unset label 2
        }
        if (term eq "png") {
            eval check_panel("gradient-solves", panel == 1 ? "forward solves" : "backward steps")
            do for [j=1:words(drawn)] {
                check_data = bars(word(drawn, j), j, expr)
                eval check_series(word(drawn, j), "using 1:2", "")
            }
        }
        unset label 1
    }
    unset multiplot
    set output
}
