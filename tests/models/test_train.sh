#!/bin/bash
# test_train — `odegrad train` on neural-freefall: the report's run (Adam, lr 0.05, 200 epochs)
# reduces the loss at least 10x from the seeded start, prints the loss every 50 epochs, writes
# the loss curve and the trajectory (and draws nothing: plots/make-all draws the figure from
# them), and is deterministic (two runs, identical files); bad options are usage errors (exit
# 2) that write nothing; without --results the files go to the scratch folder, never results/.  Gradients come from the
# tape backend, the fastest here (forward, adjoint, backsolve and checkpoint all reach the
# same final loss, 587.36..., to 1e-5).
set -u
fail=0
check() { if ! eval "$1"; then echo "FAIL: $2"; fail=1; fi; }
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

"$ODEGRAD" train --method tape --results "$tmp/a" > "$tmp/a.out" 2> "$tmp/a.err"
check '[ $? -eq 0 ]' "train exited non-zero: $(cat "$tmp/a.err")"
check '[ "$(grep -c "^epoch " "$tmp/a.out")" -eq 5 ]' "expected the loss at epochs 0, 50, 100, 150, 200"
for e in 50 100 150 200; do
    check 'grep -q "^epoch $e, loss = " "$tmp/a.out"' "no loss printed at epoch $e"
done
for f in training_loss.csv training_trajectory.csv; do
    check '[ -s "$tmp/a/$f" ]' "$f not written"
done
check '[ ! -e "$tmp/a/figures" ]' "train drew a figure (the command line draws nothing)"
# plots/make-all draws it from the same files
"$ODEGRAD_SOURCE/plots/make-all" "$tmp/a" "$tmp/redrawn" 2> "$tmp/make-all.err"
check '[ -s "$tmp/redrawn/training.png" ] && [ -s "$tmp/redrawn/training.svg" ]' \
    "make-all did not draw the training figure: $(cat "$tmp/make-all.err")"
check '[ "$(head -c 8 "$tmp/redrawn/training.png" | od -An -tx1 | tr -d " \n")" = "89504e470d0a1a0a" ]' \
    "training.png is not a PNG"
check 'grep -q "<svg" "$tmp/redrawn/training.svg"' "training.svg is not an SVG"
check '[ "$(wc -l < "$tmp/a/training_loss.csv")" -eq 202 ]' "loss curve needs a header and 201 rows"
check '[ "$(wc -l < "$tmp/a/training_trajectory.csv")" -eq 101 ]' "trajectory needs a header and 100 rows"
# at least a 10-fold reduction from the seeded start
first=$(sed -n 2p "$tmp/a/training_loss.csv" | cut -d, -f2)
last=$(tail -n 1 "$tmp/a/training_loss.csv" | cut -d, -f2)
check "awk -v a=$first -v b=$last 'BEGIN { exit !(b > 0 && a / b >= 10) }'" \
    "loss went from $first to $last, less than a 10x reduction"
# the printed losses are the ones in the curve
check '[ "$(grep "^epoch 200" "$tmp/a.out" | sed "s/.*= //")" = "$(awk -F, -v l=$last "BEGIN { printf \"%.10g\", l }")" ]' \
    "printed final loss differs from the curve"
# deterministic
"$ODEGRAD" train --method tape --results "$tmp/b" > "$tmp/b.out" 2>&1
check 'cmp -s "$tmp/a/training_loss.csv" "$tmp/b/training_loss.csv"' "two runs gave different loss curves"
check 'cmp -s "$tmp/a/training_trajectory.csv" "$tmp/b/training_trajectory.csv"' "two runs gave different trajectories"

# usage errors: exit 2, one line, nothing written
for bad in "--epochs 0" "--lr -1" "--lr abc" "--print-every 0" "--name a/b" "--model nosuch" \
           "--method nosuch" "--bogus 1"; do
    "$ODEGRAD" train --method forward $bad --results "$tmp/c" > /dev/null 2> "$tmp/c.err"
    code=$?
    check '[ $code -eq 2 ]' "train $bad: exit $code, expected 2"
    check '[ "$(wc -l < "$tmp/c.err")" -eq 1 ]' "train $bad: expected one line on stderr: $(cat "$tmp/c.err")"
    check '[ ! -e "$tmp/c" ]' "train $bad wrote files"
done
# without --results: the scratch folder of the current directory, never results/
(cd "$tmp" && mkdir -p results && echo sentinel > results/keep.txt &&
 "$ODEGRAD" train --method tape --epochs 2 > /dev/null 2> "$tmp/s.err")
check '[ $? -eq 0 ] && [ -s "$tmp/scratch/training_loss.csv" ]' "train without --results did not write scratch/: $(cat "$tmp/s.err")"
check '[ "$(ls "$tmp/results")" = keep.txt ]' "train without --results touched results/"
"$ODEGRAD" train > /dev/null 2> "$tmp/d.err"
check '[ $? -eq 2 ] && grep -q -- "--method is required" "$tmp/d.err"' "train without --method"
exit $fail
