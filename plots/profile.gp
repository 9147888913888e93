# profile — profile likelihoods of every parameter of a model (Stapor et al.'s uncertainty
# analysis, the report's source for Figures 4–6): PL(t) − L̂ against t, one panel per
# parameter, the optimisation-based profile as points and the integration-based one as a line,
# the 95 % likelihood-ratio threshold (1.92) dashed; the interval is where a curve lies below it.
# needs: *.profile.tsv
# Data, written by `odegrad profile` (bench/profile_output.h): <results>/<study>--<model>.profile.tsv,
# one gnuplot block per parameter and kind, first line a header "t <parameter> value kind";
# rows t, parameter, PL − L̂, kind.  Writes <figures>/profile-<study>--<model>.png and .svg.
set datafile separator "\t"
threshold = 1.9207294103470620
files = system("ls '".results."'/*--*.profile.tsv 2>/dev/null")
do for [pf in files] {
    base = pf[strlen(results) + 2 : strlen(pf) - strlen(".profile.tsv")]
    # the parameters in order of first appearance, and for each block its parameter and kind
    params = system("awk -F'\t' '$1 == \"t\" && !seen[$2]++ {print $2}' '".pf."'")
    bparam = system("awk -F'\t' '$1 == \"t\" {print $2}' '".pf."'")
    bkind = system("awk -F'\t' 'p == 1 {print $4; p = 0} $1 == \"t\" {p = 1}' '".pf."'")
    np = words(params)
    nb = words(bparam)
    cols = np <= 4 ? np : (np <= 9 ? 3 : 5)
    rows = int((np + cols - 1) / cols)
    do for [term in "png svg"] {
        if (term eq "png") { set terminal pngcairo size 360*cols,300*rows font ",9" } else { set terminal svg size 360*cols,300*rows font ",9" }
        set output figures."/profile-".base.".".term
        set multiplot layout rows,cols title "profile likelihoods: ".base noenhanced
        set grid
        set yrange [0:2.5*threshold]
        set key top center noenhanced font ",8"
        do for [p=1:np] {
            name = word(params, p)
            set xlabel name noenhanced
            set ylabel "PL - L_hat" noenhanced
            plot for [b=1:nb] pf index (b - 1) \
                     using ((word(bparam, b) eq name && strcol(4) eq "optimisation") ? $1 : NaN):3 \
                     with points pt 6 ps 0.6 lc rgb "#4477aa" \
                     title (p == 1 && word(bkind, b) eq "optimisation" && word(bparam, b) eq name ? "optimisation" : ""), \
                 for [b=1:nb] pf index (b - 1) \
                     using ((word(bparam, b) eq name && strcol(4) eq "integration") ? $1 : NaN):3 \
                     with lines lw 1.5 lc rgb "#ee6677" \
                     title (p == 1 && word(bkind, b) eq "integration" && word(bparam, b) eq name ? "integration" : ""), \
                 threshold with lines dt 2 lc rgb "gray40" title (p == 1 ? "95 % threshold" : "")
        }
        unset multiplot
        set output
    }
}
