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
# 1e-6 (the start has reached the best), above 1e6 at 1e6.
set datafile separator "\t"
set datafile missing "nan"
floor = 1e-6
ceiling = 1e6
clip(d) = d < floor ? floor : d > ceiling ? ceiling : d
if (!exists("plots")) plots = "plots"
load plots."/palette.gpi"
files = system("ls '".results."'/*--*.trace.tsv 2>/dev/null")
do for [tf in files] {
    base = tf[strlen(results) + 2 : strlen(tf) - strlen(".trace.tsv")]
    stats tf using 1 nooutput
    nblocks = STATS_blocks
    names = system("awk -F'\t' '$1 == \"iteration\" {print $2}' '".tf."'")
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
        plot for [i=0:nblocks-1] tf index i using 1:(clip(column(5))) with lines lw 0.8 \
                 lc rgb pair_colour(word(names, i + 1)) title columnheader(2), \
             0.1 with lines dt 2 lc rgb "gray40" title "within 0.1 of the best"
        set xlabel "processor seconds"
        set logscale x
        set format x "10^{%L}"
        plot for [i=0:nblocks-1] tf index i using ($3 > 0 ? $3 : 1e-6):(clip(column(5))) with lines lw 0.8 \
                 lc rgb pair_colour(word(names, i + 1)) title columnheader(2), \
             0.1 with lines dt 2 lc rgb "gray40" notitle
        unset multiplot
        set output
        unset logscale x
    }
}
