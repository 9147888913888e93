# backsolve_reconstruction — the report's bidirectional check of the backsolve adjoint
# (Algorithm 1): the state re-integrated backwards from z(T) should come back to z0; its
# reconstruction error |z_back(t0) - z0| against the horizon T, plain and re-anchored at the
# data, at two tolerances, on the free fall (drag: the reverse-time flow expands like e^{mu T})
# and on the energy-conserving oscillator.  The full range is drawn (no clipping).
# needs: horizon.csv
# Data: results/horizon.csv (bench/studies/horizon.spec; the tidy rows with metric
# extra.reconstruction_error, absolute, of the backsolve cases, first repeat).
# Writes <figures>/backsolve-reconstruction.png and .svg.
if (!exists("plots")) plots = "plots"
load plots."/check.gpi"
file = results."/horizon.csv"
# the families of the study (freefall, oscillator) and the backsolve option sets, in file order
families = system("awk -F, '$3 == \"backsolve\" && $6 == \"extra.reconstruction_error\" { m = $2; sub(/-T[0-9.e+]*$/, \"\", m); print m }' '".file."' | awk '!seen[$0]++'")
variants = system("awk -F, '$3 == \"backsolve\" && $6 == \"extra.reconstruction_error\" { print $4 }' '".file."' | sort | awk '!seen[$0]++' | tr ' ' '~'")
unspace(w) = system("echo '".w."' | tr '~' ' '")
# one curve: "T error", sorted by T
curve(family, v) = "< awk -F, '$3 == \"backsolve\" && $6 == \"extra.reconstruction_error\" && $5 == 1 && $4 == \"".unspace(v)."\" " . \
    "&& index($2, \"".family."-T\") == 1 { print substr($2, length(\"".family."-T\") + 1), $7 }' '".file."' | sort -g"
count(family, v) = int(system(curve(family, v)[3:]." | wc -l"))
variant_colour(v) = strstrt(v, "reanchor=on") > 0 ? "#332288" : "#ee6677"
variant_dash(v) = strstrt(v, "rtol=1e-6") > 0 ? 2 : 1
variant_point(v) = (strstrt(v, "reanchor=on") > 0 ? 12 : 9) - (strstrt(v, "rtol=1e-6") > 0 ? 1 : 0)

set logscale xy
set format x "10^{%L}"
set format y "10^{%L}"
set xlabel "horizon T (s)"
set ylabel "reconstruction error |z_back(t_0) - z_0| (absolute)" noenhanced
set grid
set key top left noenhanced
set pointsize 1.1
do for [term in "png svg"] {
    if (term eq "png") { set terminal pngcairo size 1300,560 font ",10" } else { set terminal svg size 1300,560 font ",10" }
    set output figures."/backsolve-reconstruction.".term
    set multiplot layout 1,words(families) title "backsolve adjoint: the state integrated back to t_0 against the true z_0, over the horizon"
    do for [family in families] {
        drawn = ""
        gone = ""
        do for [v in variants] { if (count(family, v) > 0) { drawn = drawn." ".v } else { gone = gone." ".unspace(v) } }
        set title (family eq "freefall" ? "free fall with drag (backwards unstable)" : family eq "oscillator" ? "oscillator (energy-conserving)" : family) . \
                  (strlen(gone) > 0 ? "; no case: ".gone : "") noenhanced
        plot for [v in drawn] curve(family, v) using 1:2 with linespoints lw 2 dt variant_dash(v) \
                 lc rgb variant_colour(v) pt variant_point(v) title unspace(v)
        if (term eq "png") {
            eval check_panel("backsolve-reconstruction", family)
            do for [v in drawn] {
                check_data = curve(family, v)
                eval check_series(unspace(v), "using 1:2", "")
            }
        }
    }
    unset multiplot
    set output
}
