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
load plots."/check.gpi"
set datafile separator "\t"
set datafile missing "nan"
# the blocks (0-based) with at least one finite value in column `col`, as "index|backend|title"
# words (spaces of the title as '~'); a curve with no point at all is named in the panel instead
drawn_blocks(file, col) = system("awk -F'\t' '$3 == \"np\" { b++; name[b] = $2; next } " . \
    "NF >= ".col." && $".col." != \"nan\" && $".col." + 0 > 0 { n[b]++ } " . \
    "END { for (i = 1; i <= b; i++) if (n[i] > 0) { t = name[i]; gsub(/ /, \"~\", t); split(name[i], w, \" \"); print i - 1 \"|\" w[1] \"|\" t } }' '".file."'")
empty_blocks(file, col) = system("awk -F'\t' '$3 == \"np\" { b++; name[b] = $2; next } " . \
    "NF >= ".col." && $".col." != \"nan\" && $".col." + 0 > 0 { n[b]++ } " . \
    "END { for (i = 1; i <= b; i++) if (!(n[i] > 0)) printf \"%s; \", name[i] }' '".file."'")
# backends that failed at every size (no block in the series file): from the study's summary
failed_everywhere(study) = system("awk -F'\t' 'NR == 1 { for (i = 1; i <= NF; i++) c[$i] = i; next } { ok[$2] += ($c[\"ok\"] > 0) } " . \
    "END { for (b in ok) if (ok[b] == 0) printf \"%s (failed at every size); \", b }' '".results."/".study.".summary.tsv'")
bf(w, k) = system("echo '".w."' | cut -d'|' -f".k." | tr '~' ' '")
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
        set xlabel (study eq "scaling" ? "parameters (brusselator-N, N = 2 ... : 4N^2; states 2N^2)" \
                                       : "parameters (mlp-2-H, width H: 5H + 2; 2 states)") noenhanced
        do for [col in "5 7"] {
            ws = drawn_blocks(file, col)
            gone = empty_blocks(file, col).failed_everywhere(study)
            set title (study eq "scaling" ? "2-D Brusselator at rtol 1e-7 / atol 1e-5" : "tanh MLP neural ODE at its tolerances") . \
                      " (a missing size: failed or timed out)" . (strlen(gone) > 0 ? "\nno point at any size: ".gone : "") noenhanced
            set ylabel (col eq "5" ? "gradient time (s, median of repeats)" : "bytes held by the backend at its peak (B)")
            plot for [i=1:words(ws)] file index int(bf(word(ws, i), 1)) using 3:int(col) with linespoints lw 2 \
                 lc rgb backend_colour(bf(word(ws, i), 2)) pt backend_point(bf(word(ws, i), 2)) title bf(word(ws, i), 3)
            if (term eq "png") {
                eval check_panel("gradient-cost", study." ".(col eq "5" ? "time" : "bytes"))
                do for [i=1:words(ws)] {
                    check_data = file
                    eval check_series(bf(word(ws, i), 3), "index ".bf(word(ws, i), 1)." using 3:".col, "")
                }
            }
        }
    }
    unset multiplot
    set output
}
