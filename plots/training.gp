# training — the report's Figure 3: data vs the trained model's prediction beside the loss
# curve, from the files `odegrad train` writes (the command itself draws nothing: run this
# script, or plots/make-all, on its results).
# needs: training_loss.csv training_trajectory.csv
# Data: <results>/<name>_loss.csv (epoch,loss: the loss after each epoch) and
# <results>/<name>_trajectory.csv (condition,time,observable,data,predicted).
# Writes <figures>/<name>.png and .svg.  Variables (gnuplot -e, as plots/make-all passes the
# first two): results, figures, and optionally name (default training), model (default
# neural-freefall), observable and condition (the series to draw; default the ball's
# position in the drop, as in the report).  The loss axis is logarithmic when every loss is
# positive.
if (!exists("name")) name = 'training'
if (!exists("model")) model = 'neural-freefall'
if (!exists("observable")) observable = 'position'
if (!exists("condition")) condition = 'drop'
if (!exists("plots")) plots = 'plots'
load plots.'/check.gpi'
lossfile = results.'/'.name.'_loss.csv'
trajfile = results.'/'.name.'_trajectory.csv'

set datafile separator ','
set datafile missing 'NaN'
freefall = (model eq 'neural-freefall')
left_title = freefall ? 'Freefall dynamics: true vs predicted positions' \
                      : sprintf('%s: data vs prediction (%s, %s)', model, observable, condition)
left_xlabel = freefall ? 'Time (s)' : 'time'
left_ylabel = freefall ? 'Position (m)' : observable
data_title = freefall ? 'True positions' : 'data'
pred_title = freefall ? 'Predicted positions' : 'prediction'
stats lossfile using 2 nooutput
positive = (STATS_min > 0)

# the requested series only (other rows become NaN, which gnuplot skips)
pick(col) = (strcol(1) eq condition && strcol(3) eq observable) ? column(col) : NaN

do for [format in 'png svg'] {
    if (format eq 'png') {
        set terminal pngcairo size 1200,400 font 'sans,10'
    } else {
        set terminal svg size 1200,400 dynamic font 'sans,10'
    }
    set output figures.'/'.name.'.'.format
    set multiplot layout 1,2
    set title left_title noenhanced
    set xlabel left_xlabel noenhanced
    set ylabel left_ylabel noenhanced
    set key top left noenhanced
    unset logscale y
    plot trajfile using 2:(pick(4)) skip 1 with lines lw 2 title data_title, \
         trajfile using 2:(pick(5)) skip 1 with lines lw 2 dt 2 title pred_title
    if (format eq 'png') {
        eval check_panel(name, 'trajectory')
        check_data = trajfile
        eval check_series(data_title, 'using 2:(pick(4)) skip 1', '')
        eval check_series(pred_title, 'using 2:(pick(5)) skip 1', '')
    }
    set title 'Training loss curve'
    set xlabel 'Epoch'
    set ylabel 'Loss'
    set key top right
    if (positive) { set logscale y } else { unset logscale y }
    plot lossfile using 1:2 skip 1 with lines lw 2 title 'Loss'
    if (format eq 'png') {
        eval check_panel(name, 'loss')
        check_data = lossfile
        eval check_series('Loss', 'using 1:2 skip 1', '')
    }
    unset multiplot
    unset output
}
