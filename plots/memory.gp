# memory — memory against the number of steps for every gradient backend (the report's
# sections 2.1 and 5.1: direct differentiation O(steps x state), the adjoint about constant,
# checkpointing bounded).
# needs: memory.summary.tsv memory-fixed.summary.tsv
# Data (written by `odegrad bench`, columns by name): results/memory.summary.tsv — every
# backend on oscillator-T20 ... T20000 at rtol 1e-8, so each solver's steps grow with the
# horizon; results/memory-fixed.summary.tsv — tape and checkpoint with RK4 at 10^3 ... 10^6
# fixed steps on oscillator-T200.
# x: the steps of one solution — steps_fwd for the CVODES backends (for fd divided by its
# 1 + 2 np central-difference solves), steps_bwd for tape and checkpoint (the recorded steps;
# checkpoint's steps_fwd also counts its recomputations).
# Writes <figures>/memory.png and .svg: left the bytes the backend holds at its peak (exact
# accounting), right the peak resident memory of the whole case process.
if (!exists("plots")) plots = "plots"
load plots."/palette.gpi"
load plots."/check.gpi"
set datafile separator "\t"
set datafile missing "nan"
adaptive = results."/memory.summary.tsv"
fixed = results."/memory-fixed.summary.tsv"

# "< awk ..." streams: one backend's successful cases as "steps bytes rss", sorted by steps
# (awk's column numbers come from the header, so a new summary column does not move them)
awk_cols = "NR == 1 { for (i = 1; i <= NF; i++) c[$i] = i; next } "
awk_x = "x = $c[\"steps_fwd\"]; " . \
        "if ($2 == \"tape\" || $2 == \"checkpoint\") x = $c[\"steps_bwd\"]; " . \
        "if ($2 == \"fd\") x = $c[\"steps_fwd\"] / (1 + 2 * $c[\"np\"]); "
series(file, backend) = sprintf("< awk -F'\t' '%s $2 == \"%s\" && $c[\"ok\"] > 0 { %s print x \"\t\" $c[\"peak_bytes\"] \"\t\" $c[\"peak_rss_bytes\"] }' '%s' | sort -g", \
                                awk_cols, backend, awk_x, file)
# the backends with at least one successful case (one without any is named in the title)
ok_backends(file) = system("awk -F'\t' '" . awk_cols . "$c[\"ok\"] > 0 { print $2 }' '".file."' | awk '!seen[$0]++'")
failed_backends(file) = system("awk -F'\t' '" . awk_cols . "{ ok[$2] += ($c[\"ok\"] > 0) } END { for (b in ok) if (ok[b] == 0) printf \"%s \", b }' '".file."'")
backends = ok_backends(adaptive)
fixed_backends = ok_backends(fixed)
gone = failed_backends(adaptive).failed_backends(fixed)

set logscale xy
set format x "10^{%L}"
set format y "10^{%L}"
set xlabel "steps of the forward solution"
set grid
set key top left noenhanced
set pointsize 1.1
do for [term in "png svg"] {
    if (term eq "png") { set terminal pngcairo size 1300,520 font ",10" } else { set terminal svg size 1300,520 font ",10" }
    set output figures."/memory.".term
    set multiplot layout 1,2 title "memory against steps: oscillator over horizons T = 20 ... 20000 at rtol 1e-8 (solid), RK4 at fixed steps (dashed)". \
        (strlen(gone) > 0 ? "\nno successful case: ".gone : "") noenhanced
    set ylabel "bytes held by the backend at its peak (B)"
    plot for [i=1:words(backends)] series(adaptive, word(backends, i)) using 1:2 \
             with linespoints lw 2 lc rgb backend_colour(word(backends, i)) \
             pt backend_point(word(backends, i)) title word(backends, i), \
         for [i=1:words(fixed_backends)] series(fixed, word(fixed_backends, i)) using 1:2 \
             with linespoints lw 2 dt 2 lc rgb backend_colour(word(fixed_backends, i)) \
             pt (backend_point(word(fixed_backends, i)) - 1) title word(fixed_backends, i)." (RK4, fixed steps)"
    if (term eq "png") {
        eval check_panel("memory", "bytes")
        do for [b in backends] { check_data = series(adaptive, b); eval check_series(b, "using 1:2", "") }
        do for [b in fixed_backends] { check_data = series(fixed, b); eval check_series(b." (RK4, fixed steps)", "using 1:2", "") }
    }
    set ylabel "peak resident memory of the case process (B)"
    plot for [i=1:words(backends)] series(adaptive, word(backends, i)) using 1:3 \
             with linespoints lw 2 lc rgb backend_colour(word(backends, i)) \
             pt backend_point(word(backends, i)) title word(backends, i), \
         for [i=1:words(fixed_backends)] series(fixed, word(fixed_backends, i)) using 1:3 \
             with linespoints lw 2 dt 2 lc rgb backend_colour(word(fixed_backends, i)) \
             pt (backend_point(word(fixed_backends, i)) - 1) title word(fixed_backends, i)." (RK4, fixed steps)"
    if (term eq "png") {
        eval check_panel("memory", "rss")
        do for [b in backends] { check_data = series(adaptive, b); eval check_series(b, "using 1:3", "") }
        do for [b in fixed_backends] { check_data = series(fixed, b); eval check_series(b." (RK4, fixed steps)", "using 1:3", "") }
    }
    unset multiplot
    set output
}
