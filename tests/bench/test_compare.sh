# `odegrad compare` — the CI check: the committed sweep meets the committed expectations;
# a backend made worse on purpose, a cost that moved, a case that did not run, each fail it
# with a readable table; a malformed expectations file is a usage error.
source "$ODEGRAD_SOURCE/tests/cli/lib.sh"
cd "$work"
spec=$ODEGRAD_SOURCE/bench/studies/compare.spec
expect=$ODEGRAD_SOURCE/bench/expect.tsv

# 1. the committed expectations hold
"$ODEGRAD" compare --results "$work/r" > table.txt 2> err.txt
status=$?
[[ $status == 0 ]] && pass || { fail "odegrad compare failed ($status): $(cat err.txt)"; cat table.txt; }
grep -q "^freefall .* grad_rel_err .* ok$" table.txt && pass || fail "table lists freefall's checks"

# the free-fall part of the gradient sweep and of its expectations, for the quicker runs below
grep -v '^models' "$spec" > small.spec
echo "models freefall" >> small.spec
{ grep '^#' "$expect"; grep '^freefall	' "$expect" | grep -Ev '	(soadjoint|soforward|fdhess|fim)	'; } > small.tsv
"$ODEGRAD" compare --spec small.spec --expect small.tsv --results "$work/r" > /dev/null 2>&1 && pass ||
  fail "the free-fall subset does not hold on its own"

# 2. fd made worse on purpose: a relative step of 0.1 (its error grows by orders of magnitude)
sed 's/^options *fd .*/options fd scheme=central step=0.1/' small.spec > worse.spec
"$ODEGRAD" compare --spec worse.spec --expect small.tsv --results "$work/r" > worse.txt 2> worse.err
[[ $? == 1 ]] && pass || fail "compare did not fail on a worse fd"
grep -Eq "^freefall +fd +.*step=0\.1 +grad_rel_err +<= [0-9.e-]+ +[0-9.e-]+ +WORSE x[0-9.e+]+$" worse.txt && pass ||
  fail "no WORSE row for fd: $(grep grad_rel_err worse.txt)"
grep -Eq "^freefall +forward .* grad_rel_err .* ok$" worse.txt && pass || fail "forward should still be ok"
[[ $(wc -l < worse.err) == 1 ]] && grep -q "^odegrad compare: [1-9][0-9]* of the checks failed" worse.err && pass ||
  fail "stderr: $(cat worse.err)"

# 3. a cost that moved: forward's recorded rhs count off by 10%
awk -F'\t' 'BEGIN{OFS="\t"} $2=="forward" && $4=="fwd.rhs" {$6=int($6*1.1)+1} {print}' small.tsv > moved.tsv
"$ODEGRAD" compare --spec small.spec --expect moved.tsv --results "$work/r" > moved.txt 2>/dev/null
[[ $? == 1 ]] && pass || fail "compare did not fail on a moved count"
grep -Eq "^freefall +forward .* fwd\.rhs .* MOVED -[0-9.]+%$" moved.txt && pass || fail "no MOVED row: $(grep fwd.rhs moved.txt)"

# 4. an expectation no case answers
printf 'freefall\tnosuch\t-\tgrad_rel_err\tmax\t1\n' >> moved.tsv
"$ODEGRAD" compare --spec small.spec --expect moved.tsv --results "$work/r" > missing.txt 2>/dev/null
grep -q "MISSING (line [0-9]*: no such case ran)" missing.txt && pass || fail "no MISSING row"

# 5. --suggest prints a whole expectations file: pasted over the old one, compare holds; it
# keeps the zero counts (a backend that starts making evaluations of a new kind moves) and
# bounds every error within 3x of what was measured
"$ODEGRAD" compare --spec small.spec --suggest --results "$work/r" > suggested.tsv 2>/dev/null || fail "--suggest failed"
"$ODEGRAD" compare --spec small.spec --expect suggested.tsv --results "$work/r" > /dev/null 2>&1 && pass ||
  fail "the --suggest output does not hold as an expectations file"
grep -Eq '^freefall	forward	[^	]*	bwd\.rhs	equal	0	' suggested.tsv && pass || fail "zero counts left out of --suggest"
grep -q '^# Expectations of `odegrad compare`' suggested.tsv && pass || fail "--suggest lacks the file's header"
# (an expectation of 0 allows exactly 0: seen from the other side, 1 expected and 0 made)
{ cat small.tsv; printf 'freefall\tfd\t-\tfwd.jvp\tequal\t1\t0.02\n'; } > newkind.tsv
"$ODEGRAD" compare --spec small.spec --expect newkind.tsv --results "$work/r" > newkind.txt 2>/dev/null
[[ $? == 1 ]] && pass || fail "a count of a new kind did not fail compare"

# 6. malformed expectations: file:line, exit 2, nothing run
printf 'freefall\tfd\t-\tgrad_rel_err\tbelow\t1\n' > bad.tsv
expect_error 2 "^odegrad compare: bad\.tsv:1: check must be max, min or equal" -- compare --expect bad.tsv --results "$work/never"
[[ ! -e never ]] && pass || fail "a malformed expectations file still ran the sweep"
finish
