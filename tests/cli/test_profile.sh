# odegrad profile: free fall's profile likelihoods by optimisation and by integration, the
# 95 % intervals (the closed form's are checked to 1e-6 by tests/fit/test_profile_freefall),
# the files for the figure, and the errors.
source "$ODEGRAD_SOURCE/tests/cli/lib.sh"
cd "$work"

"$ODEGRAD" profile --model freefall --method soadjoint --results res --format json > p.json 2> err.txt &&
  pass || fail "profile failed: $(cat err.txt)"
[[ $(grep -c '"kind": "optimisation"' p.json) == 2 && $(grep -c '"kind": "integration"' p.json) == 2 ]] &&
  pass || fail "two profiles of each kind: $(cat p.json)"
# the interval of g is about [9.4986, 10.1151] (closed form), both ends closed
grep -o '"parameter": "g", "kind": "[a-z]*", "ci_lower": [^,]*, "ci_upper": [^,]*' p.json |
  sed 's/.*"ci_lower": \([^,]*\), "ci_upper": \(.*\)/\1 \2/' |
  awk '{if ($1 < 9.4985 || $1 > 9.4987 || $2 < 10.1150 || $2 > 10.1152) bad++; n++} END {exit !(n == 2 && !bad)}' &&
  pass || fail "interval of g: $(grep -o '"parameter": "g"[^}]*' p.json)"
grep -q '"theta": {"g": ' p.json && pass || fail "the optimum by name"
for f in res/profile--freefall.profile.tsv res/profile--freefall.ci.tsv; do
  [[ -s $f ]] && pass || fail "$f missing"
done
[[ $(awk -F'\t' 'NR > 1' res/profile--freefall.ci.tsv | wc -l) == 4 ]] && pass || fail "ci.tsv rows"
"$ODEGRAD" profile --model freefall --method soadjoint --param mu --kind integration --results res \
  > table.txt 2>&1 && grep -q "mu  *integration" table.txt && pass || fail "one parameter, one kind: $(cat table.txt)"
# the optimum file: every parameter and the objective; profiling from it again (--no-fit) gives
# the same interval of g
[[ $(awk -F'\t' 'NR > 1 {print $1}' res/profile--freefall.optimum.tsv | paste -sd,) == g,mu,objective ]] &&
  pass || fail "optimum.tsv: $(cat res/profile--freefall.optimum.tsv)"
theta=$(awk -F'\t' 'NR > 1 && $1 != "objective" {print $2}' res/profile--freefall.optimum.tsv | paste -sd,)
"$ODEGRAD" profile --model freefall --method soadjoint --theta "$theta" --no-fit --param g \
  --kind integration --ci-tol 1e-8 --study again --results res --format json > again.json 2> err.txt &&
  grep -o '"ci_lower": [^,]*, "ci_upper": [^,]*' again.json | sed 's/"ci_lower": \([^,]*\), "ci_upper": \(.*\)/\1 \2/' |
  awk '{exit !($1 > 9.4985 && $1 < 9.4987 && $2 > 10.1150 && $2 < 10.1152)}' &&
  pass || fail "from the optimum file: $(cat again.json err.txt)"
if command -v gnuplot > /dev/null; then
  mkdir -p figs
  gnuplot -e "results='res'; figures='figs'; plots='$ODEGRAD_SOURCE/plots'" "$ODEGRAD_SOURCE/plots/profile.gp" 2> gp.txt &&
    [[ -s figs/profile-profile--freefall.png ]] && pass || fail "profile.gp: $(cat gp.txt)"
fi

expect_error 2 "backend adjoint cannot compute a full Hessian" -- profile --model freefall --method adjoint
expect_error 2 "--kind must be optimisation, integration or both, not 'x'" -- profile --model freefall --method soadjoint --kind x
expect_error 2 "--ci-tol must be below 1e-2 .a hundredth of the box., not 0.5" -- profile --model freefall --method soadjoint --ci-tol 0.5
expect_error 2 "--param: model freefall has no parameter 'k'" -- profile --model freefall --method soadjoint --param k
finish
