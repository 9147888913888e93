# error_band — the report's Figure 2 as it is drawn there ("if each step introduces an error
# eps, the prediction is sin(t) + eps t"): the exact solution y = 0.9 sin(1.05 t) of the
# oscillator beside the numerical solutions (Euler, RK4, Dormand-Prince, CVODES BDF), with the
# band y_exact +- eps t.  Here eps is measured, not assumed: for each solver the smallest eps
# whose band holds every |y_num(t) - y_exact(t)| (eps = max over t of |error| / t).  Left: the
# trajectories over [0, 50] with Euler's band (the only one wide enough to see); right: each
# solver's error |y_num - y_exact| divided by its eps, against t, with the band edge t as the
# line (an error that grows like eps t follows it; one that stays bounded falls away).
# needs: trajectory.csv
# Data: results/trajectory.csv (bench/studies/trajectory.sh: rows model, solver, options, t,
# state, numeric, exact, abs_error, steps, rhs_evals).
# Writes <figures>/error-band.png and .svg.
if (!exists("plots")) plots = "plots"
load plots."/check.gpi"
file = results."/trajectory.csv"
solver_colour(s) = s eq "euler" ? "#ee6677" : s eq "rk4" ? "#4477aa" : s eq "dopri5" ? "#228833" : "#aa3377"
# the oscillator of the study (the first model whose name starts with "oscillator")
model = system("awk -F, 'NR > 1 && index($1, \"oscillator\") == 1 { print $1; exit }' '".file."'")
# its solves as "solver|options" words (spaces as '~')
solves = system("awk -F, 'NR > 1 && $1 == \"".model."\" { print $2 \"|\" $3 }' '".file."' | awk '!seen[$0]++' | tr ' ' '~'")
field(w, k) = system("echo '".w."' | cut -d'|' -f".k." | tr '~' ' '")
rows(w) = "< awk -F, '$1 == \"".model."\" && $2 == \"".field(w, 1)."\" && $3 == \"".field(w, 2)."\" && $5 == \"y\" { print $4, $6, $7, $8 }' '".file."'"
eps_of(w) = real(system(rows(w)[3:]." | awk 'BEGIN { e = 0 } $1 > 0 { r = $4 / $1; if (r > e) e = r } END { printf \"%.17g\", e }'"))
exact_rows = rows(word(solves, 1))
euler = ""
do for [w in solves] { if (field(w, 1) eq "euler") { euler = w } }
if (euler eq "") { euler = word(solves, 1) }
eps_euler = eps_of(euler)

set grid
set key noenhanced
do for [term in "png svg"] {
    if (term eq "png") { set terminal pngcairo size 1400,560 font ",10" } else { set terminal svg size 1400,560 font ",10" }
    set output figures."/error-band.".term
    set multiplot layout 1,2 title "error accumulation as the report's Figure 2 draws it: y = sin t + eps t, measured on ".model noenhanced
    set title sprintf("trajectories; shaded: exact +- eps t with eps = %.2g (%s)", eps_euler, field(euler, 1).", ".field(euler, 2)) noenhanced
    set xlabel "t (s)"
    set ylabel "position y(t)"
    set key outside below center horizontal maxcols 3
    plot exact_rows using 1:($3 - eps_euler * $1):($3 + eps_euler * $1) with filledcurves fc rgb "#ee6677" fs transparent solid 0.18 noborder \
             title sprintf("exact +- eps t (eps = %.2g)", eps_euler), \
         for [w in solves] rows(w) using 1:2 with lines lw (field(w, 1) eq "euler" ? 2 : 1.5) lc rgb solver_colour(field(w, 1)) \
             title field(w, 1).", ".field(w, 2), \
         exact_rows using 1:3 with lines lw 2 dt 2 lc rgb "black" title "exact 0.9 sin(1.05 t)"
    if (term eq "png") {
        eval check_panel("error-band", "trajectories")
        check_data = exact_rows
        eval check_series(sprintf("exact +- eps t (eps = %.2g)", eps_euler), "using 1:($3 - eps_euler * $1)", "")
        eval check_series(sprintf("exact +- eps t (eps = %.2g)", eps_euler), "using 1:($3 + eps_euler * $1)", "")
        do for [w in solves] {
            check_data = rows(w)
            eval check_series(field(w, 1).", ".field(w, 2), "using 1:2", "")
        }
        check_data = exact_rows
        eval check_series("exact 0.9 sin(1.05 t)", "using 1:3", "")
    }
    set title "each solver's error in units of its own eps: |y_num - y_exact| / eps (the band edge is t)" noenhanced
    set ylabel "|y_num(t) - y_exact(t)| / eps" noenhanced
    plot for [w in solves] rows(w) using 1:($4 / eps_of(w)) with lines lw 1.5 lc rgb solver_colour(field(w, 1)) \
             title sprintf("%s, %s: eps = %.2g", field(w, 1), field(w, 2), eps_of(w)), \
         x with lines lw 2 dt 2 lc rgb "black" title "band edge eps t / eps = t"
    if (term eq "png") {
        eval check_panel("error-band", "scaled errors")
        do for [w in solves] {
            check_data = rows(w)
            e = eps_of(w)
            eval check_series(sprintf("%s, %s: eps = %.2g", field(w, 1), field(w, 2), e), "using 1:($4 / e)", "")
        }
    }
    unset multiplot
    set output
}
