# error_accumulation — the report's Figure 2 and sections 2.2 / 5.2 measured: top, the state
# error |y_num(t) - y_exact(t)| of single solves against t (Euler, RK4, the adaptive
# Dormand-Prince pair, CVODES BDF) on the oscillator y = sin t and on the free fall; bottom,
# the gradient error of the CVODES adjoint, the backsolve adjoint (plain and re-anchored at the
# data), forward sensitivities and the tape against the horizon T.
# needs: trajectory.csv horizon.summary.tsv
# Data: results/trajectory.csv (bench/studies/trajectory.sh: `odegrad trajectory` rows model,
# solver, options, t, state, numeric, exact, abs_error, steps, rhs_evals) and
# results/horizon.summary.tsv (bench/studies/horizon.spec; columns by name).
# Writes <figures>/error-accumulation.png and .svg.
if (!exists("plots")) plots = "plots"
load plots."/palette.gpi"
trajectories = results."/trajectory.csv"
horizon = results."/horizon.summary.tsv"
solver_colour(s) = s eq "euler" ? "#ee6677" : s eq "rk4" ? "#4477aa" : s eq "dopri5" ? "#228833" : "#aa3377"
# a gradient error above this is drawn at it (an inf or 1e31 says only "useless")
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
# one series: family (freefall / oscillator), backend, extra options ("" or "reanchor=on"), rtol
horizon_series(family, backend, extra, rtol) = sprintf( \
    "< awk -F'\t' 'NR == 1 { for (i = 1; i <= NF; i++) c[$i] = i; next } " . \
    "index($1, \"%s-T\") == 1 && $2 == \"%s\" && $3 == \"%s\" && $c[\"ok\"] > 0 " . \
    "{ e = $c[\"grad_rel_err\"]; if (e == \"inf\" || e == \"nan\" || e + 0 > %g) e = %g; " . \
    "print substr($1, length(\"%s-T\") + 1), e }' '%s' | sort -g", \
    family, backend, "rtol=".rtol.(extra eq "" ? "" : " ".extra), error_cap, error_cap, family, horizon)
# the model families of the horizon study (freefall, oscillator), from the model names
horizon_families = system(sprintf("awk -F'\t' 'NR > 1 { sub(/-T[0-9.e+]*$/, \"\", $1); print $1 }' '%s' | awk '!seen[$0]++'", horizon))
# the curves of a panel: backend|extra|rtol|dash
curves = "adjoint||1e-8|1 backsolve|reanchor=off|1e-8|1 backsolve|reanchor=on|1e-8|1 forward||1e-8|1 tape||1e-8|1 adjoint||1e-6|2 backsolve|reanchor=off|1e-6|2"
cf(w, k) = system(sprintf("echo '%s' | cut -d'|' -f%d", w, k))
curve_title(w) = cf(w, 1).(cf(w, 2) eq "" ? "" : " ".cf(w, 2))." rtol ".cf(w, 3)

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
    }
    set xlabel "horizon T (s)"
    set ylabel sprintf("relative gradient error (2-norm; above %g drawn at %g)", error_cap, error_cap)
    do for [family in horizon_families] {
        set title (family eq "freefall" ? "free fall over [0, T] (drag: backwards unstable)" : "oscillator over [0, T] (energy-conserving)") noenhanced
        plot for [i=1:words(curves)] horizon_series(family, cf(word(curves, i), 1), cf(word(curves, i), 2), cf(word(curves, i), 3)) \
                 using 1:2 with linespoints lw 2 dt int(cf(word(curves, i), 4)) \
                 lc rgb (cf(word(curves, i), 2) eq "reanchor=on" ? "#cc3311" : backend_colour(cf(word(curves, i), 1))) \
                 pt backend_point(cf(word(curves, i), 1)) title curve_title(word(curves, i))
    }
    unset multiplot
    set output
}
