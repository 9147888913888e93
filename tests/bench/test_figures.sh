# Every figure of `./run study` is drawn from results/ alone: miniature versions of the
# studies (same study names, a few cheap cases each) and plots/make-all must give every
# figure as a non-empty PNG and SVG, with no script failing, and every figure must pass the
# figure check (plots/check-figures).  The results directory has a
# long absolute path on purpose: gnuplot 5.4's sprintf garbles a format holding "%%" when an
# argument is long, which once broke a script only on real machines.
source "$ODEGRAD_SOURCE/tests/cli/lib.sh"
cd "$work"
mkdir -p "$work/results-of-the-miniature-studies-in-a-directory-with-a-long-name"
res=$work/results-of-the-miniature-studies-in-a-directory-with-a-long-name/../results-of-the-miniature-studies
command -v gnuplot > /dev/null || { fail "gnuplot is not installed"; finish; exit 1; }

spec() { cat > "$1.spec"; "$ODEGRAD" bench "$1.spec" --results "$res" > /dev/null 2> "$1.err" || fail "study $1: $(cat "$1.err")"; }
spec default <<'EOF'
models freefall oscillator
backends forward tape
tol 1e-6 1e-8
EOF
spec memory <<'EOF'
models oscillator-T{n}
sizes 20 40
backends tape adjoint fd
tol 1e-6
EOF
spec memory-fixed <<'EOF'
models oscillator-T20
backends tape checkpoint
options tape solver=rk4 steps=100,200
options checkpoint solver=rk4 steps=100,200
EOF
spec checkpoint-budget <<'EOF'
models oscillator-T20
backends tape checkpoint
options tape solver=rk4 steps=200
options checkpoint solver=rk4 steps=200 budget=2,10
options checkpoint solver=rk4 steps=200 schedule=uniform budget=10
EOF
spec horizon <<'EOF'
models freefall-T{n} oscillator-T{n}
sizes 5 10
backends adjoint backsolve
options adjoint
options backsolve reanchor=off
tol 1e-6 1e-8
EOF
spec hessian <<'EOF'
want hessian
models freefall sundials-hessian
backends soadjoint fim
tol 1e-8
EOF
spec hessian-accuracy <<'EOF'
want hessian
models sundials-hessian
backends soforward fdhess fim
options soforward
options fim
options fdhess step=1e-2,1e-3
tol 1e-8
EOF
spec hessian-scaling <<'EOF'
want hessian
models brusselator-2 mlp-2-2 mlp-2-4
backends soadjoint fim
EOF
spec scaling <<'EOF'
models brusselator-{n}
sizes 2 3
backends tape adjoint
EOF
spec width <<'EOF'
models mlp-2-{n}
sizes 2 4
backends tape adjoint
EOF
ODEGRAD=$ODEGRAD RESULTS=$res "$ODEGRAD_SOURCE/bench/studies/trajectory.sh" 2> traj.err || fail "trajectory.sh: $(cat traj.err)"
"$ODEGRAD" train --method tape --epochs 5 --print-every 5 --results "$res" > /dev/null 2> train.err ||
  fail "train: $(cat train.err)"
# a multistart fit (waterfall and convergence traces) and profile likelihoods
"$ODEGRAD" fit --model freefall --optimizer trr --hessian soadjoint --hybrid fim --starts 2 --seed 7 \
  --study fit --results "$res" > /dev/null 2> fit.err || fail "fit: $(cat fit.err)"
"$ODEGRAD" fit --model freefall --optimizer gauss-newton --starts 2 --seed 7 \
  --study fit --results "$res" > /dev/null 2> fit.err || fail "fit: $(cat fit.err)"
"$ODEGRAD" profile --model freefall --method soadjoint --results "$res" > /dev/null 2> profile.err ||
  fail "profile: $(cat profile.err)"
for m in tape forward; do
  "$ODEGRAD" train --method $m --name training-$m --epochs 3 --print-every 3 --results "$res" > /dev/null 2> train.err ||
    fail "train $m: $(cat train.err)"
done

"$ODEGRAD_SOURCE/plots/make-all" --check "$work/checks" "$res" 2> made.txt && pass || fail "make-all failed: $(cat made.txt)"
! grep -q FAILED made.txt && pass || fail "a script failed: $(grep FAILED made.txt)"
"$ODEGRAD_SOURCE/plots/check-figures" "$work/checks" > verdict.txt 2>&1 && pass ||
  fail "the figures of the miniature studies fail the figure check: $(grep -v ': ok$' verdict.txt)"
for figure in work-precision work-precision-freefall work-precision-oscillator memory error-accumulation \
              error-band backsolve-reconstruction checkpoint-budget hessian-cost hessian-models hessian-accuracy \
              gradient-cost gradient-solves training training-methods fit_waterfall-fit--freefall \
              fit_trace-fit--freefall profile-profile--freefall; do
  for ext in png svg; do
    [[ -s $res/figures/$figure.$ext ]] && pass || fail "$figure.$ext missing or empty ($(grep -v done made.txt))"
  done
  head -c 8 "$res/figures/$figure.png" 2> /dev/null | od -An -c | grep -q "P   N   G" && pass || fail "$figure.png is not a PNG"
  grep -q "<svg" "$res/figures/$figure.svg" 2> /dev/null && pass || fail "$figure.svg is not an SVG"
done
finish
