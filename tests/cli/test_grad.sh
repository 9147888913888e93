# `odegrad grad`, `list`, `--help`, `--version`: what a successful run prints, in each format.
source "$ODEGRAD_SOURCE/tests/cli/lib.sh"
cd "$work"

# the version and the help texts
[[ $("$ODEGRAD" --version) =~ ^odegrad\ [0-9]+\.[0-9]+\.[0-9]+$ ]] && pass || fail "--version"
"$ODEGRAD" --help | grep -q "^  grad " && pass || fail "--help lists grad"
for cmd in list grad bench summary compare; do
  "$ODEGRAD" $cmd --help > help.txt 2>&1 && grep -q "^usage: odegrad $cmd" help.txt && pass ||
    fail "odegrad $cmd --help"
done

# list: every model and backend of the registries, with sizes and options
"$ODEGRAD" list > list.txt || fail "odegrad list failed"
grep -Eq "^  freefall +2 +2 +1 +100 " list.txt && pass || fail "list: freefall nx 2 np 2, 1 condition, 100 data"
grep -Eq "^  fd +\[gradient" list.txt && pass || fail "list: fd with its capabilities"
grep -q -- "--opt scheme=<central|forward> (default central)" list.txt && pass || fail "list: fd's options"
# --check-tolerance: the run again at tolerances 100x tighter; a result that moves more than
# the limit is not printed (exit 1, one line), one that holds carries the distance
"$ODEGRAD" grad --model freefall --method adjoint --check-tolerance 1e-3 --format csv > check.csv &&
  grep -Eq "^freefall,adjoint,[^,]*,tolerance_check,[0-9.e-]+,1$" check.csv && pass ||
  fail "--check-tolerance: no tolerance_check row"
expect_error 1 "^odegrad grad: forward: the result moves by [0-9.e+-]+ \\(relative\\) when rtol and atol are divided by 100, more than --check-tolerance 1e-09" -- grad --model freefall --method forward --rtol 1e-4 --check-tolerance 1e-9
expect_error 2 "^odegrad grad: --check-tolerance needs a positive number" -- grad --model freefall --method forward --check-tolerance -1

# list --model: one model described, a PEtab problem too; an unknown one is a usage error
"$ODEGRAD" list --model jakstat > model.txt || fail "list --model jakstat failed"
grep -Eq "^states nx 9, parameters np 17, " model.txt && pass || fail "list --model: jakstat's sizes"
grep -Eq "^  p1 +log10 " model.txt && pass || fail "list --model: p1 with its scale"
"$ODEGRAD" list --model "petab:$ODEGRAD_SOURCE/models/petab/collection/Boehm_JProteomeRes2014" > petab.txt &&
  grep -Eq "^states nx 8, parameters np 9, " petab.txt && pass || fail "list --model petab:Boehm"
expect_error 2 "^odegrad list: unknown model 'nosuch'" -- list --model nosuch

# grad, table: loss, both gradient entries, the error against the closed form
"$ODEGRAD" grad --model freefall --method forward --rtol 1e-10 > table.txt || fail "grad table"
grep -Eq "^reference +closed form" table.txt && pass || fail "table names the reference"
grep -Eq "^g +[-0-9.e+]+ +[-0-9.e+]+ +[0-9.e+-]+$" table.txt && pass || fail "table: gradient row of g"
grep -Eq "^evaluations +forward +rhs [0-9]+" table.txt && pass || fail "table: evaluation counts"

# grad, CSV: one measurement per row; forward at rtol 1e-10 within 1e-7 of the closed form
"$ODEGRAD" grad --model freefall --method forward --rtol 1e-10 --format csv > grad.csv || fail "grad csv"
[[ $(head -1 grad.csv) == "model,backend,options,metric,value,unit" ]] && pass || fail "csv header"
err=$(awk -F, '$4=="grad_rel_err"{print $5}' grad.csv)
awk -v e="$err" 'BEGIN{exit !(e != "" && e <= 1e-7)}' && pass || fail "forward error $err > 1e-7"
grep -q "^freefall,forward,rtol=1e-10,gradient.mu," grad.csv && pass || fail "csv: gradient.mu row"
for m in loss wall_seconds fwd.rhs bwd.vjp steps_fwd checkpoints peak_bytes peak_rss; do
  grep -q "^freefall,forward,rtol=1e-10,$m," grad.csv && pass || fail "csv: metric $m"
done

# grad, JSON: the vectors and the metrics
"$ODEGRAD" grad --model freefall --method fd --opt scheme=central --format json > grad.json || fail "grad json"
grep -q '"parameters": \["g", "mu"\]' grad.json && pass || fail "json parameters"
grep -Eq '"gradient": \[[-0-9.e+]+, [-0-9.e+]+\]' grad.json && pass || fail "json gradient"
grep -q '"source": "closed form"' grad.json && pass || fail "json reference"
grep -q '"options": "scheme=central"' grad.json && pass || fail "json options"

# --theta moves the point
"$ODEGRAD" grad --model freefall --method forward --theta 9.81,0.3 --format csv > a.csv
"$ODEGRAD" grad --model freefall --method forward --theta 9.7,0.31 --format csv > b.csv
[[ $(grep ",loss," a.csv) != $(grep ",loss," b.csv) ]] && pass || fail "--theta changes the loss"

[[ ! -e results ]] && pass || fail "grad created results/"
finish
