# The bad-input table: every row of tests/cli/bad_inputs.tsv (exit code, message pattern,
# stdout target, arguments) run against the fixtures made here.  Each must exit with its
# code, print one line on stderr matching its pattern and nothing on stdout (lib.sh's
# expect_error) — never a number with exit 0.
source "$ODEGRAD_SOURCE/tests/cli/lib.sh"
W=$work
cd "$W"

# ---- fixtures ---------------------------------------------------------------------------
printf 'freefall\tfd\t-\tloss\tmax\t1\nfreefall\tfd\t-\tsteps_fwd\tmax\t10\ngarbage line\n' > bad-expect.tsv
printf 'freefall\tfd\t-\tloss\tmax\t1\nfreefall\tfd\t-\tloss\tbogus\t1\n' > bad-expect2.tsv
printf 'study t\nmodels freefall\ntheta freefall 9.81,-1e15\nbackends fd\n' > theta-out.spec
printf 'study t\nmodels freefall\ntol 1e300\nbackends fd\n' > tol.spec
printf 'study t\nmodels freefall\nbackends fd\noptions fd rtol=1e300\n' > opt-tol.spec
printf 'study t\nmodels freefall\nbackends adjoint\noptions adjoint solver=bogus\n' > solver.spec
printf 'study s\nmodels freefall\nbackends fd\n' > s.spec
printf 'study not-a-study\nmodels freefall\nbackends fd\n' > not-a-study.spec
printf 'study link\nmodels freefall\nbackends fd\n' > link.spec
mkdir -p ns ln dir.spec
echo "precious, not a study" > ns/not-a-study.csv
echo "precious" > precious.txt
ln -s "$W/precious.txt" ln/link.csv
echo "a file" > afile
printf 'study x\nmod\0els freefall\n' > nul.spec
printf 'freefall\tfd\t-\tloss\tmax\t1\nfreefall\tfd\t-\tloss\tmax\t1\0 trailing\n' > nul-expect.tsv
values=$(seq -s, 1 60000)   # two lines of 60000 values: 120000 option sets, in 0.7 MB
{ echo "study big"; for i in 1 2; do echo "options fd step=$values"; done; } > big.spec
nd=$(seq -s, 1 1000)
{ echo "study many"; printf 'options adjoint'; for k in a b c d e f g h; do printf ' %s=%s' "$k" "$nd"; done; echo; } > many.spec

# one good study, and damaged copies of it
"$ODEGRAD" bench s.spec --results good >/dev/null 2>&1 || fail "the good study did not run"
damage() {   # damage DIR SED-PROGRAM: DIR/s.csv is good/s.csv edited by the program
  mkdir -p "$1" && sed "$2" good/s.csv > "$1/s.csv"
}
damage value '3s/,\([^,]*\),\([^,]*\)$/,7x3001e-05,\2/'
damage status 's/,status,0,ok$/,status,abc,ok/'
damage status7 's/,status,0,ok$/,status,7,ok/'
damage deleted '4d'
damage edited '3s/,\([^,]*\),\([^,]*\)$/,12345,\2/'
mkdir -p dup && { cat good/s.csv; tail -n +2 good/s.csv; } > dup/s.csv
mkdir -p nul && { head -2 good/s.csv; printf 's,freefall,fd,,1,np,\0002,count\n'; tail -n +3 good/s.csv; } > nul/s.csv
cp s.spec deleted/ 2>/dev/null

# ---- the table -------------------------------------------------------------------------
table="$ODEGRAD_SOURCE/tests/cli/bad_inputs.tsv"
rows=0
while IFS=$'\t' read -r code pattern target args; do
  [[ -z $code || $code == \#* ]] && continue
  rows=$((rows + 1))
  eval "set -- $args"
  if [[ $target == full ]]; then
    # the output goes to a full device: the command must notice
    err=$("$ODEGRAD" "$@" 2>&1 >/dev/full)
    status=$?
    if [[ $status != "$code" ]]; then
      fail "odegrad $* >/dev/full: exit $status, expected $code ($err)"
    elif [[ $(printf '%s\n' "$err" | grep -c .) != 1 ]] || ! printf '%s\n' "$err" | grep -Eq -- "$pattern"; then
      fail "odegrad $* >/dev/full: stderr '$err' does not match '$pattern'"
    else
      pass
    fi
  else
    expect_error "$code" "$pattern" -- "$@"
  fi
done < "$table"
[[ $rows -ge 60 ]] || fail "the table has only $rows rows"
# --fresh left what was not a study alone
[[ $(cat ns/not-a-study.csv) == "precious, not a study" ]] || fail "--fresh emptied a file that is not a study"
[[ $(cat precious.txt) == precious ]] || fail "--fresh emptied a file through a symbolic link"
finish
