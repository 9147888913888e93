# error_accumulation — the report's sections 2.2 / 5.2 measured: top, the state error
# |y_num(t) - y_exact(t)| of single solves against t (Euler, RK4, the adaptive Dormand-Prince
# pair, CVODES BDF) on the oscillator y = 0.9 sin(1.05 t) and on the free fall; bottom, the
# gradient error of the CVODES adjoint, the backsolve adjoint (plain and re-anchored at the
# data), forward sensitivities and the tape against the horizon T.
# needs: trajectory.csv horizon.summary.tsv
# Data: results/trajectory.csv (bench/studies/trajectory.sh: `odegrad trajectory` rows model,
# solver, options, t, state, numeric, exact, abs_error, steps, rhs_evals) and
# results/horizon.summary.tsv (bench/studies/horizon.spec; columns by name).
# A gradient error above `error_cap` (or infinite) is drawn at the cap as an open triangle
# pointing up, with its value written beside it: the figure never hides how large it was.
# Writes <figures>/error-accumulation.png and .svg.
if (!exists("plots")) plots = "plots"
load plots."/palette.gpi"
load plots."/check.gpi"
trajectories = results."/trajectory.csv"
horizon = results."/horizon.summary.tsv"
solver_colour(s) = s eq "euler" ? "#ee6677" : s eq "rk4" ? "#4477aa" : s eq "dopri5" ? "#228833" : "#aa3377"
error_cap = 10.0

# ---- the top row: error against t --------------------------------------------------------
# the models of the trajectories (the study's: oscillator-T50, freefall-T50), in file order
trajectory_models = system(sprintf("awk -F, 'NR > 1 { print $1 }' '%s' | awk '!seen[$0]++'", trajectories))
model_title(m) = (strstrt(m, "oscillator") == 1 ? "oscillator y = 0.9 sin(1.05 t)" : "free fall with drag") . \
                 " (".m.")"
# the solves of one model, as "solver|options|rhs_evals" words
solves(model) = system(sprintf("awk -F, 'NR > 1 && $1 == \"%s\" { print $2 \"|\" $3 \"|\" $10 }' '%s' | awk '!seen[$0]++' | tr ' ' '~'", model, trajectories))
field(w, k) = system(sprintf("echo '%s' | cut -d'|' -f%d | tr '~' ' '", w, k))
position_error(model, w) = sprintf("< awk -F, '$1 == \"%s\" && $2 == \"%s\" && $3 == \"%s\" && $5 == \"y\" && $4 > 0 && $8 > 0 { print $4, $8 }' '%s'", \
                                   model, field(w, 1), field(w, 2), trajectories)
solve_title(w) = sprintf("%s, %s (%s f-evals)", field(w, 1), field(w, 2), field(w, 3))

# ---- the bottom row: gradient error against T --------------------------------------------
# one series: family (freefall / oscillator), backend, extra options ("" or "reanchor=on"),
# rtol; rows "T error" with the error as measured (inf where the gradient was not finite)
horizon_series(family, backend, extra, rtol) = sprintf( \
    "< awk -F'\t' 'NR == 1 { for (i = 1; i <= NF; i++) c[$i] = i; next } " . \
    "index($1, \"%s-T\") == 1 && $2 == \"%s\" && $3 == \"%s\" && $c[\"ok\"] > 0 " . \
    "{ e = $c[\"grad_rel_err\"]; if (e == \"nan\") e = \"inf\"; " . \
    "print substr($1, length(\"%s-T\") + 1), e }' '%s' | sort -g", \
    family, backend, "rtol=".rtol.(extra eq "" ? "" : " ".extra), family, horizon)
# every point of a family above the cap: "T cap label"
# (built by concatenation: gnuplot 5.4's sprintf garbles formats holding "%%" when an argument
# is long, such as a results path)
clipped(family) = "< awk -F'\t' 'NR == 1 { for (i = 1; i <= NF; i++) c[$i] = i; next } " . \
    "index($1, \"".family."-T\") == 1 && $c[\"ok\"] > 0 && " . \
    "($c[\"grad_rel_err\"] !~ /^[0-9.e+-]+$/ || $c[\"grad_rel_err\"] + 0 > ".sprintf("%g", error_cap).") " . \
    "{ t = substr($1, length(\"".family."-T\") + 1); v = sprintf(\"%.0e\", $c[\"grad_rel_err\"]); " . \
    "  if (t in lab) lab[t] = lab[t] \"/\" v; else lab[t] = v } " . \
    "END { for (t in lab) print t, ".sprintf("%g", error_cap).", lab[t] }' '".horizon."' | sort -g"
