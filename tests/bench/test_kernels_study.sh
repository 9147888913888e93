# bench/studies/kernels.sh — the paired kernel-kind comparison: a miniature spec, two rounds;
# every (model, backend) row has both kinds' times from both rounds, and the ratio is theirs;
# each round's results say which kind ran (meta.json).
source "$ODEGRAD_SOURCE/tests/cli/lib.sh"
cd "$work"
cat > mini.spec <<'SPEC'
study     kernels
models    freefall oscillator
backends  forward adjoint tape
tol       1e-6
repeats   1
timeout   60
SPEC
SPEC=$work/mini.spec ROUNDS=2 RESULTS=$work/r ODEGRAD=$ODEGRAD \
  "$ODEGRAD_SOURCE/bench/studies/kernels.sh" 2> err.txt && pass || fail "kernels.sh failed: $(cat err.txt)"
tsv=$work/r/kernels.tsv
[[ -s $tsv ]] && pass || fail "no kernels.tsv"
[[ $(head -1 "$tsv") == $'model\tbackend\tcompiled_s\tinterpreted_s\tinterpreted/compiled\tcompiled_rounds\tinterpreted_rounds' ]] &&
  pass || fail "kernels.tsv header: $(head -1 "$tsv")"
[[ $(tail -n +2 "$tsv" | wc -l) == 6 ]] && pass || fail "kernels.tsv has not 6 rows: $(cat "$tsv")"
awk -F'\t' 'NR > 1 && !($6 == 2 && $7 == 2 && $3 > 0 && $4 > 0 &&
             ($5 - $4 / $3) ^ 2 < 1e-4 * ($4 / $3) ^ 2 + 1e-4) { bad = 1; print }
            END { exit bad }' "$tsv" > bad.txt && pass || fail "rows without two rounds of each kind or a wrong ratio: $(cat bad.txt)"
for r in 1 2; do
  grep -q '"kernels": *"compiled"' "$work/r/kernels/$r-compiled/kernels.meta.json" && pass ||
    fail "round $r's compiled run does not say compiled"
  grep -q '"kernels": *"interpreted"' "$work/r/kernels/$r-interpreted/kernels.meta.json" && pass ||
    fail "round $r's interpreted run does not say interpreted"
done
SPEC=$work/mini.spec ROUNDS=0 RESULTS=$work/r2 ODEGRAD=$ODEGRAD \
  "$ODEGRAD_SOURCE/bench/studies/kernels.sh" 2> /dev/null; [[ $? == 2 ]] && pass || fail "ROUNDS=0 is not refused with exit 2"
finish
