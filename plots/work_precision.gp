# work_precision — gradient error against time, one curve per backend over the tolerance sweep
# (rtol 1e-4 ... 1e-10), one figure per model of the default study, and all models side by
# side in one overview.  Every point is labelled with its tolerance (the exponent k of
# rtol = 1e-k), so backends can be compared at equal rtol.
# needs: default--*.series.tsv default.summary.tsv
# Data: results/default--<model>.series.tsv, written by `odegrad bench`/`odegrad summary`:
# one gnuplot block per backend (and options), its first line a header whose second field
# names the curve; columns: model series rtol atol time_median_s grad_rel_err peak_bytes
# peak_rss_bytes.  results/default.summary.tsv says which backends failed on a model at every
# tolerance.  A backend without a single point (failed everywhere, or no reference gradient
# so no error) is not drawn; the figure names it under the plot with the reason.
# Writes <figures>/work-precision-<model>.png/.svg and <figures>/work-precision.png/.svg.
if (!exists("plots")) plots = "plots"
load plots."/palette.gpi"
load plots."/check.gpi"
set datafile separator "\t"
set datafile missing "nan"
summary = results."/default.summary.tsv"
files = system("ls '".results."'/default--*.series.tsv")
model_of(file) = system("basename '".file."' .series.tsv | sed 's/^default--//'")
# the blocks (0-based) with at least one finite time and error, as "index|backend|title" words
# (spaces of the title as '~')
drawn_blocks(file) = system("awk -F'\t' '$3 == \"rtol\" { b++; name[b] = $2; next } " . \
    "NF >= 6 && $5 != \"nan\" && $6 != \"nan\" && $5 + 0 > 0 && $6 + 0 > 0 { n[b]++ } " . \
    "END { for (i = 1; i <= b; i++) if (n[i] > 0) { t = name[i]; gsub(/ /, \"~\", t); split(name[i], w, \" \"); print i - 1 \"|\" w[1] \"|\" t } }' '".file."'")
bf(w, k) = system("echo '".w."' | cut -d'|' -f".k." | tr '~' ' '")
# the curves with no point, and why: failed at every tolerance (the first CVODES flags), or
# ran but has no error (no reference gradient for the model)
# (built by concatenation: gnuplot 5.4's sprintf garbles formats holding "%%" when an argument
# is long, such as a results path)
awk_columns = "NR == 1 { for (i = 1; i <= NF; i++) c[$i] = i; next } "
gaps(model) = system("awk -F'\t' '" . awk_columns . \
    "$1 == \"".model."\" { runs[$2]++; ok[$2] += ($c[\"ok\"] > 0); if ($c[\"ok\"] > 0 && $c[\"grad_rel_err\"] != \"nan\") err[$2]++; " . \
    "  if ($c[\"ok\"] == 0) { f = $c[\"note\"]; if (match(f, /\\(CV_[A-Z_]+\\)/)) f = substr(f, RSTART + 1, RLENGTH - 2); else f = \"see summary.tsv\"; flags[$2, f]++; fl[$2] = fl[$2] } } " . \
    "END { for (b in runs) { if (ok[b] == 0) { s = \"\"; for (k in flags) { split(k, w, SUBSEP); if (w[1] == b) s = s (s == \"\" ? \"\" : \", \") w[2] \" x\" flags[k] } " . \
    "      printf \"%s: failed at all %d tolerances (%s).  \", b, runs[b], s } " . \
    "    else if (err[b] == 0) printf \"%s: no gradient error (no reference gradient for this model).  \", b } }' '".summary."'")
gap_names(model) = system("awk -F'\t' '" . awk_columns . \
    "$1 == \"".model."\" { ok[$2] += ($c[\"ok\"] > 0); if ($c[\"ok\"] > 0 && $c[\"grad_rel_err\"] != \"nan\") err[$2]++ } " . \
    "END { for (b in ok) if (ok[b] == 0 || err[b] == 0) printf \"%s \", b }' '".summary."'")
