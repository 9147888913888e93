# A model without a trustworthy reference still passes through a study: with `reference none`
# (the cache line says why), its cases succeed without error rows, the ranked table shows "-"
# for their error, the summary's error column is empty (nan) for them, and the figures of the
# study are drawn without them and pass the figure check — while a closed-form model of the
# same study keeps its errors.  Then a PEtab study (bench/studies/petab.sh on one model of the
# collection) runs end to end and its ranking table names every backend.
source "$ODEGRAD_SOURCE/tests/cli/lib.sh"
cd "$work"
res=$work/results
cat > default.spec <<'SPEC'
study default
models freefall brusselator-2
backends forward tape
tol 1e-6 1e-8
reference none
SPEC
"$ODEGRAD" bench default.spec --results "$res" > table.txt 2> bench.err && pass || fail "bench: $(cat bench.err)"
grep -q $'^brusselator-2\t[0-9a-f]*\tnone: not asked for (spec: reference none)\t-$' "$res/default.ref.tsv" && pass ||
  fail "the cache does not say why brusselator-2 has no reference: $(cat "$res/default.ref.tsv")"
! grep -q "^default,brusselator-2,.*,grad_rel_err," "$res/default.csv" && pass || fail "brusselator-2 has error rows without a reference"
grep -q "^default,freefall,.*,grad_rel_err," "$res/default.csv" && pass || fail "freefall lost its closed-form errors"
[[ $(grep -c ',status,0,ok$' "$res/default.csv") == 8 ]] && pass || fail "not every case succeeded: $(grep ',status,' "$res/default.csv")"
awk '$1 == "brusselator-2" && $(NF - 5) != "-" { bad = 1 } END { exit bad }' table.txt && pass ||
  fail "the ranked table shows an error for brusselator-2: $(grep brusselator table.txt)"
# spec errors: a bad value, and the directive twice
printf 'models freefall\nbackends tape\nreference maybe\n' > bad1.spec
expect_error 2 "bad1.spec:3: 'reference' is 'none' or 'compute'" -- bench bad1.spec --results "$res"
printf 'models freefall\nbackends tape\nreference none\nreference none\n' > bad2.spec
expect_error 2 "bad2.spec:4: " -- bench bad2.spec --results "$res"

command -v gnuplot > /dev/null || { fail "gnuplot is not installed"; finish; exit 1; }
"$ODEGRAD_SOURCE/plots/make-all" --check "$work/checks" "$res" 2> made.txt && pass || fail "make-all failed: $(cat made.txt)"
"$ODEGRAD_SOURCE/plots/check-figures" "$work/checks" > verdict.txt 2>&1 && pass ||
  fail "the figures fail the figure check: $(grep -v ': ok$' verdict.txt)"
for figure in work-precision work-precision-brusselator-2 work-precision-freefall; do
  [[ -s $res/figures/$figure.png ]] && pass || fail "$figure.png missing ($(cat made.txt))"
done

# the PEtab collection study on one small model: both studies, the ranking table, the figures
RESULTS=$work/petab MODELS=Perelson_Science1996 TIMEOUT=60 "$ODEGRAD_SOURCE/bench/studies/petab.sh" 2> petab.err &&
  pass || fail "petab.sh: $(cat petab.err)"
for b in forward adjoint interp tape checkpoint backsolve fd; do
  grep -q "^| Perelson_Science1996 |.*$b" "$work/petab/petab.ranking.md" && pass || fail "the ranking table lacks $b: $(cat "$work/petab/petab.ranking.md")"
done
"$ODEGRAD_SOURCE/plots/make-all" --check "$work/pchecks" "$work/petab" 2> pmade.txt && pass || fail "make-all (petab) failed: $(cat pmade.txt)"
"$ODEGRAD_SOURCE/plots/check-figures" "$work/pchecks" > pverdict.txt 2>&1 && pass ||
  fail "the PEtab figures fail the figure check: $(grep -v ': ok$' pverdict.txt)"
finish
