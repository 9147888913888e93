# hessian_accuracy — the report's Figure 5: every entry of a Hessian computed by second-order
# forward sensitivities (soforward), by finite differences of adjoint gradients (fdhess, at
# several relative steps and two solver tolerances) and by the Fisher information (fim),
# against the same entry of the reference Hessian (soadjoint at rtol 1e-12, confirmed by
# soforward), one column per model (the study's: jakstat and rafmekerk, each at a fitted
# optimum given by the spec's `theta` lines).  Points on the diagonal agree.
# needs: hessian-accuracy--*.hessian.tsv
# Data: results/hessian-accuracy--<model>.hessian.tsv (bench/hessplot.h: tab-separated blocks
# with a header line "model <series> i j reference value abs_error", one line per
# upper-triangle entry; the series names hold spaces, so every read splits at tabs only).
# Axes: sign(h) asinh-scaled ("symlog"): linear within +-c around 0 (c = 1e-8 of the largest
# entry drawn), logarithmic beyond, so entries of both signs and of every magnitude show.  The
# range of a model's panels is 3x its largest entry, reference or computed, so no point is
# off-scale (the figure check holds every point to gnuplot's drawn range).
# Writes <figures>/hessian-accuracy.png and .svg.
if (!exists("plots")) plots = "plots"
load plots."/palette.gpi"
load plots."/check.gpi"
# the models with entries (the study's: jakstat and rafmekerk), from the file names
models = system("ls '".results."'/hessian-accuracy--*.hessian.tsv | sed 's|.*/hessian-accuracy--||; s|\\.hessian\\.tsv$||'")
methods = "soforward fdhess fim"
method_title(m) = m eq "soforward" ? "second-order forward (soforward)" : \
                  m eq "fdhess" ? "finite differences of adjoint gradients (fdhess)" : \
                  "Fisher information / Gauss-Newton (fim)"
file_of(model) = results."/hessian-accuracy--".model.".hessian.tsv"
# the series of one method in a file, spaces as '~' (gnuplot splits words at spaces)
series_of(model, method) = system(sprintf("awk -F'\t' '$1 == \"model\" && index($2, \"%s \") == 1 { print $2 }' '%s' | tr ' ' '~'", method, file_of(model)))
unspace(w) = system(sprintf("echo '%s' | tr '~' ' '", w))
points(model, w) = sprintf("< awk -F'\t' '$1 != \"model\" && $2 == \"%s\" { print $5 \"\t\" $6 }' '%s'", unspace(w), file_of(model))
# the largest |entry| drawn for a model: reference and computed entries of the plotted methods
largest(model) = real(system(sprintf("awk -F'\t' 'BEGIN { m = 0 } $1 != \"model\" && $2 !~ /^soadjoint / { a = $5 < 0 ? -$5 : $5; b = $6 < 0 ? -$6 : $6; if (a > m) m = a; if (b > m) m = b } END { print m }' '%s'", file_of(model))))
series_title(w) = system(sprintf("echo '%s' | tr '~' ' ' | sed 's/^[a-z]* //; s/ *theta=[0-9a-f]*//; s/step=0$/step=auto/; s/ step=0 / step=auto /'", w))
# colours by position in the panel (tolerance/step variants)
variant_colour(k) = word("#4477aa #ee6677 #228833 #ccbb44 #66ccee #aa3377 #bbbbbb #000000 #ee7733 #009988", (k - 1) % 10 + 1)

set datafile separator "\t"
set datafile missing "nan"
set grid
set key top left noenhanced font ",8" opaque box
set size ratio -1
set xlabel "reference entry (soadjoint at rtol 1e-12)"
do for [term in "png svg"] {
    if (term eq "png") { set terminal pngcairo size 1100,1500 font ",10" } else { set terminal svg size 1100,1500 font ",10" }
    set output figures."/hessian-accuracy.".term
    set multiplot layout 3,words(models) title "Hessian entries at a fitted optimum against the reference (upper triangle; symlog axes: linear within ±c, c = 10^{-8} of the largest entry)"
    do for [method in methods] {
        do for [model in models] {
            big = largest(model)
            if (big <= 0) { big = 1 }
            c = big * 1e-8
            lo = -big * 3
            hi = big * 3
            set nonlinear x via asinh(x / c) inverse c * sinh(x)
            set nonlinear y via asinh(y / c) inverse c * sinh(y)
            set xrange [lo:hi]
            set yrange [lo:hi]
            # tics at 0 and +-10^k
            set xtics () ; set ytics ()
            kmax = floor(log10(hi))
            do for [k=kmax-6:kmax:2] {
                set xtics add (sprintf("10^{%d}", k) 10.0**k, sprintf("-10^{%d}", k) -(10.0**k))
                set ytics add (sprintf("10^{%d}", k) 10.0**k, sprintf("-10^{%d}", k) -(10.0**k))
            }
            set xtics add ("0" 0) rotate by -45 font ",8"
            set ytics add ("0" 0) font ",8"
            set title model.": ".method_title(method) noenhanced
            set ylabel method." entry" noenhanced
            ws = series_of(model, method)
            if (words(ws) == 0) {
                set label 9 "no ".method." entries in this study" at graph 0.5, 0.5 center
                plot x with lines lc rgb "gray60" dt 2 title "diagonal"
            } else {
                unset label 9
                plot x with lines lc rgb "gray60" dt 2 title "diagonal", \
                     for [k=1:words(ws)] points(model, word(ws, k)) using 1:2 with points \
                         pt (k % 2 ? 7 : 6) ps 0.8 lc rgb variant_colour(k) title series_title(word(ws, k))
            }
            if (term eq "png") {
                eval check_panel("hessian-accuracy", model.": ".method)
                do for [k=1:words(ws)] {
                    check_data = points(model, word(ws, k))
                    eval check_series(series_title(word(ws, k)), "using 1:2", "")
                }
            }
            unset label 9
            unset nonlinear x
            unset nonlinear y
        }
    }
    unset multiplot
    set output
}