np_of(model) = system("awk -F'\t' '" . awk_columns . "$1 == \"".model."\" && $c[\"np\"] != \"nan\" { print $c[\"np\"]; exit }' '".summary."'")
# the exponent k of rtol = 1e-k, for the point labels
rtol_label(r) = sprintf("%.0f", -log10(r))

set logscale xy
set format x "10^{%L}"
set format y "10^{%L}"
set xlabel "gradient time (s, median of repeats)"
set ylabel "relative gradient error (2-norm)"
set grid
set pointsize 1.0

do for [term in "png svg"] {
    # one figure per model
    do for [file in files] {
        model = model_of(file)
        ws = drawn_blocks(file)
        note = gaps(model)
        if (term eq "png") { set terminal pngcairo size 1000,680 font ",10" } else { set terminal svg size 1000,680 font ",10" }
        set output figures."/work-precision-".model.".".term
        set title sprintf("work-precision on %s (%s parameters): each point labelled k for rtol = 1e-k", model, np_of(model)) noenhanced
        set key outside right top noenhanced
        if (strlen(note) > 0) { set label 1 "not drawn — ".note at screen 0.01, 0.03 left font ",8" noenhanced; set bmargin 6 } else { unset label 1; unset bmargin }
        if (words(ws) > 0) {
            plot for [i=1:words(ws)] file index int(bf(word(ws, i), 1)) using 5:6 with linespoints lw 2 \
                     lc rgb backend_colour(bf(word(ws, i), 2)) pt backend_point(bf(word(ws, i), 2)) title bf(word(ws, i), 3), \
                 for [i=1:words(ws)] file index int(bf(word(ws, i), 1)) using 5:6:(rtol_label($3)) with labels \
                     offset 0.9, 0.5 font ",7" tc rgb backend_colour(bf(word(ws, i), 2)) notitle
        } else {
            set label 2 "no backend has a gradient error on this model" at graph 0.5, 0.5 center
            plot [1e-3:1] [1e-3:1] 1/0 notitle
            unset label 2
        }
        if (term eq "png") {
            eval check_panel("work-precision-".model, model)
            do for [i=1:words(ws)] {
                check_data = file
                eval check_series(bf(word(ws, i), 3), "index ".bf(word(ws, i), 1)." using 5:6", "")
            }
        }
        set output
        unset label 1
        unset bmargin
    }
    # all models in one overview
    if (term eq "png") { set terminal pngcairo size 1500,1000 font ",9" } else { set terminal svg size 1500,1000 font ",9" }
    set output figures."/work-precision.".term
    set multiplot layout 2,3 title "work-precision: relative gradient error against gradient time; points labelled k for rtol = 1e-k (1e-4 ... 1e-10)"
    set key outside below center horizontal maxcols 3 noenhanced font ",8"
    do for [file in files] {
        model = model_of(file)
        ws = drawn_blocks(file)
        gone = gap_names(model)
        set title sprintf("%s (%s parameters)%s", model, np_of(model), strlen(gone) > 0 ? "; not drawn (no gradient or no error): ".gone : "") noenhanced
        if (words(ws) > 0) {
            plot for [i=1:words(ws)] file index int(bf(word(ws, i), 1)) using 5:6 with linespoints lw 2 \
                     lc rgb backend_colour(bf(word(ws, i), 2)) pt backend_point(bf(word(ws, i), 2)) title bf(word(ws, i), 2), \
                 for [i=1:words(ws)] file index int(bf(word(ws, i), 1)) using 5:6:(rtol_label($3)) with labels \
                     offset 0.8, 0.45 font ",6" tc rgb backend_colour(bf(word(ws, i), 2)) notitle
        } else {
            set label 2 "no backend has a gradient error on this model" at graph 0.5, 0.5 center
            plot [1e-3:1] [1e-3:1] 1/0 notitle
            unset label 2
        }
        if (term eq "png") {
            eval check_panel("work-precision", model)
            do for [i=1:words(ws)] {
                check_data = file
                eval check_series(bf(word(ws, i), 2), "index ".bf(word(ws, i), 1)." using 5:6", "")
            }
        }
    }
    unset multiplot
    set output
}
