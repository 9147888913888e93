# training_methods — the report's neural-ODE training (Adam, learning rate 0.05, 200 epochs)
# run with three gradient backends from the same start: the loss curves of `tape`, `adjoint`
# and `forward` overlaid (left) and their predicted positions against the data (right).  The
# three gradients agree to ~1e-8, so the curves lie on each other until the oscillating last
# epochs amplify the differences.
# needs: training_loss.csv training-tape_loss.csv training-forward_loss.csv
# Data, written by `odegrad train` (./run study): <results>/training_loss.csv and
# training_trajectory.csv (adjoint gradients: the report's setting, also drawn by
# plots/training.gp), training-tape_* and training-forward_* (the same run with `tape` and
# `forward` gradients).  Columns: epoch,loss and condition,time,observable,data,predicted.
# Writes <figures>/training-methods.png and .svg.
if (!exists("plots")) plots = "plots"
load plots."/palette.gpi"
load plots."/check.gpi"
runs = "adjoint|training tape|training-tape forward|training-forward"
rf(w, k) = system("echo '".w."' | cut -d'|' -f".k)
loss(w) = results."/".rf(w, 2)."_loss.csv"
trajectory(w) = results."/".rf(w, 2)."_trajectory.csv"
# the drop's positions (the report's series) of one run: "time data predicted"
positions(w) = "< awk -F, 'NR > 1 && $1 == \"drop\" && $3 == \"position\" { print $2, $4, $5 }' '".trajectory(w)."'"
final_loss(w) = system("tail -n 1 '".loss(w)."' | cut -d, -f2 | xargs printf '%.4g'")
dash(w) = rf(w, 1) eq "adjoint" ? 1 : rf(w, 1) eq "tape" ? 2 : 4

set grid
set key noenhanced
do for [term in "png svg"] {
    if (term eq "png") { set terminal pngcairo size 1300,480 font ",10" } else { set terminal svg size 1300,480 font ",10" }
    set output figures."/training-methods.".term
    set multiplot layout 1,2 title "training the report's neural ODE with three gradient backends (Adam, lr 0.05, 200 epochs, same start)"
    set datafile separator ","
    set title "training loss"
    set xlabel "epoch"
    set ylabel "loss"
    set logscale y
    set format y "10^{%L}"
    set key top right
    plot for [w in runs] loss(w) using 1:2 skip 1 with lines lw 2 dt dash(w) lc rgb backend_colour(rf(w, 1)) \
             title sprintf("%s (final loss %s)", rf(w, 1), final_loss(w))
    if (term eq "png") {
        eval check_panel("training-methods", "loss")
        do for [w in runs] {
            check_data = loss(w)
            eval check_series(sprintf("%s (final loss %s)", rf(w, 1), final_loss(w)), "using 1:2 skip 1", "")
        }
    }
    unset logscale y
    set format y "%g"
    set datafile separator whitespace
    set title "predicted positions against the data"
    set xlabel "time (s)"
    set ylabel "position (m)"
    set key top left
    plot positions(word(runs, 1)) using 1:2 with points pt 7 ps 0.5 lc rgb "black" title "data", \
         for [w in runs] positions(w) using 1:3 with lines lw 2 dt dash(w) lc rgb backend_colour(rf(w, 1)) title rf(w, 1)
    if (term eq "png") {
        eval check_panel("training-methods", "positions")
        check_data = positions(word(runs, 1))
        eval check_series("data", "using 1:2", "")
        do for [w in runs] {
            check_data = positions(w)
            eval check_series(rf(w, 1), "using 1:3", "")
        }
    }
    unset multiplot
    set output
}
