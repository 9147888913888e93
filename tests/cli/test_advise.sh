# `odegrad advise`: the tournament on freefall (closed-form gradient, so every error is measured
# exactly) prints one row per gradient backend of the registry and a recommendation within the
# target; a time limit nobody can meet gives exit 1 with every backend's reason; without a
# reference the errors are said to be unmeasured; bad input is one line, exit 2, nothing written.
source "$ODEGRAD_SOURCE/tests/cli/lib.sh"
cd "$work"

"$ODEGRAD" --help | grep -q "^  advise " && pass || fail "--help lists advise"
"$ODEGRAD" advise --help | grep -q "^usage: odegrad advise" && pass || fail "advise --help"

# the gradient backends, from `odegrad list` (the registry)
backends=$("$ODEGRAD" list | awk '/^  [a-z]+ +\[[a-z, -]*gradient/{print $1}')
[[ -n $backends ]] && pass || fail "no gradient backends found in odegrad list"

"$ODEGRAD" advise --model freefall --rtol 1e-8 --time-limit 20 --repeats 1 --results r > out.txt 2> err.txt
status=$?
[[ $status == 0 ]] && pass || fail "advise freefall: exit $status ($(cat err.txt))"
grep -Eq "^recommendation for the gradient: [a-z]+ \(.*within the target 1\.0e-07\)$" out.txt && pass ||
  fail "advise freefall: no recommendation line within the target 10*rtol: $(cat out.txt)"
for b in $backends; do
  grep -Eq "^$b +" out.txt && pass || fail "advise freefall: no row for backend $b"
done
# the winner's row: its error is a number not above the target
winner=$(sed -n 's/^recommendation for the gradient: \([a-z]*\) .*/\1/p' out.txt)
werr=$(awk -v b="$winner" '$1==b{print $(NF-6)}' out.txt)
awk -v e="${werr#<}" 'BEGIN{exit !(e != "" && e + 0 <= 1e-7)}' && pass ||
  fail "advise freefall: winner $winner's error '$werr' is not within 1e-7"
# fd's error at rtol 1e-8 (differences of the solution) is far above 1e-7: it loses on accuracy
grep -Eq "^fd .*error [0-9.e+-]+ above the target 1\.0e-07$" out.txt && pass ||
  fail "advise freefall: fd does not lose on its error: $(grep '^fd' out.txt)"
[[ -f r/advise-freefall.spec && -f r/advise-freefall.csv ]] && pass || fail "advise: study files in --results"

# JSON: the same rule. A second tournament is timed anew, so its winner may be another of the
# backends within the target (tape and checkpoint are close on freefall): the JSON recommendation
# must be one the table also found within the target, and the fastest (within the 10% tie) of the
# JSON's own qualifying rows.
qualified=$(awk 'NR>3 && NF>=6 && $1 ~ /^[a-z]+$/ && !/above the target/ && !/^recommendation/{print $1}' out.txt)
"$ODEGRAD" advise --model freefall --rtol 1e-8 --repeats 1 --results r --format json > out.json 2>/dev/null
status=$?
jwinner=$(sed -n 's/.*"recommendation": "\([a-z]*\)".*/\1/p' out.json)
[[ $status == 0 && -n $jwinner ]] && grep -qx "$jwinner" <<< "$qualified" && pass ||
  fail "advise --format json: exit $status, recommendation '$jwinner' not among the table's qualifiers ($qualified): $(cat out.json)"
awk -v w="$jwinner" '
  /"target":/ { match($0, /"target": [0-9.e+-]+/); target = substr($0, RSTART + 10, RLENGTH - 10) + 0 }
  /"backend":/ {
    split($0, f, /[:,]/); b = f[2]; gsub(/[ "]/, "", b); s = f[4] + 0; e = f[8] + 0
    if (f[7] ~ /error/ && f[8] ~ /[0-9]/ && e <= target && (best == "" || s < best)) best = s
    if (b == w) { ws = s; we = e }
  }
  END { exit !(ws != "" && we <= target && ws <= 1.1 * best) }' out.json && pass ||
  fail "advise --format json: '$jwinner' is not the fastest (10% tie) within the target: $(cat out.json)"

# Hessians on request
"$ODEGRAD" advise --model freefall --hessian --repeats 1 --results r > hess.txt 2>/dev/null
status=$?
[[ $status == 0 ]] && grep -q "^recommendation for the Hessian: " hess.txt && grep -Eq "^soadjoint +" hess.txt &&
  pass || fail "advise --hessian: exit $status: $(cat hess.txt)"

# a time limit no process can meet: every backend is out of it, exit 1, one line on stderr
"$ODEGRAD" advise --model freefall --time-limit 0.001 --repeats 1 --results r > late.txt 2> late.err
status=$?
[[ $status == 1 ]] && pass || fail "advise, 1 ms limit: exit $status, expected 1"
[[ $(wc -l < late.err) == 1 ]] && grep -q "no gradient backend succeeded on freefall" late.err && pass ||
  fail "advise, 1 ms limit: stderr $(cat late.err)"
for b in $backends; do
  grep -Eq "^$b .*out of the time limit \(killed after" late.txt && pass || fail "advise, 1 ms limit: $b's reason"
done
grep -q "^recommendation for the gradient: none" late.txt && pass || fail "advise, 1 ms limit: a recommendation"

# no reference in time (rafmekerk has no closed form): errors unmeasured, said so, exit 0
"$ODEGRAD" advise --model rafmekerk --reference-time-limit 0.001 --time-limit 2 --repeats 1 --results r > noref.txt 2>/dev/null
status=$?
[[ $status == 0 ]] && grep -q "^recommendation for the gradient: no error could be measured (no reference); the fastest that ran is [a-z]* .*its accuracy unchecked$" noref.txt &&
  ! grep -q "within the target" noref.txt && pass || fail "advise without a reference: exit $status: $(cat noref.txt)"

# bad input: one line, exit 2, nothing written (not even the default scratch/)
expect_error 2 "^odegrad advise: unknown model 'nosuch'" -- advise --model nosuch
expect_error 2 "^odegrad advise: .*--model M is required" -- advise
expect_error 2 "^odegrad advise: .*--rtol" -- advise --model freefall --rtol 2
expect_error 2 "^odegrad advise: .*--rtol" -- advise --model freefall --rtol abc
expect_error 2 "^odegrad advise: .*--atol" -- advise --model freefall --atol -1
expect_error 2 "^odegrad advise: .*--time-limit" -- advise --model freefall --time-limit 0
expect_error 2 "^odegrad advise: .*--repeats" -- advise --model freefall --repeats 0
expect_error 2 "^odegrad advise: --format must be one of table\|json" -- advise --model freefall --format xml
expect_error 2 "^odegrad advise: /nonexistent/problem.yaml: No such file" -- advise --model petab:/nonexistent/problem.yaml
[[ ! -e scratch ]] && pass || fail "bad input created scratch/"
finish
