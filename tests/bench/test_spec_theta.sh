# A spec's `theta MODEL v1,...` line: the model's cases run at that θ (recorded as
# theta.<param> rows, and as theta=<key> in the options so that another θ makes other cases),
# the reference is computed there (not at the nominal θ), and the Hessian plot data pair the
# entries with the reference at that θ.
source "$ODEGRAD_SOURCE/tests/cli/lib.sh"
cd "$work"

# freefall at the data-generating values: the loss and the gradient vanish there (closed form)
cat > at.spec <<'EOF'
study at
want hessian
models freefall sundials-hessian
theta freefall 9.8,0.5
theta sundials-hessian 1.5,2.5
backends soadjoint
tol 1e-8
EOF
"$ODEGRAD" bench at.spec --results res > /dev/null 2> err.txt && pass || fail "bench: $(cat err.txt)"
awk -F, '$2 == "freefall" && $6 == "theta.g" { found = $4 ~ /^rtol=1e-8 theta=[0-9a-f]+$/ && $7 == 9.8 } END { exit !found }' res/at.csv && pass ||
  fail "no theta.g row at 9.8 with theta=<key> in the options: $(grep theta.g res/at.csv)"
awk -F, '$2 == "freefall" && $6 == "loss" { exit !($7 < 1e-8) }' res/at.csv && pass ||
  fail "freefall's loss at the truth is not 0: $(grep ',loss,' res/at.csv)"
# the reference line is keyed by that θ, not the nominal θ's key
nominal=$(printf 'study n\nmodels sundials-hessian\nbackends forward\n' > n.spec; "$ODEGRAD" bench n.spec --results res > /dev/null 2>&1; awk -F'\t' '$1 == "sundials-hessian" { print $2 }' res/n.ref.tsv)
at=$(awk -F'\t' '$1 == "sundials-hessian" && NF == 6 { print $2 }' res/at.ref.tsv)
[[ -n $at && -n $nominal && $at != "$nominal" ]] && pass || fail "reference keys: at $at, nominal $nominal"
grep -q "^at,sundials-hessian,soadjoint,rtol=1e-8 theta=$at,1,hess_rel_err," res/at.csv && pass ||
  fail "the case's options do not carry the reference's key $at"
# the plot data pair the entries with the reference Hessian at that θ
h11=$(awk -F'\t' '$1 == "sundials-hessian" && NF == 6 { split($6, h, ","); print h[1] }' res/at.ref.tsv)
awk -F'\t' -v h="$h11" '$3 == 0 && $4 == 0 { exit !($5 == h) }' res/at--sundials-hessian.hessian.tsv && pass ||
  fail "reference column is not the Hessian at theta ($h11): $(head -2 res/at--sundials-hessian.hessian.tsv)"
awk -F, '$2 == "sundials-hessian" && $6 == "hess_rel_err" { exit !($7 < 1e-4) }' res/at.csv && pass ||
  fail "soadjoint's Hessian error at theta is not small"

# another θ is another case (the earlier rows stay, the new ones are added)
sed -i 's/^theta freefall 9.8,0.5$/theta freefall 9.7,0.5/' at.spec
"$ODEGRAD" bench at.spec --results res > /dev/null 2> err.txt && pass || fail "second bench: $(cat err.txt)"
[[ $(grep -c '^at,freefall,soadjoint,.*,status,0,ok$' res/at.csv) == 2 ]] && pass ||
  fail "a changed theta did not run a new case"
finish
