# Hessian studies (`want hessian`): the reference Hessian is cached beside the gradient's
# (closed form, or soadjoint at tight tolerance confirmed by soforward), every case gets a
# Hessian error, the entries against the reference go to <study>--<model>.hessian.tsv, a
# gradient study of the same name gains the Hessian on a later Hessian run, and
# `odegrad summary --only` lists the chosen cases.  Also: `odegrad compare` refuses specs
# naming different studies before running anything.
source "$ODEGRAD_SOURCE/tests/cli/lib.sh"
cd "$work"

# 1. a gradient study first: its reference lines carry no Hessian
cat > grad.spec <<'EOF'
study h
models sundials-hessian freefall
backends forward
tol 1e-8
EOF
"$ODEGRAD" bench grad.spec --results res > /dev/null 2> err.txt && pass || fail "gradient study: $(cat err.txt)"
awk -F'\t' '$1 == "sundials-hessian" { exit !(NF == 4) }' res/h.ref.tsv && pass ||
  fail "a gradient study's reference line has Hessian fields: $(cat res/h.ref.tsv)"

# 2. the Hessian study of the same name appends the Hessian reference and measures against it
cat > hess.spec <<'EOF'
study h
want hessian
models sundials-hessian freefall
backends soadjoint fim
tol 1e-8
EOF
"$ODEGRAD" bench hess.spec --results res > table.txt 2> err.txt && pass || fail "Hessian study: $(cat err.txt)"
line=$(grep '^sundials-hessian' res/h.ref.tsv | tail -1)
[[ $(grep -c '^sundials-hessian' res/h.ref.tsv) == 2 ]] && pass || fail "expected a second reference line"
awk -F'\t' '{ exit !(NF == 6 && $5 ~ /^soadjoint at rtol 1e-12, soforward agrees to / && split($6, h, ",") == 4) }' <<< "$line" && pass ||
  fail "the Hessian reference line: $line"
# the cached reference Hessian is symmetric and agrees with the SUNDIALS example's published
# one (cvsHessian_ASA_FSA: d2G/dp1^2 = 0.156, d2G/dp1dp2 = -0.0787, d2G/dp2^2 = 0.0898)
awk -F'\t' '{ split($6, h, ","); ok = (h[2] == h[3] || (h[2] - h[3]) ^ 2 < 1e-20) &&
  (h[1] - 0.156) ^ 2 < 1e-6 && (h[2] + 0.0787) ^ 2 < 1e-6 && (h[4] - 0.0898) ^ 2 < 1e-6; exit !ok }' <<< "$line" && pass ||
  fail "reference Hessian is not the published one: $line"
for m in sundials-hessian freefall; do
  for b in soadjoint fim; do
    grep -q "^h,$m,$b,rtol=1e-8,1,hess_rel_err," res/h.csv && pass || fail "no hess_rel_err for $m $b"
  done
done
awk -F, '$2 == "sundials-hessian" && $3 == "soadjoint" && $6 == "hess_rel_err" { exit !($7 < 1e-4) }' res/h.csv && pass ||
  fail "soadjoint's Hessian error is not small: $(grep hess_rel_err res/h.csv)"
grep -q "hess err" table.txt && pass || fail "the ranked table has no Hessian error column"

# 3. entries against the reference: blocks per case, the upper triangle of the 2x2 Hessian
for m in sundials-hessian freefall; do
  f=res/h--$m.hessian.tsv
  [[ -s $f ]] && pass || fail "$f missing"
  [[ $(grep -c "^model	" "$f") == 2 ]] && pass || fail "$f: expected one block per case"
  [[ $(grep -c "^$m	soadjoint rtol=1e-8	" "$f") == 3 ]] && pass || fail "$f: expected 3 upper-triangle entries"
done
# the freefall reference column is the closed form's Hessian (from the same cache)
ref=$(awk -F'\t' '$1 == "freefall" && NF == 6 { print $6 }' res/h.ref.tsv | tail -1)
h11=$(awk -F'\t' '$2 == "fim rtol=1e-8" && $3 == 0 && $4 == 0 { print $5 }' res/h--freefall.hessian.tsv)
[[ ${ref%%,*} == "$h11" ]] && pass || fail "reference entry $h11 is not the cached ${ref%%,*}"

# 4. summary --only lists the cases whose options hold every word
"$ODEGRAD" summary --study h --results res --only "rtol=1e-8" > only.txt && pass || fail "summary --only"
[[ $(grep -c ' rtol=1e-8 ' only.txt) == 6 ]] && pass || fail "summary --only rtol=1e-8: $(cat only.txt)"
"$ODEGRAD" summary --study h --results res --only "rtol=1e-6" > none.txt
! grep -q ' rtol=1e-8 ' none.txt && pass || fail "summary --only rtol=1e-6 still lists rtol=1e-8 cases"

# 5. compare: specs of one comparison must name the same study (checked before any case runs)
cat > other.spec <<'EOF'
study other
models freefall
backends forward
EOF
expect_error 2 "^odegrad compare: other\.spec: names study 'other', but grad\.spec names 'h'" -- \
  compare --spec grad.spec --spec other.spec --results never
[[ ! -e never ]] && pass || fail "compare ran cases before refusing the specs"
finish
