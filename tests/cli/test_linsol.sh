# --opt linsol of the CVODES backends: a bad value is one line naming the choices (exit 2);
# a Krylov run of brusselator-4 matches the reference gradient the CLI computes itself.
source "$ODEGRAD_SOURCE/tests/cli/lib.sh"
cd "$work"

choices='auto\|dense\|krylov\|krylov-band\|krylov-noprec'
for backend in forward adjoint fd backsolve; do
  expect_error 2 "option linsol of backend $backend must be one of $choices, not 'sparse'" -- \
    grad --model brusselator-2 --method $backend --opt linsol=sparse
done
expect_error 2 "option linsol of backend adjoint is given twice" -- \
  grad --model brusselator-2 --method adjoint --opt linsol=dense --opt linsol=krylov

# krylov on the adjoint: within 1e-6 of the reference at rtol 1e-10
"$ODEGRAD" grad --model brusselator-4 --method adjoint --rtol 1e-10 --atol 1e-12 --reference compute \
  --opt linsol=krylov --format csv > krylov.csv || fail "grad with linsol=krylov"
grep -q "^brusselator-4,adjoint,rtol=1e-10 atol=1e-12 linsol=krylov,gradient" krylov.csv && pass ||
  fail "the options text names linsol=krylov"
err=$(awk -F, '$4=="grad_rel_err"{print $5}' krylov.csv)
awk -v e="$err" 'BEGIN{exit !(e != "" && e <= 1e-6)}' && pass || fail "krylov adjoint error $err > 1e-6"
finish
