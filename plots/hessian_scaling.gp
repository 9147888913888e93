# hessian_scaling — the report's Figure 4 as it is drawn there: the time of one full Hessian
# against the number of parameters, one curve per method, on two model families whose size
# grows: the 2-D Brusselator brusselator-N (4N^2 parameters) and the tanh MLP neural ODE
# mlp-2-H (5H + 2 parameters).  The report's claim: the second-order adjoint's time "increases
# at a lower rate" than forward sensitivities' and finite differences'.  Each legend entry
# states the measured growth exponent a of time ~ np^a (least squares over the sizes drawn).
# needs: hessian-scaling.summary.tsv
# Data: results/hessian-scaling.summary.tsv (bench/studies/hessian-scaling.spec; columns by
# name; time the median over repeats).  A size where a method failed or timed out is missing
# from its curve and named under the panel.
# Writes <figures>/hessian-cost.png and .svg.
if (!exists("plots")) plots = "plots"
load plots."/palette.gpi"
load plots."/check.gpi"
set datafile separator "\t"
set datafile missing "nan"
file = results."/hessian-scaling.summary.tsv"
awk_columns = "NR == 1 { for (i = 1; i <= NF; i++) c[$i] = i; next } "
# the methods of the study, in file order
methods = system("awk -F'\t' 'NR > 1 { print $2 }' '".file."' | awk '!seen[$0]++'")
# one method's successful sizes of a family as "np time", sorted by np
# (built by concatenation: gnuplot 5.4's sprintf garbles formats holding "%%" when an argument
# is long, such as a results path)
curve(family, method) = "< awk -F'\t' '" . awk_columns . \
    "index($1, \"".family."-\") == 1 && $2 == \"".method."\" && $c[\"ok\"] > 0 && $c[\"time_median_s\"] != \"nan\" " . \
    "{ print $c[\"np\"] \"\t\" $c[\"time_median_s\"] }' '".file."' | sort -g"
points_of(family, method) = int(system(curve(family, method)[3:]." | wc -l"))
# the growth exponent: slope of log(time) against log(np)
exponent(family, method) = system(curve(family, method)[3:]." | awk -F'\t' '{ x = log($1); y = log($2); n++; sx += x; sy += y; sxx += x * x; sxy += x * y } " . \
    "END { d = n * sxx - sx * sx; if (n >= 2 && d > 0) printf \"%.1f\", (n * sxy - sx * sy) / d; else printf \"-\" }'")
# the failed or timed-out cases of a family: "model method" pairs
failures(family) = system("awk -F'\t' '" . awk_columns . \
    "index($1, \"".family."-\") == 1 && $c[\"ok\"] == 0 { printf \"%s %s; \", $2, $1 }' '".file."'")
families = "brusselator mlp-2"
family_title(f) = f eq "brusselator" ? "2-D Brusselator brusselator-N (2N^2 states, 4N^2 parameters)" \
                                    : "tanh MLP neural ODE mlp-2-H (2 states, 5H + 2 parameters)"
method_title(m) = m eq "soadjoint" ? "second-order adjoint" : m eq "soforward" ? "second-order forward" : \
                  m eq "fdhess" ? "finite differences of adjoint gradients" : m eq "fim" ? "Fisher information (approximation)" : m

set logscale xy
set format x "10^{%L}"
set format y "10^{%L}"
set xlabel "number of parameters"
set ylabel "time of one full Hessian (s, median of repeats)"
set grid
set key top left noenhanced font ",9"
set pointsize 1.2
do for [term in "png svg"] {
    if (term eq "png") { set terminal pngcairo size 1300,560 font ",10" } else { set terminal svg size 1300,560 font ",10" }
    set output figures."/hessian-cost.".term
    set multiplot layout 1,2 title "Hessian cost against the number of parameters (the report's Figure 4), models at their own tolerances"
    do for [family in families] {
        drawn = ""
        do for [m in methods] { if (points_of(family, m) > 0) { drawn = drawn." ".m } }
        gone = failures(family)
        set title family_title(family) noenhanced
        if (strlen(gone) > 0) { set label 1 "failed or timed out (not drawn): ".gone at graph 0.0, -0.16 left font ",8" noenhanced } else { unset label 1 }
        plot for [i=1:words(drawn)] curve(family, word(drawn, i)) using 1:2 with linespoints lw 2 \
                 lc rgb backend_colour(word(drawn, i)) pt backend_point(word(drawn, i)) \
                 title sprintf("%s (%s): time ~ np^%s", word(drawn, i), method_title(word(drawn, i)), exponent(family, word(drawn, i)))
        if (term eq "png") {
            eval check_panel("hessian-cost", family)
            do for [i=1:words(drawn)] {
                check_data = curve(family, word(drawn, i))
                eval check_series(word(drawn, i), "using 1:2", "")
            }
        }
        unset label 1
    }
    unset multiplot
    set output
}
