# Failed and timed-out cases become status rows with their reason and the sweep goes on;
# references are computed once per (model, θ) and say "none" with a reason when they cannot
# be had.
source "$ODEGRAD_SOURCE/tests/cli/lib.sh"
cd "$work"

cat > fail.spec <<'EOF2'
study fail
models freefall
backends fd forward
options fd max-steps=3
repeats 2
EOF2
"$ODEGRAD" bench fail.spec --results res > table.txt 2> err.txt
[[ $? == 0 ]] && pass || fail "a sweep with a failed case must still succeed"
grep -q "2 cases failed this run" err.txt && pass || fail "stderr: $(cat err.txt)"
awk -F, '$3=="fd" && $6=="status" && $7=="1" && $8 ~ /^failed: fd: .*failed/' res/fail.csv | grep -q . && pass ||
  fail "fd's failure row: $(grep status res/fail.csv)"
awk -F, '$3=="fd" && $5=="2" && $6=="status" && $7=="1" && /as repeat 1; not run again/' res/fail.csv |
  grep -q . && pass || fail "fd's second repeat recorded without running"
# (and the integrity row every case ends with, saying it has no measurement rows)
[[ $(awk -F, '$3=="fd" && $5=="2" && !($6=="case_check" && $7=="0")' res/fail.csv | wc -l) == 1 ]] && pass || fail "a skipped repeat has only its status row"
[[ $(awk -F, '$3=="forward" && $6=="status" && $7=="0" && $8=="ok"' res/fail.csv | wc -l) == 2 ]] && pass ||
  fail "forward ran (twice) after fd failed"
awk -F, '$3=="forward" && $6=="grad_rel_err"' res/fail.csv | grep -q . && pass || fail "forward measured against the closed form"
grep -Eq "^freefall +2 +fd .* 0/2 +failed: fd" table.txt && pass || fail "ranked table shows the failure last: $(cat table.txt)"
[[ $(grep -c "^freefall	" res/fail.ref.tsv) == 1 ]] && grep -q "	closed form	" res/fail.ref.tsv && pass ||
  fail "one closed-form reference line"
"$ODEGRAD" bench fail.spec --results res --fresh > /dev/null 2>&1
[[ $(grep -c "^freefall	" res/fail.ref.tsv) == 1 ]] && pass || fail "--fresh keeps one reference line"
for f in fail.csv fail.meta.json fail.summary.tsv fail--freefall.series.tsv; do
  [[ -s res/$f ]] && pass || fail "res/$f missing"
done
grep -Eq '"git_commit": "([0-9a-f]{40}|none)"' res/fail.meta.json && pass || fail "meta: git commit"
for key in odegrad gsl sundials compiler host cpu date; do
  grep -q "\"$key\": \"" res/fail.meta.json && pass || fail "meta: $key"
done

# a case (and a reference) that cannot finish in time is killed and recorded as such
cat > slow.spec <<'EOF2'
study slow
models brusselator-40
backends fd
tol 1e-12
timeout 0.5
reference_timeout 0.5
EOF2
"$ODEGRAD" bench slow.spec --results res > /dev/null 2>&1 || fail "a sweep with a timed-out case must still succeed"
awk -F, '$6=="status" && $7=="2" && $8 ~ /^timeout: killed after/' res/slow.csv | grep -q . && pass ||
  fail "timeout row: $(grep status res/slow.csv)"
grep -q "^brusselator-40	[0-9a-f]*	none: reference run timeout: killed after" res/slow.ref.tsv && pass ||
  fail "reference timeout recorded: $(cat res/slow.ref.tsv)"
finish
