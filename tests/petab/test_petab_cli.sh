# An imported PEtab problem wherever a model name is accepted: grad, hess and fit run on the
# toy (tests/petab/toy), and fit's per-model files get a file name without the path's '/'.
source "$ODEGRAD_SOURCE/tests/cli/lib.sh"
cd "$work"
toy="petab:$ODEGRAD_SOURCE/tests/petab/toy"

out=$("$ODEGRAD" grad --model "$toy" --method adjoint 2>&1) && [[ $out == *"loss "* ]] &&
  pass || fail "grad on the toy: $out"
out=$("$ODEGRAD" hess --model "$toy" --method soforward 2>&1) && [[ $out == *"loss "* ]] &&
  pass || fail "hess on the toy: $out"
out=$("$ODEGRAD" fit --model "$toy" --optimizer bfgs --starts 1 --results "$work/r" 2>&1)
token="fit--petab:${ODEGRAD_SOURCE//\//_}_tests_petab_toy"
[[ -f "$work/r/$token.waterfall.tsv" && -f "$work/r/$token.fitbars.tsv" ]] &&
  pass || fail "fit wrote no $token.waterfall.tsv: $(ls "$work/r") $out"
# gauss-newton needs Gaussian residuals: the toy's Laplace/log likelihood is refused
"$ODEGRAD" fit --model "$toy" --optimizer gauss-newton --starts 1 --results "$work/g" >/dev/null 2>&1
grep -q "has no least-squares form; gauss-newton cannot fit it" "$work/g/fit.csv" &&
  pass || fail "gauss-newton did not refuse the toy's likelihood"
finish
