# fit_trace — convergence of every start of a multistart fit (the report's Figure 6 asks which
# Hessian makes optimisation converge fastest): objective − best found against the iteration
# (left) and against the processor time the start had used (right), one thin curve per start,
# one colour per optimiser/Hessian pair (plots/palette.gpi's pair_colour: the same colour
# for a pair in every figure).
# needs: *.trace.tsv
# Data, written by `odegrad fit` (bench/fit_trace.h): <results>/<study>--<model>.trace.tsv,
# one gnuplot block per pair, its first line a header whose 2nd field names the pair; within a
# block one curve per start; columns iteration pair cpu_seconds objective delta start.
# Writes <figures>/fit_trace-<study>--<model>.png and .svg.  delta below 1e-6 is drawn at
# 1e-6 (the start has reached the best), above 1e6 at 1e6; the first such point of each start
# is marked (open circle on the floor, triangle on the ceiling, both named in the key), and an
# iteration at 0 processor seconds is drawn at 1e-6 s on the log time axis.
set datafile separator "\t"
set datafile missing "nan"
floor = 1e-6
ceiling = 1e6
clip(d) = d < floor ? floor : d > ceiling ? ceiling : d
if (!exists("plots")) plots = "plots"
load plots."/palette.gpi"
load plots."/check.gpi"
# the first point of each start beyond the floor (side < 0) or the ceiling (side > 0), drawn
# on it: "iteration seconds y"
marks(tf, side) = "< awk -F'\t' '$1 == \"iteration\" { next } NF >= 6 && $5 != \"nan\" { " . \
    "k = $2 SUBSEP $6; beyond = ".(side < 0 ? "$5 + 0 < ".sprintf("%g", floor) : "$5 + 0 > ".sprintf("%g", ceiling))."; " . \
    "if (beyond && !(k in seen)) { seen[k] = 1; print $1 \"\t\" ($3 > 0 ? $3 : 1e-6) \"\t\" ".sprintf("%g", side < 0 ? floor : ceiling)." } }' '".tf."'"
n_marks(tf, side) = int(system(marks(tf, side)[3:]." | wc -l"))
files = system("ls '".results."'/*--*.trace.tsv 2>/dev/null")
do for [tf in files] {
    base = tf[strlen(results) + 2 : strlen(tf) - strlen(".trace.tsv")]
    stats tf using 1 nooutput
    nblocks = STATS_blocks
    names = system("awk -F'\t' '$1 == \"iteration\" {print $2}' '".tf."'")
    nlow = n_marks(tf, -1)
    nhigh = n_marks(tf, 1)
    # the marker series of a panel whose x is column xc of marks()
    marked(xc) = (nlow > 0 ? sprintf(", marks(tf, -1) using %d:3 with points pt 6 ps 0.9 lc rgb 'black' title 'below 1e-6 (at the best): drawn on the floor'", xc) : "") . \
                 (nhigh > 0 ? sprintf(", marks(tf, 1) using %d:3 with points pt 8 ps 0.9 lc rgb 'black' title 'above 1e6: drawn on the ceiling'", xc) : "")
    do for [term in "png svg"] {
        if (term eq "png") { set terminal pngcairo size 1400,520 font ",10" } else { set terminal svg size 1400,520 font ",10" }
        set output figures."/fit_trace-".base.".".term
        set multiplot layout 1,2 title "convergence of every start: ".base noenhanced
        set logscale y
        set format y "10^{%L}"
        set yrange [floor/2:ceiling*2]
        set ylabel "objective - best found"
        set key top right noenhanced
        set grid
        set xlabel "iteration"
        unset logscale x
        set format x "%g"
        eval "plot for [i=0:nblocks-1] tf index i using 1:(clip(column(5))) with lines lw 0.8 " . \
             "lc rgb pair_colour(word(names, i + 1)) title columnheader(2), " . \
             "0.1 with lines dt 2 lc rgb 'gray40' title 'within 0.1 of the best'" . marked(1)
        if (term eq "png") {
            eval check_panel("fit_trace-".base, "iterations")
            check_data = tf
            do for [i=0:nblocks-1] { eval check_series(word(names, i + 1), sprintf("index %d using 1:5", i), "clip-top clip-bottom") }
            if (nlow > 0) { check_data = marks(tf, -1); eval check_series("below 1e-6 (at the best): drawn on the floor", "using 1:3", "clipmark") }
            if (nhigh > 0) { check_data = marks(tf, 1); eval check_series("above 1e6: drawn on the ceiling", "using 1:3", "clipmark") }
        }
        set xlabel "processor seconds (0 s drawn at 10^{-6} s)"
        set logscale x
        set format x "10^{%L}"
        eval "plot for [i=0:nblocks-1] tf index i using ($3 > 0 ? $3 : 1e-6):(clip(column(5))) with lines lw 0.8 " . \
             "lc rgb pair_colour(word(names, i + 1)) title columnheader(2), " . \
             "0.1 with lines dt 2 lc rgb 'gray40' notitle" . marked(2)
        if (term eq "png") {
            eval check_panel("fit_trace-".base, "processor seconds")
            check_data = tf
            do for [i=0:nblocks-1] { eval check_series(word(names, i + 1), sprintf("index %d using ($3 > 0 ? $3 : 1e-6):5", i), "clip-top clip-bottom") }
            if (nlow > 0) { check_data = marks(tf, -1); eval check_series("below 1e-6 (at the best): drawn on the floor", "using 2:3", "clipmark") }
            if (nhigh > 0) { check_data = marks(tf, 1); eval check_series("above 1e6: drawn on the ceiling", "using 2:3", "clipmark") }
        }
        unset multiplot
        set output
        unset logscale x
    }
}
