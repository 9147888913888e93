# CVODES's polynomial interpolation needs at least (maximum order) steps between checkpoints;
# fewer made it read past its buffer (a crash with Adams, order 12, and nd = 7).  odegrad
# refuses the combination with a clear message instead.
set -u
out=$("$ODEGRAD" grad --model freefall-x0 --method adjoint --solver adams --opt interp=polynomial \
      --opt nd=7 2>&1); rc=$?
[[ $rc == 2 ]] || { echo "FAIL: exit $rc, want 2: $out"; exit 1; }
[[ $out == *"interp=polynomial needs nd >= 12 with --solver adams"* ]] || { echo "FAIL: message: $out"; exit 1; }
[[ $(printf '%s\n' "$out" | wc -l) == 1 ]] || { echo "FAIL: not one line: $out"; exit 1; }
out=$("$ODEGRAD" grad --model freefall-x0 --method adjoint --solver adams --opt interp=polynomial \
      --opt nd=12 --format csv 2>&1) || { echo "FAIL: nd=12 should run: $out"; exit 1; }
echo "ok: adjoint guarded"
# the second-order adjoint records the same checkpoints: the same guard
out=$("$ODEGRAD" hess --model freefall --method soadjoint --opt interp=polynomial --opt nd=1 2>&1); rc=$?
[[ $rc == 2 ]] || { echo "FAIL: soadjoint exit $rc, want 2: $out"; exit 1; }
[[ $out == *"soadjoint: interp=polynomial needs nd >= 5 with --solver bdf"* ]] || { echo "FAIL: soadjoint message: $out"; exit 1; }
out=$("$ODEGRAD" hess --model jakstat --method soadjoint --solver adams --opt nd=2 --opt interp=polynomial 2>&1); rc=$?
[[ $rc == 2 ]] || { echo "FAIL: soadjoint adams exit $rc, want 2: $out"; exit 1; }
echo "ok: soadjoint guarded too"
