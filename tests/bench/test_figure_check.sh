# The figure check (plots/check-figures over the records plots/make-all --check has every
# script write): on the committed results/ every figure passes — every point inside gnuplot's
# drawn ranges or marked as clipped, no empty series, a legend entry for each; the check
# catches each kind of defect on small figures made to have it (among them the Hessian-accuracy
# bug it was written for: a range computed from the wrong column); and a study with a gap — a
# backend the palette does not know, a model without a reference gradient — still draws every
# figure, names the gap, and passes the check.
source "$ODEGRAD_SOURCE/tests/cli/lib.sh"
cd "$work"
command -v gnuplot > /dev/null || { fail "gnuplot is not installed"; finish; exit 1; }
plots=$ODEGRAD_SOURCE/plots

# ---- 1. every figure of the committed results
"$plots/make-all" --check checks "$ODEGRAD_SOURCE/results" figures 2> made.txt && pass ||
  fail "make-all --check on results/ failed: $(grep -v ' done$' made.txt)"
for gp in "$plots"/*.gp; do
  name=$(basename "$gp" .gp)
  if grep -q "^make-all: $name done" made.txt; then
    [[ -s checks/$name.check ]] && pass || fail "$name drew without a check record"
  fi
done
[[ $(ls checks/*.check | wc -l) -ge 14 ]] && pass || fail "fewer figures checked than the study draws: $(ls checks)"
"$plots/check-figures" checks > verdict.txt 2>&1 && pass || fail "the committed figures fail the check: $(grep -v ': ok$' verdict.txt)"

# ---- 2. each defect is caught
# draw NAME CHECKS...: a one-panel figure from data.txt with the gnuplot lines on stdin, then
# check it; the check must fail with a line matching the pattern
defect() {
  local name=$1 pattern=$2
  rm -rf "d-$name"; mkdir -p "d-$name"
  { echo "plots = '$plots'; load plots.'/check.gpi'; check = 'd-$name/$name.check'"
    echo "set terminal pngcairo; set output 'd-$name/$name.png'"
    cat; } > "d-$name/$name.gp"
  gnuplot "d-$name/$name.gp" 2> "d-$name/gp.err" || { fail "$name: the fixture did not draw: $(cat "d-$name/gp.err")"; return; }
  if "$plots/check-figures" "d-$name" > "d-$name/out.txt" 2>&1; then
    fail "$name: the check passed a figure with the defect"
  else
    grep -Eq -- "$pattern" "d-$name/out.txt" && pass || fail "$name: the check failed, but not for '$pattern': $(cat "d-$name/out.txt")"
  fi
}
printf '1 1\n2 10\n3 100\n' > data.txt
defect offscale "beyond the top edge" <<'GP'
set yrange [0:50]
plot 'data.txt' using 1:2 with points title 'a'
eval check_panel('f', 'p'); check_data = 'data.txt'; eval check_series('a', 'using 1:2', '')
GP
defect logzero "beyond the bottom edge" <<'GP'
set logscale y
plot "< printf '1 0\n2 5\n'" using 1:2 with points title 'a'
eval check_panel('f', 'p'); check_data = "< printf '1 0\n2 5\n'"; eval check_series('a', 'using 1:2', '')
GP
defect empty "is empty" <<'GP'
plot 'data.txt' using 1:2 with points title 'a', 'data.txt' using 1:($2 > 1000 ? $2 : NaN) title 'b'
eval check_panel('f', 'p'); check_data = 'data.txt'
eval check_series('a', 'using 1:2', ''); eval check_series('b', 'using 1:($2 > 1000 ? $2 : NaN)', '')
GP
defect nolegend "has no legend entry" <<'GP'
unset key
plot 'data.txt' using 1:2 with points title 'a'
eval check_panel('f', 'p'); check_data = 'data.txt'; eval check_series('a', 'using 1:2', '')
GP
defect unmarked "not marked as clipped" <<'GP'
set yrange [0:50]
plot 'data.txt' using 1:($2 > 50 ? 50 : $2) with points title 'a'
eval check_panel('f', 'p'); check_data = 'data.txt'; eval check_series('a', 'using 1:2', 'clip-top')
GP
# the Hessian-accuracy bug: series names with spaces, the range taken from "column 5" of a
# whitespace split (a parameter index) instead of the tab-separated entries
printf 'm\tfim rtol=1e-8\t0\t0\t1500.5\t1490\n' > hess.tsv
printf 'm\tfim rtol=1e-8\t0\t1\t-3.25\t-3\n' >> hess.tsv
defect hessian "beyond the (top|right) edge" <<'GP'
set datafile separator whitespace
stats 'hess.tsv' using (abs($5)) nooutput
set xrange [-3 * STATS_max : 3 * STATS_max]; set yrange [-3 * STATS_max : 3 * STATS_max]
src = "< awk -F'\t' '{ print $5 \"\t\" $6 }' hess.tsv"
plot src using 1:2 with points title 'fim'
eval check_panel('f', 'p'); check_data = src; eval check_series('fim', 'using 1:2', '')
GP
# a clipped series with its marker passes
mkdir -p marked
cat > marked/marked.gp <<GP
plots = '$plots'; load plots.'/check.gpi'; check = 'marked/marked.check'
set terminal pngcairo; set output 'marked/marked.png'
set yrange [0:50]
plot 'data.txt' using 1:(\$2 > 50 ? 50 : \$2) with points title 'a', 'data.txt' using 1:(\$2 > 50 ? 50 : NaN) with points pt 8 title 'above 50: drawn at 50'
eval check_panel('f', 'p'); check_data = 'data.txt'
eval check_series('a', 'using 1:2', 'clip-top'); eval check_series('above 50: drawn at 50', 'using 1:(\$2 > 50 ? 50 : NaN)', 'clipmark')
GP
gnuplot marked/marked.gp 2> marked.err && "$plots/check-figures" marked > marked.txt 2>&1 && pass ||
  fail "a clipped point with its marker must pass: $(cat marked.err marked.txt)"

# ---- 3. gaps: a backend the palette does not know, a model without a reference gradient
mkdir -p gap
cp "$ODEGRAD_SOURCE"/results/default.* "$ODEGRAD_SOURCE"/results/default--*.series.tsv gap/
# "tape" becomes a backend without a colour; the oscillator loses its reference (errors nan)
for f in gap/default.summary.tsv gap/default--*.series.tsv; do
  awk -F'\t' 'BEGIN { OFS = "\t" } $2 == "tape" || $2 ~ /^tape / { sub(/^tape/, "newbackend", $2) } { print }' "$f" > "$f.new" && mv "$f.new" "$f"
done
awk -F'\t' 'BEGIN { OFS = "\t" } NR == 1 { for (i = 1; i <= NF; i++) c[$i] = i; print; next }
  $1 == "oscillator" { $c["grad_rel_err"] = "nan"; $c["grad_max_rel_err"] = "nan" } { print }' \
  gap/default.summary.tsv > gap/s.new && mv gap/s.new gap/default.summary.tsv
awk -F'\t' 'BEGIN { OFS = "\t" } $3 != "rtol" && NF >= 6 { $6 = "nan" } { print }' \
  gap/default--oscillator.series.tsv > gap/o.new && mv gap/o.new gap/default--oscillator.series.tsv
"$plots/make-all" --check gapchecks gap gapfigs 2> gapmade.txt && pass || fail "a study with gaps stopped at its figures: $(cat gapmade.txt)"
"$plots/check-figures" gapchecks > gapverdict.txt 2>&1 && pass || fail "the figures with gaps fail the check: $(cat gapverdict.txt)"
grep -q "no gradient error (no reference gradient" gapfigs/work-precision-oscillator.svg && pass ||
  fail "the oscillator figure does not name the missing reference"
colour=$(gnuplot -e "load '$plots/palette.gpi'; print backend_colour('newbackend')" 2>&1)
[[ $colour != "#000000" && $colour == \#* ]] && pass || fail "a backend without a palette entry gets '$colour'"
grep -q "newbackend" gapfigs/work-precision-freefall.svg && pass || fail "the new backend is missing from the freefall figure"
finish
