# petab — the PEtab benchmark collection as a study (bench/studies/petab.sh; issue 13, item 5):
#   petab-cost     gradient time of each backend against the model's size, the number of
#                  estimated parameters np (left) and of states nx (right), at rtol 1e-8
#   petab-ranking  per model (ordered by np, named with np/nx below), each backend's gradient
#                  time divided by the fastest backend's on that model: the ranking per model
# A backend that failed, ran out of time or refused a model has no point there
# (results/petab.ranking.md and petab.summary.tsv give the reason).
# needs: petab.summary.tsv
# Data: results/petab.summary.tsv (columns by name: model backend options ok time_median_s np nx).
# Writes <figures>/petab-cost.png/.svg and <figures>/petab-ranking.png/.svg.
if (!exists("plots")) plots = "plots"
load plots."/palette.gpi"
load plots."/check.gpi"
file = results."/petab.summary.tsv"
# the awk prologue every data command shares: column numbers by name, and the series name of a
# row (backend and its options, without tolerances and step limits)
prologue = "NR == 1 { for (i = 1; i <= NF; i++) c[$i] = i; next } " . \
    "{ o = $c[\"options\"]; gsub(/(rtol|atol|max_steps_b)=[^ ]*/, \"\", o); gsub(/  +/, \" \", o); sub(/^ /, \"\", o); sub(/ $/, \"\", o); " . \
    "  s = $c[\"backend\"] (o == \"\" ? \"\" : \" \" o); gsub(/ /, \"~\", s) } "
# series with at least one successful case, as words (spaces as '~')
series = system("awk -F'\t' '".prologue."$c[\"ok\"] > 0 && !(s in seen) { seen[s] = 1; print s }' '".file."'")
# models ordered by np (then nx, name): "model|np|nx" words
models = system("awk -F'\t' '".prologue."$c[\"np\"] != \"nan\" { np[$c[\"model\"]] = $c[\"np\"]; nx[$c[\"model\"]] = $c[\"nx\"] } " . \
    "END { for (m in np) printf \"%08d %08d %s\\n\", np[m], nx[m], m }' '".file."' | sort | awk '{ print $3 \"|\" $1 + 0 \"|\" $2 + 0 }'")
model_of(k) = system("echo '".word(models, k)."' | cut -d'|' -f1")
label_of(k) = system("echo '".word(models, k)."' | cut -d'|' -f1 | sed 's/^petab://; s,/.*,,; s/_.*//'") . \
    sprintf(" %s/%s", system("echo '".word(models, k)."' | cut -d'|' -f2"), system("echo '".word(models, k)."' | cut -d'|' -f3"))
title_of(s) = system("echo '".s."' | tr '~' ' '")
backend_of(s) = system("echo '".s."' | cut -d'~' -f1")
# a backend with options (e.g. interp solver=tsit5) gets the next point type: same colour, other mark
point_of(s) = backend_point(backend_of(s)) + (strstrt(s, "~") > 0 ? 1 : 0)
# gradient time against column col (np or nx) of one series
cost_data(s, col) = "< awk -F'\t' '".prologue."s == \"".s."\" && $c[\"ok\"] > 0 && $c[\"time_median_s\"] > 0 { print $c[\"".col."\"] \"\\t\" $c[\"time_median_s\"] }' '".file."' | sort -g"
# time over the fastest on each model, against the model's position in `models`
order_list = ""
do for [k = 1:words(models)] { order_list = order_list . model_of(k) . " " }
ranking_data(s) = "< awk -F'\t' -v order='".order_list."' 'BEGIN { n = split(order, w, \" \"); for (i = 1; i <= n; i++) pos[w[i]] = i } " . \
    prologue . "$c[\"ok\"] > 0 && $c[\"time_median_s\"] > 0 { t = $c[\"time_median_s\"] + 0; m = $c[\"model\"]; " . \
    "if (!(m in best) || t < best[m]) best[m] = t; if (s == \"".s."\") mine[m] = t } " . \
    "END { for (m in mine) print pos[m] \"\\t\" mine[m] / best[m] }' '".file."' | sort -g"
set datafile separator "\t"
set key outside right top noenhanced font ",9"
set grid
set pointsize 1.1
do for [term in "png svg"] {
    if (term eq "png") { set terminal pngcairo size 1400,650 font ",10" } else { set terminal svg size 1400,650 font ",10" }
    set output figures."/petab-cost.".term
    set multiplot layout 1,2 title "PEtab benchmark collection: gradient time against model size (rtol 1e-8, atol 1e-10; a missing point: failed, timed out or refused)" noenhanced
    set logscale xy
    set format y "10^{%L}"
    set ylabel "gradient time (s)"
    do for [col in "np nx"] {
        set xlabel (col eq "np" ? "estimated parameters np" : "states nx")
        set format x "%g"
        plot for [i = 1:words(series)] cost_data(word(series, i), col) using 1:2 with points \
             lc rgb backend_colour(backend_of(word(series, i))) pt point_of(word(series, i)) \
             title title_of(word(series, i))
        if (term eq "png") {
            eval check_panel("petab-cost", "time against ".col)
            do for [i = 1:words(series)] {
                check_data = cost_data(word(series, i), col)
                eval check_series(title_of(word(series, i)), "using 1:2", "")
            }
        }
    }
    unset multiplot
    set output
    if (term eq "png") { set terminal pngcairo size 1400,700 font ",10" } else { set terminal svg size 1400,700 font ",10" }
    set output figures."/petab-ranking.".term
    unset logscale x
    set logscale y
    set yrange [0.7:*]
    set format x "%g"
    set xrange [0.5:words(models) + 0.5]
    set xtics rotate by 60 right font ",8" ()
    do for [k = 1:words(models)] { set xtics add (label_of(k) k) }
    set xlabel "model (np/nx), by number of parameters"
    set ylabel "gradient time / fastest backend's on the model"
    set title "PEtab benchmark collection: each backend's gradient time relative to the fastest, per model (1 = fastest; no point: failed, timed out or refused)" noenhanced
    plot for [i = 1:words(series)] ranking_data(word(series, i)) using 1:2 with points \
         lc rgb backend_colour(backend_of(word(series, i))) pt point_of(word(series, i)) \
         title title_of(word(series, i))
    if (term eq "png") {
        eval check_panel("petab-ranking", "time over the fastest")
        do for [i = 1:words(series)] {
            check_data = ranking_data(word(series, i))
            eval check_series(title_of(word(series, i)), "using 1:2", "")
        }
    }
    set output
    unset xrange
    unset yrange
    set xtics autofreq norotate
    unset title
}
