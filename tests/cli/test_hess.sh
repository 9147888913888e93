# `odegrad hess`: what a successful run prints in each format — the Hessian with its error
# against the closed form (freefall), H·v with --direction, "no Hessian reference" where the
# model has no closed form, and the same measurements as `grad`.
source "$ODEGRAD_SOURCE/tests/cli/lib.sh"
cd "$work"

"$ODEGRAD" --help | grep -q "^  hess " && pass || fail "--help lists hess"
"$ODEGRAD" hess --help > help.txt 2>&1 && grep -q "^usage: odegrad hess" help.txt &&
  grep -q -- "--direction" help.txt && pass || fail "odegrad hess --help"
"$ODEGRAD" grad --help | grep -q -- "--direction" && fail "grad offers --direction" || pass
for b in soadjoint soforward fdhess fim; do
  "$ODEGRAD" list | grep -Eq "^  $b +\[" && pass || fail "list: backend $b"
done
"$ODEGRAD" list | grep -q "sundials-hessian" && pass || fail "list: model sundials-hessian"

# table: the Hessian, its error, both references named
"$ODEGRAD" hess --model freefall --method soadjoint --rtol 1e-10 > table.txt || fail "hess table"
grep -q "^Hessian (row-major, 2 x 2)" table.txt && pass || fail "table: Hessian block"
grep -Eq "^mu +[-0-9.e+]+ +[-0-9.e+]+$" table.txt && pass || fail "table: Hessian row mu"
grep -Eq "^Hessian error +[0-9.e+-]+ \(relative\)" table.txt && pass || fail "table: Hessian error"
grep -Eq "^Hessian reference +closed form" table.txt && pass || fail "table: Hessian reference"
grep -Eq "^evaluations +forward +rhs [0-9]+" table.txt && pass || fail "table: evaluations"

# CSV: every entry, the error within 1e-6 of the closed form at rtol 1e-10, for each exact backend
for b in soadjoint soforward; do
  "$ODEGRAD" hess --model freefall --method $b --rtol 1e-10 --format csv > $b.csv || fail "hess csv $b"
  [[ $(head -1 $b.csv) == "model,backend,options,metric,value,unit" ]] && pass || fail "csv header $b"
  e=$(awk -F, '$4=="hess_rel_err"{print $5}' $b.csv)
  awk -v e="$e" 'BEGIN{exit !(e != "" && e <= 1e-6)}' && pass || fail "$b Hessian error '$e' > 1e-6"
  for m in hessian.g.g hessian.g.mu hessian.mu.g hessian.mu.mu gradient.g loss wall_seconds \
           bwd.second steps_fwd peak_bytes extra.hessian_asymmetry; do
    grep -q "^freefall,$b,rtol=1e-10,$m," $b.csv && pass || fail "csv $b: metric $m"
  done
done

# --direction: H·v and its error against the closed form's H·v
"$ODEGRAD" hess --model freefall --method soadjoint --rtol 1e-10 --direction 0.7,-1.3 --format csv > hvp.csv ||
  fail "hess --direction"
e=$(awk -F, '$4=="hvp_rel_err"{print $5}' hvp.csv)
awk -v e="$e" 'BEGIN{exit !(e != "" && e <= 1e-6)}' && pass || fail "H*v error '$e' > 1e-6"
grep -q "^freefall,soadjoint,rtol=1e-10,hvp.mu," hvp.csv && pass || fail "csv: hvp.mu"
grep -q ",hessian\." hvp.csv && fail "H*v run printed a Hessian" || pass
"$ODEGRAD" hess --model freefall --method soadjoint --direction 0.7,-1.3 > hvp.txt &&
  grep -Eq "^g +[-0-9.e+]+ +[-0-9.e+]+ +[0-9.e+-]+$" hvp.txt && grep -q "Hessian-vector" hvp.txt &&
  pass || fail "table: H*v"

# JSON: the matrix as rows, the reference's Hessian (null without a closed form)
"$ODEGRAD" hess --model freefall --method fim --format json > fim.json || fail "hess json"
grep -Eq '"hessian": \[\[[-0-9.e+]+, [-0-9.e+]+\], \[[-0-9.e+]+, [-0-9.e+]+\]\]' fim.json && pass ||
  fail "json Hessian rows"
grep -q '"source": "closed form"' fim.json && pass || fail "json reference"
"$ODEGRAD" hess --model sundials-hessian --method soadjoint --rtol 1e-10 --atol 1e-12 --format json > sh.json ||
  fail "hess sundials-hessian"
grep -q '"hessian": null' sh.json && pass || fail "json: no Hessian reference is null"
"$ODEGRAD" hess --model sundials-hessian --method soforward --rtol 1e-10 --atol 1e-12 > sh.txt &&
  grep -Eq "^Hessian reference +none" sh.txt && pass || fail "table: no Hessian reference"
grep -Eq "^p1 +0\.15628[0-9]* +-0\.0786778" sh.txt && pass || fail "sundials-hessian: printed H row p1"

# fdhess takes the step and the tolerances
"$ODEGRAD" hess --model freefall --method fdhess --rtol 1e-10 --opt step=1e-3 --format csv > fd.csv &&
  grep -q "^freefall,fdhess,rtol=1e-10 step=1e-3,extra.relative_step,0.001," fd.csv && pass ||
  fail "fdhess step option"

[[ ! -e results ]] && pass || fail "hess created results/"
finish
