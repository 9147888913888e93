# `odegrad trajectory` — the state error of one solve against the closed form: the rows are
# tidy CSV, the exact column is the closed form, the errors shrink at each method's order
# (Euler 1, RK4 4) and the adaptive solvers meet their tolerance; bad input is one line on
# stderr, exit 2, nothing written.
source "$ODEGRAD_SOURCE/tests/cli/lib.sh"
cd "$work"

# the largest |y error| of a solve
max_error() { "$ODEGRAD" trajectory "$@" | awk -F, 'NR > 1 && $5 == "y" && $8 > m { m = $8 } END { printf "%.17g\n", m }'; }
# is a/b within [lo, hi]?
ratio_within() { awk -v a="$1" -v b="$2" -v lo="$3" -v hi="$4" 'BEGIN { r = a / b; exit !(r >= lo && r <= hi) }'; }

# 1. the rows: header, one row per observation time and state, the closed form in `exact`
"$ODEGRAD" trajectory --model oscillator --solver rk4 --steps 500 > rk4.csv 2> err.txt && pass ||
  fail "rk4 trajectory failed: $(cat err.txt)"
[[ $(head -1 rk4.csv) == "model,solver,options,t,state,numeric,exact,abs_error,steps,rhs_evals" ]] && pass ||
  fail "header: $(head -1 rk4.csv)"
[[ $(wc -l < rk4.csv) == 201 ]] && pass || fail "expected 100 times x 2 states + header, got $(wc -l < rk4.csv) lines"
# v(0) = a omega = 0.9 * 1.05 exactly; y(t) = 0.9 sin(1.05 t) at the last time (t = 20)
grep -q '^oscillator,rk4,steps=500,0,v,0.94500000000000006,0.94500000000000006,0,500,2000$' rk4.csv && pass ||
  fail "row at t = 0: $(sed -n 3p rk4.csv)"
awk -F, '$4 == 20 && $5 == "y" { d = $7 - 0.9 * sin(21); exit !(d < 1e-14 && d > -1e-14) }' rk4.csv && pass ||
  fail "exact y(20) is not 0.9 sin(21): $(grep '^oscillator,rk4,steps=500,20,y' rk4.csv)"
awk -F, 'NR > 1 { d = $6 - $7; if (d < 0) d = -d; if (d != $8) bad = 1 } END { exit bad }' rk4.csv && pass ||
  fail "abs_error is not |numeric - exact|"

# 2. orders: halving the step divides the error by about 2 (Euler) and 16 (RK4)
e1=$(max_error --model oscillator --solver euler --steps 1000)
e2=$(max_error --model oscillator --solver euler --steps 2000)
ratio_within "$e1" "$e2" 1.8 2.3 && pass || fail "Euler is not first order: $e1 -> $e2"
r1=$(max_error --model oscillator --solver rk4 --steps 250)
r2=$(max_error --model oscillator --solver rk4 --steps 500)
ratio_within "$r1" "$r2" 13 19 && pass || fail "RK4 is not fourth order: $r1 -> $r2"

# 3. adaptive solvers (ours and CVODES) meet a tight tolerance on both closed-form models
for solver in dopri5 rosenbrock bdf adams; do
  for model in oscillator freefall-T20; do
    e=$(max_error --model $model --solver $solver --rtol 1e-10 --atol 1e-10)
    ratio_within "$e" 1 0 1e-5 && pass || fail "$solver on $model: error $e at rtol 1e-10"
  done
done
"$ODEGRAD" trajectory --model freefall --solver dopri5 --rtol 1e-6 --no-header | head -1 |
  grep -q '^freefall,dopri5,rtol=1e-06 atol=1e-10,0,y,' && pass || fail "--no-header or the options column"

# 4. bad input: one line, exit 2, nothing written
expect_error 2 "^odegrad trajectory: --model is required" -- trajectory --solver rk4
expect_error 2 "^odegrad trajectory: --solver is required" -- trajectory --model oscillator
expect_error 2 "^odegrad trajectory: unknown model 'nope'" -- trajectory --model nope --solver rk4
expect_error 2 "^odegrad trajectory: unknown solver 'rk5'; solvers: euler\|rk4\|dopri5" -- trajectory --model oscillator --solver rk5
expect_error 2 "^odegrad trajectory: model jakstat has no closed-form solution" -- trajectory --model jakstat --solver bdf
expect_error 2 "^odegrad trajectory: CVODES \(bdf\) chooses its own steps" -- trajectory --model oscillator --solver bdf --steps 10
expect_error 2 "^odegrad trajectory: --steps must lie between 1 and" -- trajectory --model oscillator --solver rk4 --steps 0
expect_error 2 "^odegrad trajectory: --steps takes fixed steps" -- trajectory --model oscillator --solver rk4 --steps 10 --rtol 1e-6
expect_error 2 "^odegrad trajectory: --rtol must be a positive number" -- trajectory --model oscillator --solver dopri5 --rtol -1
expect_error 2 "^odegrad trajectory: --theta" -- trajectory --model oscillator --solver rk4 --theta 1
expect_error 2 "^odegrad trajectory: oscillator-T0: the horizon" -- trajectory --model oscillator-T0 --solver rk4
expect_error 2 "^odegrad trajectory: unknown option '--bogus'" -- trajectory --model oscillator --solver rk4 --bogus
# a solve that fails is a computation failure: exit 1, one line
"$ODEGRAD" trajectory --model oscillator-T1000 --solver dopri5 --rtol 1e-10 --max-steps 10 > out.txt 2> err.txt
[[ $? == 1 && ! -s out.txt && $(wc -l < err.txt) == 1 ]] && pass || fail "a failed solve: $(cat err.txt)"
finish
