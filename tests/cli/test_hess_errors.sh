# Every user error of `odegrad hess` is one line on stderr saying what is wrong, exit code 2,
# nothing on stdout and nothing written to results/ — above all a direction of the wrong
# length or with a NaN in it.
source "$ODEGRAD_SOURCE/tests/cli/lib.sh"
cd "$work"
mkdir -p results && echo "sentinel" > results/keep.txt

ok=(hess --model freefall --method soadjoint)
expect_error 2 "^odegrad hess: --direction has 3 values but model freefall has 2 parameters \(g, mu\)" -- "${ok[@]}" --direction 1,2,3
expect_error 2 "^odegrad hess: --direction has 1 value but model freefall has 2 parameters" -- "${ok[@]}" --direction 1
expect_error 2 "^odegrad hess: --direction entry 2: NaN is not allowed" -- "${ok[@]}" --direction 1,nan
expect_error 2 "^odegrad hess: --direction entry 1: NaN is not allowed" -- "${ok[@]}" --direction NaN,1
expect_error 2 "--direction entry 2: 'inf' is not finite" -- "${ok[@]}" --direction 1,inf
expect_error 2 "--direction entry 2 is empty" -- "${ok[@]}" --direction 1,
expect_error 2 "--direction entry 1: 'x' is not a number" -- "${ok[@]}" --direction x,1
expect_error 2 "option --direction needs a value" -- "${ok[@]}" --direction
expect_error 2 "option --direction is given twice" -- "${ok[@]}" --direction 1,2 --direction 1,2
expect_error 2 "--direction has 2 values but model jakstat has 17 parameters" -- hess --model jakstat --method soadjoint --direction 1,2
# backends that cannot do what is asked
expect_error 2 "backend soforward cannot compute a Hessian-vector product; backends that can: .*soadjoint" -- hess --model freefall --method soforward --direction 1,2
expect_error 2 "backend fim cannot compute a Hessian-vector product" -- hess --model freefall --method fim --direction 1,2
expect_error 2 "backend adjoint cannot compute a full Hessian; backends that can: .*soadjoint.*soforward" -- hess --model freefall --method adjoint
expect_error 2 "backend soadjoint cannot compute a gradient" -- grad --model freefall --method soadjoint
# options
expect_error 2 "option hessian of backend soadjoint must be one of enlarged\|directional, not 'all'" -- "${ok[@]}" --opt hessian=all
expect_error 2 "option linsol_b of backend soadjoint must be one of block\|dense" -- "${ok[@]}" --opt linsol_b=lu
expect_error 2 "option step of backend fdhess must lie in \[0, 1\], not 5" -- hess --model freefall --method fdhess --opt step=5
expect_error 2 "option gradient of backend fdhess must be one of adjoint\|forward" -- hess --model freefall --method fdhess --opt gradient=tape
expect_error 2 "backend fim has no option 'step'; it takes no --opt options" -- hess --model freefall --method fim --opt step=1
expect_error 2 "--theta has 3 values" -- "${ok[@]}" --theta 1,2,3
expect_error 2 "--format must be one of table\|csv\|json, not 'xml'" -- "${ok[@]}" --format xml
expect_error 2 "unknown option '--want'" -- "${ok[@]}" --want hessian
# a solver failure is one line and exit 1
expect_error 1 "^odegrad hess: soadjoint: .*failed" -- "${ok[@]}" --max-steps 3

[[ $(cat results/keep.txt) == sentinel && $(ls results) == keep.txt ]] && pass || fail "results/ was touched"
finish
