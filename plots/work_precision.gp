# work_precision — gradient error against time, one curve per backend over the tolerance sweep
# (rtol 1e-4 ... 1e-10), one figure per model of the default study, and all models side by
# side in one overview.
# needs: default--*.series.tsv default.summary.tsv
# Data: results/default--<model>.series.tsv, written by `odegrad bench`/`odegrad summary`:
# one gnuplot block per backend (and options), its first line a header whose second field
# names the curve; columns: model series rtol atol time_median_s grad_rel_err peak_bytes
# peak_rss_bytes.  results/default.summary.tsv says which backends failed on a model at every
# tolerance (named under the plot).
# Writes <figures>/work-precision-<model>.png/.svg and <figures>/work-precision.png/.svg.
if (!exists("plots")) plots = "plots"
load plots."/palette.gpi"
set datafile separator "\t"
set datafile missing "nan"
summary = results."/default.summary.tsv"
files = system("ls ".results."/default--*.series.tsv")
model_of(file) = system("basename ".file." .series.tsv | sed 's/^default--//'")
# the curves' backend names, in block order (the first word of each header's 2nd field)
curve_backends(file) = system("awk -F'\t' '$3 == \"rtol\" { split($2, w, \" \"); print w[1] }' '".file."'")
# backends without a single successful case on the model, with the first failure's reason
# (built by concatenation: gnuplot 5.4's sprintf garbles formats holding "%%" when an argument
# is long, such as a results path)
awk_columns = "NR == 1 { for (i = 1; i <= NF; i++) c[$i] = i; next } "
failed(model) = system("awk -F'\t' '" . awk_columns . \
    "$1 == \"".model."\" { ok[$2] += $c[\"ok\"]; if (!($2 in why) && $c[\"note\"] != \"\") why[$2] = $c[\"note\"] } " . \
    "END { for (b in ok) if (ok[b] == 0) printf \"%s (%s)  \", b, substr(why[b], 1, 90) }' '".summary."'")
failed_names(model) = system("awk -F'\t' '" . awk_columns . \
    "$1 == \"".model."\" { ok[$2] += $c[\"ok\"] } END { for (b in ok) if (ok[b] == 0) printf \"%s \", b }' '".summary."'")
np_of(model) = system(sprintf("awk -F'\t' 'NR == 1 { for (i = 1; i <= NF; i++) c[$i] = i; next } $1 == \"%s\" && $c[\"np\"] != \"nan\" { print $c[\"np\"]; exit }' '%s'", model, summary))

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
        bs = curve_backends(file)
        stats file using 5 nooutput
        n = STATS_blocks
        note = failed(model)
        if (term eq "png") { set terminal pngcairo size 900,600 font ",10" } else { set terminal svg size 900,600 font ",10" }
        set output figures."/work-precision-".model.".".term
        set title sprintf("work-precision on %s (%s parameters): rtol 1e-4 (upper left) ... 1e-10", model, np_of(model)) noenhanced
        set key outside right top noenhanced
        if (strlen(note) > 0) { set label 1 "no gradient: ".note at screen 0.01, 0.02 left font ",8" noenhanced; set bmargin 5 } else { unset label 1; unset bmargin }
        plot for [i=0:n-1] file index i using 5:6 with linespoints lw 2 \
             lc rgb backend_colour(word(bs, i + 1)) pt backend_point(word(bs, i + 1)) title columnheader(2)
        set output
        unset label 1
        unset bmargin
    }
    # all models in one overview
    if (term eq "png") { set terminal pngcairo size 1500,900 font ",9" } else { set terminal svg size 1500,900 font ",9" }
    set output figures."/work-precision.".term
    set multiplot layout 2,3 title "work-precision: relative gradient error against gradient time, rtol 1e-4 ... 1e-10"
    set key top right noenhanced font ",8"
    do for [file in files] {
        model = model_of(file)
        bs = curve_backends(file)
        stats file using 5 nooutput
        n = STATS_blocks
        gone = failed_names(model)
        set title sprintf("%s (%s parameters)%s", model, np_of(model), strlen(gone) > 0 ? "; failed: ".gone : "") noenhanced
        plot for [i=0:n-1] file index i using 5:6 with linespoints lw 2 \
             lc rgb backend_colour(word(bs, i + 1)) pt backend_point(word(bs, i + 1)) title word(bs, i + 1)
    }
    unset multiplot
    set output
}
