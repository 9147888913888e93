# checkpoint_budget — checkpointed backprop against its budget (issue: direct
# differentiation): time, bytes and recomputation of `checkpoint` over 2 ... 10^4 stored
# states for 10^4 fixed RK4 steps of the oscillator, against the tape that stores every step.
# needs: checkpoint-budget.summary.tsv checkpoint-budget.csv
# Data (written by `odegrad bench bench/studies/checkpoint-budget.spec`):
# results/checkpoint-budget.summary.tsv (median time, peak bytes per case) and
# results/checkpoint-budget.csv (the extra forward_cost_ratio: forward steps taken, the
# recomputations included, per step of the solution — Revolve's (l + p(l, s)) / l).
# Writes <figures>/checkpoint-budget.png and .svg.
if (!exists("plots")) plots = "plots"
load plots."/palette.gpi"
load plots."/check.gpi"
set datafile separator "\t"
set datafile missing "nan"
summary = results."/checkpoint-budget.summary.tsv"
csv = results."/checkpoint-budget.csv"

# one schedule's successful cases as "budget time bytes", sorted by budget
awk_cols = "NR == 1 { for (i = 1; i <= NF; i++) c[$i] = i; next } "
budget_of = "b = $3; sub(/.*budget=/, \"\", b); sub(/ .*/, \"\", b); "
series(schedule) = sprintf("< awk -F'\t' '%s $2 == \"checkpoint\" && $c[\"ok\"] > 0 && (index($3, \"uniform\") > 0) == %d { %s print b \"\t\" $c[\"time_median_s\"] \"\t\" $c[\"peak_bytes\"] }' '%s' | sort -g", \
                           awk_cols, schedule eq "uniform", budget_of, summary)
tape(col) = sprintf("< awk -F'\t' '%s $2 == \"tape\" && $c[\"ok\"] > 0 { print 2 \"\t\" $c[\"%s\"]; print 10000 \"\t\" $c[\"%s\"] }' '%s'", \
                    awk_cols, col, col, summary)
ratio(schedule) = sprintf("< awk -F, '$3 == \"checkpoint\" && $5 == 1 && $6 == \"extra.forward_cost_ratio\" && (index($4, \"uniform\") > 0) == %d { b = $4; sub(/.*budget=/, \"\", b); sub(/ .*/, \"\", b); print b \"\t\" $7 }' '%s' | sort -g", \
                      schedule eq "uniform", csv)

set logscale x
set xrange [1.5:15000]
set format x "10^{%L}"
set xlabel "checkpoint budget (stored states)"
set grid
set key top right noenhanced
set pointsize 1.1
do for [term in "png svg"] {
    if (term eq "png") { set terminal pngcairo size 1500,480 font ",10" } else { set terminal svg size 1500,480 font ",10" }
    set output figures."/checkpoint-budget.".term
    set multiplot layout 1,3 title "checkpointed backprop against its budget: 10^4 fixed RK4 steps of the oscillator (T = 200)"
    set logscale y
    set format y "10^{%L}"
    set ylabel "gradient time (s, median of repeats)"
    plot series("binomial") using 1:2 with linespoints lw 2 lc rgb backend_colour("checkpoint") pt 13 title "checkpoint, binomial (Revolve)", \
         series("uniform") using 1:2 with points lc rgb backend_colour("checkpoint") pt 12 ps 1.6 title "checkpoint, uniform", \
         tape("time_median_s") using 1:2 with lines lw 2 dt 2 lc rgb backend_colour("tape") title "tape (every step stored)"
    if (term eq "png") {
        eval check_panel("checkpoint-budget", "time")
        check_data = series("binomial"); eval check_series("checkpoint, binomial (Revolve)", "using 1:2", "")
        check_data = series("uniform"); eval check_series("checkpoint, uniform", "using 1:2", "")
        check_data = tape("time_median_s"); eval check_series("tape (every step stored)", "using 1:2", "")
    }
    set ylabel "bytes held by the backend at its peak (B)"
    set key bottom right
    plot series("binomial") using 1:3 with linespoints lw 2 lc rgb backend_colour("checkpoint") pt 13 title "checkpoint, binomial (Revolve)", \
         series("uniform") using 1:3 with points lc rgb backend_colour("checkpoint") pt 12 ps 1.6 title "checkpoint, uniform", \
         tape("peak_bytes") using 1:2 with lines lw 2 dt 2 lc rgb backend_colour("tape") title "tape (every step stored)"
    if (term eq "png") {
        eval check_panel("checkpoint-budget", "bytes")
        check_data = series("binomial"); eval check_series("checkpoint, binomial (Revolve)", "using 1:3", "")
        check_data = series("uniform"); eval check_series("checkpoint, uniform", "using 1:3", "")
        check_data = tape("peak_bytes"); eval check_series("tape (every step stored)", "using 1:2", "")
    }
    unset logscale y
    set format y "%g"
    set logscale y
    set ylabel "forward steps taken per solution step"
    set key top right
    plot ratio("binomial") using 1:2 with linespoints lw 2 lc rgb backend_colour("checkpoint") pt 13 title "binomial: (l + p(l, s)) / l", \
         ratio("uniform") using 1:2 with points lc rgb backend_colour("checkpoint") pt 12 ps 1.6 title "uniform"
    if (term eq "png") {
        eval check_panel("checkpoint-budget", "recomputation")
        check_data = ratio("binomial"); eval check_series("binomial: (l + p(l, s)) / l", "using 1:2", "")
        check_data = ratio("uniform"); eval check_series("uniform", "using 1:2", "")
    }
    unset multiplot
    set output
}