n_clipped(family) = int(system(clipped(family)[3:]." | wc -l"))
# the model families of the horizon study (freefall, oscillator), from the model names
horizon_families = system(sprintf("awk -F'\t' 'NR > 1 { sub(/-T[0-9.e+]*$/, \"\", $1); print $1 }' '%s' | awk '!seen[$0]++'", horizon))
# the curves of a panel: backend|extra|rtol|dash|colour|point
curves = "adjoint||1e-8|1|#4477aa|7 backsolve|reanchor=off|1e-8|1|#ee6677|9 backsolve|reanchor=on|1e-8|1|#332288|12 " . \
         "forward||1e-8|1|#228833|5 tape||1e-8|1|#b89c00|11 adjoint||1e-6|2|#4477aa|6 backsolve|reanchor=off|1e-6|2|#ee6677|8 " . \
         "backsolve|reanchor=on|1e-6|2|#332288|13"
cf(w, k) = system(sprintf("echo '%s' | cut -d'|' -f%d", w, k))
curve_title(w) = cf(w, 1).(cf(w, 2) eq "" ? "" : " ".cf(w, 2))." rtol ".cf(w, 3)
# a curve with no successful case is left out (and its absence named in the panel's title)
curve_n(family, w) = int(system(horizon_series(family, cf(w, 1), cf(w, 2), cf(w, 3))[3:]." | wc -l"))

set datafile missing "nan"
set grid
set key noenhanced
set pointsize 0.9
do for [term in "png svg"] {
    if (term eq "png") { set terminal pngcairo size 1300,1150 font ",10" } else { set terminal svg size 1300,1150 font ",10" }
    set output figures."/error-accumulation.".term
    set multiplot layout 2,(words(trajectory_models) > words(horizon_families) ? words(trajectory_models) : words(horizon_families)) title "error accumulation: state error along one solve (top), gradient error against the horizon (bottom)"
    set datafile separator whitespace
    set logscale xy
    set format x "10^{%L}"
    set format y "10^{%L}"
    set xlabel "t (s)"
    set ylabel "position error |y_{num}(t) - y_{exact}(t)|"
    set key outside below center horizontal maxcols 2 samplen 3
    do for [model in trajectory_models] {
        set title model_title(model) noenhanced
        ws = solves(model)
        plot for [i=1:words(ws)] position_error(model, word(ws, i)) using 1:2 with lines lw 2 \
                 lc rgb solver_colour(field(word(ws, i), 1)) title solve_title(word(ws, i)), \
             1e-6 * x with lines dt 3 lc rgb "gray40" title "slope 1: error = eps t"
        if (term eq "png") {
            eval check_panel("error-accumulation", model)
            do for [i=1:words(ws)] {
                check_data = position_error(model, word(ws, i))
                eval check_series(solve_title(word(ws, i)), "using 1:2", "")
            }
        }
    }
    set xlabel "horizon T (s)"
    set ylabel sprintf("relative gradient error (2-norm; above %g: drawn at %g, value written)", error_cap, error_cap)
    set yrange [*:error_cap * 1.5]
    do for [family in horizon_families] {
        # the curves with at least one point, and those without
        drawn = ""
        gone = ""
        do for [i=1:words(curves)] {
            if (curve_n(family, word(curves, i)) > 0) { drawn = drawn." ".word(curves, i) } else { gone = gone.", ".curve_title(word(curves, i)) }
        }
        set title (family eq "freefall" ? "free fall over [0, T] (drag: backwards unstable)" : "oscillator over [0, T] (energy-conserving)") . \
                  (strlen(gone) > 0 ? "\nno successful case: ".gone[3:] : "") noenhanced
        nc = n_clipped(family)
        curves_plot = "plot for [i=1:words(drawn)] horizon_series(family, cf(word(drawn, i), 1), cf(word(drawn, i), 2), cf(word(drawn, i), 3)) " . \
            "using 1:($2 > error_cap ? error_cap : $2) with linespoints lw 2 dt int(cf(word(drawn, i), 4)) " . \
            "lc rgb cf(word(drawn, i), 5) pt int(cf(word(drawn, i), 6)) title curve_title(word(drawn, i))"
        if (nc > 0) {
            eval curves_plot . ", clipped(family) using 1:2 with points pt 8 ps 2.2 lc rgb 'black' " . \
                 "title sprintf('error above %g (drawn at %g; value below)', error_cap, error_cap), " . \
                 "clipped(family) using 1:2:3 with labels right offset 0, -1.3 rotate by 90 font ',8' notitle"
        } else {
            eval curves_plot
        }
        if (term eq "png") {
            eval check_panel("error-accumulation", family." gradient error")
            do for [i=1:words(drawn)] {
                check_data = horizon_series(family, cf(word(drawn, i), 1), cf(word(drawn, i), 2), cf(word(drawn, i), 3))
                eval check_series(curve_title(word(drawn, i)), "using 1:2", "clip-top")
            }
            if (nc > 0) {
                check_data = clipped(family)
                eval check_series(sprintf("error above %g (drawn at %g; value below)", error_cap, error_cap), "using 1:2", "clipmark")
            }
        }
    }
    set yrange [*:*]
    unset multiplot
    set output
}
