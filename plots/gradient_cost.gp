# gradient_cost — gradient time and memory against the number of parameters, one curve per
# backend (issue 7: "gradient cost against number of parameters"): the 2-D Brusselator
# brusselator-N (top; 2N^2 states, 4N^2 parameters) and the neural ODE mlp-2-H of growing
# width H (bottom; 2 states, 5H + 2 parameters).
# needs: scaling.scaling.tsv width.scaling.tsv
# Data: results/scaling.scaling.tsv and results/width.scaling.tsv, written by `odegrad bench`/
# `odegrad summary`: one gnuplot block per backend and option set, its first line a header
# whose second field names the curve; columns: model series np nx time_median_s grad_rel_err
# peak_bytes peak_rss_bytes.  A size missing from a curve failed or ran out of time there
# (the study's summary.tsv says which).
# Writes <figures>/gradient-cost.png and .svg.
if (!exists("plots")) plots = "plots"
load plots."/palette.gpi"
set datafile separator "\t"
set datafile missing "nan"
curve_backends(file) = system("awk -F'\t' '$3 == \"np\" { split($2, w, \" \"); print w[1] }' '".file."'")
set logscale xy
set format x "10^{%L}"
set format y "10^{%L}"
set key top left noenhanced font ",9"
set grid
set pointsize 1.1
do for [term in "png svg"] {
    if (term eq "png") { set terminal pngcairo size 1300,1000 font ",10" } else { set terminal svg size 1300,1000 font ",10" }
    set output figures."/gradient-cost.".term
    set multiplot layout 2,2 title "gradient cost against the number of parameters"
    do for [study in "scaling width"] {
        file = results."/".study.".scaling.tsv"
        bs = curve_backends(file)
        stats file using 3 nooutput
        n = STATS_blocks
        set xlabel (study eq "scaling" ? "parameters (brusselator-N, N = 2 ... : 4N^2; states 2N^2)" \
                                       : "parameters (mlp-2-H, width H: 5H + 2; 2 states)") noenhanced
        set title (study eq "scaling" ? "2-D Brusselator at rtol 1e-7 / atol 1e-5" : "tanh MLP neural ODE at its tolerances")." (missing: failed or timed out)" noenhanced
        set ylabel "gradient time (s, median of repeats)"
        plot for [i=0:n-1] file index i using 3:5 with linespoints lw 2 \
             lc rgb backend_colour(word(bs, i + 1)) pt backend_point(word(bs, i + 1)) title columnheader(2)
        set ylabel "bytes held by the backend at its peak (B)"
        plot for [i=0:n-1] file index i using 3:7 with linespoints lw 2 \
             lc rgb backend_colour(word(bs, i + 1)) pt backend_point(word(bs, i + 1)) title columnheader(2)
    }
    unset multiplot
    set output
}
