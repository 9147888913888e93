# plots/make-all draws every figure whose data is in results/ (PNG and SVG, non-empty) and
# skips, with a note, those whose data is not there yet.
source "$ODEGRAD_SOURCE/tests/cli/lib.sh"
cd "$work"
command -v gnuplot > /dev/null || { fail "gnuplot is not installed"; finish; exit 1; }

mkdir empty
"$ODEGRAD_SOURCE/plots/make-all" empty 2> skipped.txt && pass || fail "make-all on no data must not fail"
grep -q "work_precision skipped" skipped.txt && pass || fail "no note for the skipped figure"

cat > default.spec <<'EOF2'
study default
models freefall
backends fd forward
tol 1e-6 1e-8
EOF2
"$ODEGRAD" bench default.spec --results res > /dev/null 2>&1 || fail "the small default study failed"
"$ODEGRAD_SOURCE/plots/make-all" res 2> made.txt && pass || fail "make-all failed: $(cat made.txt)"
for ext in png svg; do
  [[ -s res/figures/work-precision-freefall.$ext ]] && pass || fail "work-precision-freefall.$ext missing or empty"
done
head -c 8 res/figures/work-precision-freefall.png | od -An -c | grep -q "P   N   G" && pass || fail "not a PNG"
grep -q "<svg" res/figures/work-precision-freefall.svg && pass || fail "not an SVG"
finish
