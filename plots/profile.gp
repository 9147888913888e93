# profile — profile likelihoods of every parameter of a model (Stapor et al.'s uncertainty
# analysis, the report's source for Figures 4–6): PL(t) − L̂ against t, one panel per
# parameter, the optimisation-based profile as points and the integration-based one as a line,
# the 95 % likelihood-ratio threshold (1.92) dashed; the interval is where a curve lies below it,
# and each kind's interval (from the .ci.tsv beside the profile file, when there is one) is
# marked as a bar on the threshold line between its ends (the integration's thick and light,
# the optimisation's thin on top: where they agree, one bar shows inside the other).
# needs: *.profile.tsv
# Data, written by `odegrad profile` (bench/profile_output.h): <results>/<study>--<model>.profile.tsv,
# one gnuplot block per parameter and kind, first line a header "t <parameter> value kind";
# rows t, parameter, PL − L̂, kind.  Writes <figures>/profile-<study>--<model>.png and .svg.
# The y axis ends at 2.5 times the threshold; a profile point above it is drawn on the top edge
# as a triangle (named in the key).  The key is in the first panel and holds for all.
set datafile separator "\t"
if (!exists("plots")) plots = "plots"
load plots."/check.gpi"
threshold = 1.9207294103470620
files = system("ls '".results."'/*--*.profile.tsv 2>/dev/null")
do for [pf in files] {
    base = pf[strlen(results) + 2 : strlen(pf) - strlen(".profile.tsv")]
    cf = results."/".base.".ci.tsv"
    has_ci = int(system("test -s '".cf."' && echo 1 || echo 0"))
    # one kind's interval of one parameter: "estimate lower upper" (ci.tsv columns 4-6)
    interval(name, kind) = "< awk -F'\t' '$1 == \"".name."\" && $2 == \"".kind."\" {print $4 \"\t\" $5 \"\t\" $6}' '".cf."'"
    n_interval(name, kind) = has_ci ? int(system(interval(name, kind)[3:]." | wc -l")) : 0
    # its two ends on the threshold line, for the figure check
    interval_ends(name, kind) = "< awk -F'\t' '$1 == \"".name."\" && $2 == \"".kind."\" {print $5 \"\t\" ".sprintf("%.17g", threshold)."; print $6 \"\t\" ".sprintf("%.17g", threshold)."}' '".cf."'"
    # the parameters in order of first appearance, and for each block its parameter and kind
    params = system("awk -F'\t' '$1 == \"t\" && !seen[$2]++ {print $2}' '".pf."'")
    bparam = system("awk -F'\t' '$1 == \"t\" {print $2}' '".pf."'")
    bkind = system("awk -F'\t' 'p == 1 {print $4; p = 0} $1 == \"t\" {p = 1}' '".pf."'")
    np = words(params)
    top = 2.5 * threshold
    # the points of one parameter above the top edge, drawn on it: "t top"
    above(name) = "< awk -F'\t' '$1 == \"t\" { next } NF >= 4 && $2 == \"".name."\" && $3 != \"nan\" && $3 + 0 > ".sprintf("%.17g", top)." { print $1 \"\t\" ".sprintf("%.17g", top)." }' '".pf."'"
    n_above(name) = int(system(above(name)[3:]." | wc -l"))
    # the first panel with a point above the top carries the marker's key entry
    first_above = 0
    do for [q=np:1:-1] { if (n_above(word(params, q)) > 0) { first_above = q } }
    nb = words(bparam)
    cols = np <= 4 ? np : (np <= 9 ? 3 : 5)
    rows = int((np + cols - 1) / cols)
    do for [term in "png svg"] {
        if (term eq "png") { set terminal pngcairo size 360*cols,300*rows font ",9" } else { set terminal svg size 360*cols,300*rows font ",9" }
        set output figures."/profile-".base.".".term
        set multiplot layout rows,cols title "profile likelihoods: ".base noenhanced
        set grid
        # a little below 0: a profile point may lie a rounding error under L_hat (3.6e-7 at
        # jakstat's p2 bound, where the optimum sits a fit tolerance away from the bound)
        set yrange [-0.02 * top:top]
        set key top center noenhanced font ",8"
        do for [p=1:np] {
            name = word(params, p)
            set xlabel name noenhanced
            set ylabel "PL - L_hat" noenhanced
            # this parameter's blocks of each kind (1-based), so that no plotted block is
            # empty (gnuplot would warn "no valid points" once per other parameter's block)
            # gnuplot reads an element's file once even when its iteration is empty (k then
            # left over from the element before): it warns when that gives no points, and
            # autoscales x on those it gives.  An empty element reads this parameter's first
            # block, its x from column 1 and its y inside the fixed y range: no warning, and
            # the x range this parameter's own points have anyway.
            block(list, k) = k >= 1 && k <= words(list) ? word(list, k) - 1 : first_block
            n_int = n_interval(name, "integration") > 0 ? 1 : 0
            n_opt = n_interval(name, "optimisation") > 0 ? 1 : 0
            n_top = n_above(name) > 0 ? 1 : 0
            opt_blocks = ""
            int_blocks = ""
            do for [b=1:nb] {
                if (word(bparam, b) eq name && word(bkind, b) eq "optimisation") { opt_blocks = opt_blocks." ".b }
                if (word(bparam, b) eq name && word(bkind, b) eq "integration") { int_blocks = int_blocks." ".b }
            }
            first_block = word(opt_blocks." ".int_blocks, 1) - 1
            plot for [k=1:words(opt_blocks)] pf index block(opt_blocks, k) using 1:3 \
                     with points pt 6 ps 0.6 lc rgb "#4477aa" \
                     title (p == 1 && k == 1 ? "optimisation" : ""), \
                 for [k=1:words(int_blocks)] pf index block(int_blocks, k) using 1:3 \
                     with lines lw 1.5 lc rgb "#ee6677" \
                     title (p == 1 && k == 1 ? "integration" : ""), \
                 threshold with lines dt 2 lc rgb "gray40" title (p == 1 ? "95 % threshold" : ""), \
                 for [k=1:n_int] (n_int ? interval(name, "integration") : pf) \
                     index (n_int ? 0 : first_block) using 1:(threshold):(n_int ? $2 : $1):(n_int ? $3 : $1) \
                     with xerrorbars lw 5 ps 0 lc rgb "#f4b8c0" \
                     title (p == 1 ? "interval (integration)" : ""), \
                 for [k=1:n_opt] (n_opt ? interval(name, "optimisation") : pf) \
                     index (n_opt ? 0 : first_block) using 1:(threshold):(n_opt ? $2 : $1):(n_opt ? $3 : $1) \
                     with xerrorbars lw 1.5 ps 0 lc rgb "#4477aa" \
                     title (p == 1 ? "interval (optimisation)" : ""), \
                 for [k=1:n_top] (n_top ? above(name) : pf) index (n_top ? 0 : first_block) \
                     using 1:(top) with points pt 8 ps 0.8 lc rgb "black" \
                     title (p == first_above ? "above the top: drawn on it" : "")
            if (term eq "png") {
                eval check_panel("profile-".base, name)
                check_data = pf
                do for [b=1:nb] {
                    if (word(bparam, b) eq name) {
                        eval check_series(word(bkind, b), sprintf("index %d using 1:3", b - 1), p == 1 ? "clip-top" : "clip-top shared-key")
                    }
                }
                do for [kind in "integration optimisation"] {
                    if (n_interval(name, kind) > 0) {
                        check_data = interval_ends(name, kind)
                        eval check_series("interval (".kind.")", "using 1:2", p == 1 ? "" : "shared-key")
                    }
                }
                if (n_above(name) > 0) { check_data = above(name); eval check_series("above the top: drawn on it", "using 1:2", p == first_above ? "clipmark" : "clipmark shared-key") }
            }
        }
        unset multiplot
        set output
    }
}
