# Every user error of `odegrad fit` is one line on stderr saying what is wrong and how to fix
# it, exit code 2, nothing on stdout and nothing written to results/ (checked by expect_error):
# unknown names, optimizer/Hessian pairs that cannot go together, N <= 0, a start outside the
# bounds, malformed numbers.
source "$ODEGRAD_SOURCE/tests/cli/lib.sh"
cd "$work"
mkdir -p results && echo "sentinel" > results/keep.txt

ff=(fit --model freefall)
expect_error 2 "^odegrad fit: --model is required" -- fit --optimizer bfgs
expect_error 2 "^odegrad fit: --optimizer is required: newton-tr, gauss-newton, bfgs" -- "${ff[@]}"
expect_error 2 "unknown optimizer 'nelder-mead'; optimizers: newton-tr, gauss-newton, bfgs" -- "${ff[@]}" --optimizer nelder-mead
expect_error 2 "unknown model 'nope'; known models: .*freefall" -- fit --model nope --optimizer bfgs
# pairs that cannot go together
expect_error 2 "newton-tr needs --hessian H, a backend that computes full Hessians: .*soadjoint" -- "${ff[@]}" --optimizer newton-tr
expect_error 2 "newton-tr needs a second-order backend, and adjoint computes no full Hessian; use --hessian with one of: .*soadjoint" -- "${ff[@]}" --optimizer newton-tr --hessian adjoint
expect_error 2 "unknown backend 'nope'; valid backends: " -- "${ff[@]}" --optimizer newton-tr --hessian nope
expect_error 2 "gauss-newton builds its curvature .* takes no --hessian; for a Hessian backend use --optimizer newton-tr" -- "${ff[@]}" --optimizer gauss-newton --hessian soadjoint
expect_error 2 "gauss-newton takes its Jacobian from forward sensitivities .* takes no --method" -- "${ff[@]}" --optimizer gauss-newton --method adjoint
expect_error 2 "gauss-newton takes no backend options \(--opt nd\)" -- "${ff[@]}" --optimizer gauss-newton --opt nd=10
expect_error 2 "bfgs builds its own curvature from gradients and takes no --hessian" -- "${ff[@]}" --optimizer bfgs --hessian soadjoint
expect_error 2 "unknown backend 'nope'; valid backends: " -- "${ff[@]}" --optimizer bfgs --method nope
expect_error 2 "model robertson-asa has a running cost .* use --optimizer newton-tr or bfgs" -- fit --model robertson-asa --optimizer gauss-newton
expect_error 2 "backend adjoint has no option 'bogus'" -- "${ff[@]}" --optimizer bfgs --opt bogus=1
expect_error 2 "backend soadjoint has no option 'bogus'" -- "${ff[@]}" --optimizer newton-tr --hessian soadjoint --opt bogus=1
# starts
expect_error 2 "--starts must lie between 1 and 100000, not 0" -- "${ff[@]}" --optimizer bfgs --starts 0
expect_error 2 "--starts must lie between 1 and 100000, not -3" -- "${ff[@]}" --optimizer bfgs --starts -3
expect_error 2 "--starts: 'many' is not a whole number" -- "${ff[@]}" --optimizer bfgs --starts many
expect_error 2 "--seed must lie between 0 and" -- "${ff[@]}" --optimizer bfgs --seed -1
expect_error 2 "--start entry 2 \(mu\) is 7, outside its bounds \[0.01, 5\]" -- "${ff[@]}" --optimizer bfgs --start 9.8,7
expect_error 2 "--start entry 1 \(g\) is 0.05, outside its bounds \[0.1, 50\]" -- "${ff[@]}" --optimizer gauss-newton --start 0.05,0.5
expect_error 2 "--start has 3 values but model freefall has 2 parameters" -- "${ff[@]}" --optimizer bfgs --start 1,2,3
expect_error 2 "--start entry 2: NaN is not allowed" -- "${ff[@]}" --optimizer bfgs --start 9.8,nan
expect_error 2 "--start gives the one start; leave out --starts and --seed" -- "${ff[@]}" --optimizer bfgs --start 9.8,0.5 --starts 3
# stopping tests, tolerances, output
expect_error 2 "--gtol must be >= 0, not -1" -- "${ff[@]}" --optimizer bfgs --gtol -1
expect_error 2 "--ftol: 'x' is not a number" -- "${ff[@]}" --optimizer bfgs --ftol x
expect_error 2 "--max-iter must lie between 1 and" -- "${ff[@]}" --optimizer bfgs --max-iter 0
expect_error 2 "--max-cpu must be a positive number, not 0" -- "${ff[@]}" --optimizer bfgs --max-cpu 0
expect_error 2 "--timeout must be a positive number, not 0" -- "${ff[@]}" --optimizer bfgs --timeout 0
expect_error 2 "--rtol must be a positive number, not 0" -- "${ff[@]}" --optimizer bfgs --rtol 0
expect_error 2 "--format must be one of table\|csv\|json, not 'xml'" -- "${ff[@]}" --optimizer bfgs --format xml
expect_error 2 "--study must be a name of letters" -- "${ff[@]}" --optimizer bfgs --study ../elsewhere
expect_error 2 "unknown option '--bogus'" -- "${ff[@]}" --optimizer bfgs --bogus
expect_error 2 "^odegrad fit-start: --start is required" -- fit-start --model freefall --optimizer bfgs

[[ $(cat results/keep.txt) == sentinel && $(ls results) == keep.txt ]] && pass || fail "results/ was touched"
finish
