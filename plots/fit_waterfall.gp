# fit_waterfall — multistart optimisation per optimiser/Hessian pair (the report's Figure 6,
# issue 8): the "waterfall" of final objectives of all starts, sorted, one curve per pair,
# beside the processor time per successful start and the fraction of starts within 0.1 of the best
# objective found for the model.  One colour per pair (plots/palette.gpi's pair_colour), the
# same in every figure.
# needs: *.waterfall.tsv
# Data, written by `odegrad fit` (bench/fit_summary.h), one pair of files per study and model:
#   <results>/<study>--<model>.waterfall.tsv  gnuplot blocks, one per pair, first line a header
#                                             whose 2nd field names the pair; columns rank
#                                             objective delta converged seconds
#   <results>/<study>--<model>.fitbars.tsv    index pair fraction_within median_seconds_success
#                                             median_seconds_converged seconds_per_success
#                                             median_iterations_success
# Writes <figures>/fit_waterfall-<study>--<model>.png and .svg for every such pair of files.
# Waterfall y: objective − best found, on a log scale; starts at the best (delta below 1e-6)
# are drawn at 1e-6 and starts far off (delta above 1e6) at 1e6; filled points mark starts
# whose optimiser converged, open ones the rest (max-iter, stalled, failed, timeout); starts
# without an objective are not drawn.
set datafile separator "\t"
set datafile missing "nan"
if (!exists("plots")) plots = "plots"
load plots."/palette.gpi"
floor = 1e-6
ceiling = 1e6
files = system("ls '".results."'/*.waterfall.tsv 2>/dev/null")
do for [wf in files] {
    base = wf[strlen(results) + 2 : strlen(wf) - strlen(".waterfall.tsv")]
    bars = results."/".base.".fitbars.tsv"
    set autoscale
    unset logscale
    stats wf using 1 nooutput
    nblocks = STATS_blocks
    stats bars using 1 nooutput
    npairs = STATS_records
    stats wf using 1 nooutput
    nstarts = STATS_max
    names = system("awk -F'\t' '$1 == \"rank\" {print $2}' '".wf."'")
    # the time panel's range (log scale); no successful start at all leaves it to gnuplot
    timed = int(system("awk -F'\t' 'NR > 1 && $4 != \"nan\"' '".bars."' | wc -l"))
    tmin = 0; tmax = 0
    if (timed > 0) { stats bars using 4 nooutput; tmin = STATS_min; tmax = STATS_max }
    do for [term in "png svg"] {
        if (term eq "png") { set terminal pngcairo size 1500,480 font ",10" } else { set terminal svg size 1500,480 font ",10" }
        set output figures."/fit_waterfall-".base.".".term
        set multiplot layout 1,3 title "multistart fits: ".base noenhanced
        # waterfall
        set logscale y
        set format y "10^{%L}"
        set xlabel "start (sorted by final objective)"
        set ylabel "final objective - best found"
        set key top left noenhanced
        set grid
        unset xtics
        set xtics nstarts <= 10 ? 1 : 5
        set xrange [0.5:nstarts + 0.5]
        set yrange [floor/2:ceiling*2]
        set style fill empty
        plot for [i=0:nblocks-1] wf index i using 1:(column(3) < floor ? floor : column(3) > ceiling ? ceiling : column(3)):(column(4) > 0 ? 7 : 6) \
                 with linespoints pt variable ps 0.9 lc rgb pair_colour(word(names, i + 1)) \
                 title columnheader(2), \
             0.1 with lines dt 2 lc rgb "gray40" title "within 0.1 of the best"
        # time per successful start
        set xlabel ""
        set ylabel "CPU seconds per start within 0.1 (median)"
        set xrange [-0.6:npairs-0.4]
        if (timed > 0) { set yrange [tmin/3:tmax*3] } else { set yrange [*:*] }
        set xtics rotate by -30 left noenhanced
        set style fill solid 0.6
        set boxwidth 0.7
        unset key
        if (timed > 0) {
            plot bars using 1:4:xtic(2) with boxes lc rgb "#4477aa" notitle
        } else {
            set label 1 "no start within 0.1 of the best" at graph 0.5, 0.5 center
            plot 1 with lines lc rgb "white" notitle
            unset label 1
        }
        # fraction within 0.1
        unset logscale y
        set format y "%g"
        set yrange [0:1.05]
        set ylabel "fraction of starts within 0.1 of the best"
        plot bars using 1:3:xtic(2) with boxes lc rgb "#228833" notitle
        unset multiplot
        set output
        unset xtics
        set xtics
        set xtics norotate
    }
}
