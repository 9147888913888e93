# fit_waterfall — multistart optimisation per optimiser/Hessian pair (the report's Figure 6,
# issue 8): the "waterfall" of final objectives of all starts, sorted, one curve per pair,
# beside the processor time per success and the fraction of starts within 0.1 of the best
# objective found for the model.
# needs: *.waterfall.tsv
# Data, written by `odegrad fit` (bench/fit_summary.h), one pair of files per study and model:
#   <results>/<study>--<model>.waterfall.tsv  gnuplot blocks, one per pair, first line a header
#                                             whose 2nd field names the pair; columns rank
#                                             objective delta converged seconds
#   <results>/<study>--<model>.fitbars.tsv    index pair fraction_within median_seconds_success
#                                             median_seconds_converged seconds_per_success
#                                             median_iterations_success
# Writes <figures>/fit_waterfall-<study>--<model>.png and .svg for every such pair of files.
# Waterfall y: objective - best found, log scale, between a floor and a ceiling that the
# figure draws and names: a start within `floor` of the best is drawn on the floor line (open
# circle), one further than `ceiling` (diverged) on the ceiling line (triangle up), and a start
# without an objective (failed) on a row above it (cross).  Filled points: the optimiser
# converged; open: it stopped otherwise.  Each pair keeps its colour in every figure
# (plots/palette.gpi's pair_colour).
if (!exists("plots")) plots = "plots"
load plots."/palette.gpi"
load plots."/check.gpi"
set datafile separator "\t"
set datafile missing "nan"
floor = 1e-10
ceiling = 1e6
failed_row = ceiling * 30
files = system("ls '".results."'/*.waterfall.tsv 2>/dev/null")
# the pairs of a waterfall file, in block order, and the points of one block by kind:
# "rank y converged" with y the drawn position
pairs_of(wf) = system("awk -F'\t' '$1 == \"rank\" { print $2 }' '".wf."'")
block(wf, i, cond, y) = "< awk -F'\t' '$1 == \"rank\" { b++; next } b == ".(i + 1)." && NF >= 5 && (".cond.") { print $1 \"\t\" (".y.") \"\t\" $4 }' '".wf."'"
# every start of every pair of one kind: "rank y colour" (the pair's colour as a number, for
# lc rgb variable); `colours` lists the pairs' colours in block order
marks(wf, cond, y) = "< awk -F'\t' 'BEGIN { split(\"".colours."\", col, \" \") } $1 == \"rank\" { b++; next } NF >= 5 && (".cond.") { print $1 \"\t\" (".y.") \"\t\" col[b] }' '".wf."'"
hex(c) = (eval_hex = 0, eval_cmd = "eval_hex = 0x".c[2:], eval_cmd)
inside = "$3 != \"nan\" && $3 + 0 >= ".sprintf("%g", floor)." && $3 + 0 <= ".sprintf("%g", ceiling)
below = "$3 != \"nan\" && $3 + 0 < ".sprintf("%g", floor)
above = "$3 != \"nan\" && $3 + 0 > ".sprintf("%g", ceiling)
nanobj = "$3 == \"nan\""
n_of(src) = int(system(src[3:]." | wc -l"))
do for [wf in files] {
    base = wf[strlen(results) + 2 : strlen(wf) - strlen(".waterfall.tsv")]
    bars = results."/".base.".fitbars.tsv"
    model = system("echo '".base."' | sed 's/.*--//'")
    study = system("echo '".base."' | sed 's/--.*//'")
    ps = pairs_of(wf)
    npairs = words(ps)
    nstarts = int(system("awk -F'\t' '$1 != \"rank\" && NF >= 5 && $1 + 0 > m { m = $1 + 0 } END { print m + 0 }' '".wf."'"))
    colours = ""
    do for [i=1:npairs] { eval hex(pair_colour(word(ps, i))); colours = colours.sprintf(" %d", eval_hex) }
    nb = n_of(marks(wf, below, "0")); na = n_of(marks(wf, above, "0")); nn = n_of(marks(wf, nanobj, "0"))
    fl = sprintf("%g", floor); ce = sprintf("%g", ceiling); fr = sprintf("%g", failed_row)
    timed = int(system("awk -F'\t' 'NR > 1 && $6 != \"nan\"' '".bars."' | wc -l"))
    conv_timed = int(system("awk -F'\t' 'NR > 1 && $5 != \"nan\"' '".bars."' | wc -l"))
    no_success = system("awk -F'\t' 'NR > 1 && $6 == \"nan\" { printf \"%s \", $2 }' '".bars."'")
    do for [term in "png svg"] {
        if (term eq "png") { set terminal pngcairo size 1600,540 font ",10" } else { set terminal svg size 1600,540 font ",10" }
        set output figures."/fit_waterfall-".base.".".term
        set multiplot layout 1,3 title sprintf("multistart fits of %s: %d starts per optimiser/Hessian pair (study %s)", model, nstarts, study) noenhanced
        # ---- waterfall
        set logscale y
        set format y "10^{%L}"
        set xlabel "start (sorted by final objective)"
        set ylabel "final objective - best found"
        set key outside below center horizontal maxcols 3 noenhanced font ",8"
        set grid
        set xtics nstarts <= 10 ? 1 : 5
        set xrange [0.5:nstarts + 0.5]
        set yrange [floor / 5 : failed_row * 5]
        set title "final objectives, sorted (filled: optimiser converged)" noenhanced
        set label 11 sprintf("floor %.0e: at the best", floor) at graph 0.99, first floor * 2 right font ",8" tc rgb "gray30"
        set label 12 sprintf("ceiling %.0e: diverged", ceiling) at graph 0.99, first ceiling / 2.5 right font ",8" tc rgb "gray30"
        set label 13 "no objective (failed start)" at graph 0.99, first failed_row / 2.5 right font ",8" tc rgb "gray30"
        cmd = "plot floor with lines dt 3 lc rgb 'gray40' notitle, ceiling with lines dt 3 lc rgb 'gray40' notitle, " . \
              "0.1 with lines dt 2 lc rgb 'gray40' title 'within 0.1 of the best (success)', " . \
              "for [i=0:npairs-1] wf index i using 1:($3 != $3 ? failed_row : $3 < floor ? floor : $3 > ceiling ? ceiling : $3) with lines lw 1.5 " . \
              "lc rgb pair_colour(word(ps, i + 1)) title word(ps, i + 1)"
        do for [i=0:npairs-1] {
            if (n_of(block(wf, i, inside, "$3")) > 0) {
                cmd = cmd . sprintf(", block(wf, %d, inside, '$3') using 1:2:($3 > 0 ? 7 : 6) with points pt variable ps 1 lc rgb pair_colour(word(ps, %d)) notitle", i, i + 1)
            }
        }
        if (nb > 0) { cmd = cmd . ", marks(wf, below, fl) using 1:2:3 with points pt 6 ps 1.6 lc rgb variable title sprintf('below %.0e: drawn on the floor', floor)" }
        if (na > 0) { cmd = cmd . ", marks(wf, above, ce) using 1:2:3 with points pt 8 ps 1.6 lc rgb variable title sprintf('above %.0e: drawn on the ceiling', ceiling)" }
        if (nn > 0) { cmd = cmd . ", marks(wf, nanobj, fr) using 1:2:3 with points pt 2 ps 1.6 lc rgb variable title 'no objective (failed): drawn above the ceiling'" }
        eval cmd
        if (term eq "png") {
            eval check_panel("fit_waterfall-".base, "waterfall")
            do for [i=0:npairs-1] {
                # the pair's line: every start with an objective, at its true value
                check_data = wf
                eval check_series(word(ps, i + 1), sprintf("index %d using 1:3", i), "clip-top clip-bottom")
            }
            check_data = marks(wf, below, fl)
            if (nb > 0) { eval check_series(sprintf("below %.0e: drawn on the floor", floor), "using 1:2", "clipmark") }
            check_data = marks(wf, above, ce)
            if (na > 0) { eval check_series(sprintf("above %.0e: drawn on the ceiling", ceiling), "using 1:2", "clipmark") }
            check_data = marks(wf, nanobj, fr)
            if (nn > 0) { eval check_series("no objective (failed): drawn above the ceiling", "using 1:2", "clipmark") }
        }
        unset label 11; unset label 12; unset label 13
        # ---- processor time per success (bars) and per converged start (points)
        set xlabel ""
        set ylabel "CPU seconds"
        set xrange [-0.6:npairs-0.4]
        set autoscale y
        set xtics () rotate by -30 left noenhanced
        do for [i=0:npairs-1] { set xtics add (word(system("awk -F'\t' 'NR > 1 { print $2 }' '".bars."'"), i + 1) i) }
        set style fill solid 0.6
        set boxwidth 0.7
        set key inside top left noenhanced font ",8"
        set title "processor time: all starts / successes (bars), median per converged start (points)" noenhanced
        if (strlen(no_success) > 0) { set label 14 "no success, so no bar: ".no_success at graph 0.02, 0.84 left font ",8" noenhanced } else { unset label 14 }
        if (timed == 0 && conv_timed == 0) {
            set yrange [0.1:10]
            set label 15 "no start converged" at graph 0.5, 0.5 center
        }
        pcmd = "plot 1/0 notitle"
        if (timed > 0) { pcmd = pcmd . ", bars using 1:($6) with boxes lc rgb '#4477aa' title 'seconds per success'" }
        if (conv_timed > 0) { pcmd = pcmd . ", bars using 1:($5) with points pt 7 ps 1.3 lc rgb 'black' title 'median seconds per converged start'" }
        eval pcmd
        if (term eq "png") {
            eval check_panel("fit_waterfall-".base, "time")
            check_data = bars
            if (timed > 0) { eval check_series("seconds per success", "using 1:6 skip 1", "") }
            if (conv_timed > 0) { eval check_series("median seconds per converged start", "using 1:5 skip 1", "") }
        }
        unset label 14
        unset label 15
        # ---- fraction within 0.1
        unset logscale y
        set format y "%g"
        set yrange [0:1.05]
        set ylabel "fraction of starts within 0.1 of the best"
        set title "successes" noenhanced
        unset key
        plot bars using 1:3:(word(colours, int($1) + 1) + 0) skip 1 with boxes lc rgb variable notitle, \
             bars using 1:3:(sprintf("%.0f/%d", $3 * nstarts, nstarts)) with labels offset 0, 0.7 font ",8" notitle
        if (term eq "png") {
            eval check_panel("fit_waterfall-".base, "successes")
            check_data = bars
            eval check_series("fraction within 0.1 (x tic labels)", "using 1:3 skip 1", "xtics")
        }
        unset multiplot
        set output
        set xtics norotate
        set autoscale
    }
}
