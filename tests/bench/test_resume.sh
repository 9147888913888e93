# A sweep killed (SIGKILL of the parent) in the middle and re-run ends with exactly one row
# set per case: nothing duplicated, nothing lost; an interrupted case's partial rows are
# dropped and the case runs again; no orphaned case process survives its harness.
source "$ODEGRAD_SOURCE/tests/cli/lib.sh"
cd "$work"
repeats=30
cat > kill.spec <<EOF2
study kill
models jakstat
backends forward
tol 1e-10
repeats $repeats
EOF2

# status rows per repeat, and rows per repeat, must be exactly one set each
check_complete() {
  local csv=results/kill.csv label=$1
  local statuses ok distinct sizes
  statuses=$(awk -F, '$6=="status"' "$csv" | wc -l)
  ok=$(awk -F, '$6=="status" && $7=="0"' "$csv" | wc -l)
  distinct=$(awk -F, '$6=="status"{print $5}' "$csv" | sort -u | wc -l)
  sizes=$(awk -F, 'NR>1{n[$5]++} END{for (r in n) print n[r]}' "$csv" | sort -u | wc -l)
  [[ $statuses == "$repeats" && $distinct == "$repeats" && $ok == "$repeats" ]] && pass ||
    fail "$label: $statuses status rows ($ok ok) for $distinct repeats, want $repeats each"
  [[ $sizes == 1 ]] && pass || fail "$label: cases have different row counts (a duplicated or lost row)"
  [[ $(head -1 "$csv") == "study,model,backend,options,repeat,metric,value,unit" ]] && pass || fail "$label: header"
  [[ $(grep -c '^study,' "$csv") == 1 ]] && pass || fail "$label: header written twice"
}

# processes whose command line holds a text (read from /proc: no ps needed)
procs() {
  local n=0 f
  for f in /proc/[0-9]*/cmdline; do
    { tr '\0' ' ' < "$f"; } 2>/dev/null | grep -qF -- "$1" && n=$((n + 1))
  done
  echo "$n"
}

statuses() { awk -F, '$6=="status"' results/kill.csv 2>/dev/null | wc -l; }

# kill twice, once 5 and once 12 cases in (whatever the machine's speed), then let it finish
for at in 5 12; do
  "$ODEGRAD" bench kill.spec --results "$work/results" > /dev/null 2>> kill.log &
  pid=$!
  for _ in $(seq 600); do [[ $(statuses) -ge $at ]] && break; sleep 0.05; done
  [[ $(procs "bench kill.spec --results $work/results") -ge 1 ]] && pass || fail "cannot see the sweep in /proc"
  kill -KILL "$pid" 2>/dev/null
  wait "$pid" 2>/dev/null
  sleep 0.3
  # every case process carries --reference-file <work>/results/kill.ref.tsv
  [[ $(procs "$work/results/kill.ref.tsv") == 0 ]] && pass || fail "a case process outlived its killed harness"
done
done_before=$(awk -F, '$6=="status"' results/kill.csv | wc -l)
[[ $done_before -gt 0 && $done_before -lt $repeats ]] && pass ||
  fail "the kills did not land mid-sweep ($done_before of $repeats cases done); the test proves nothing"
"$ODEGRAD" bench kill.spec --results "$work/results" > table.txt 2>> kill.log || fail "resumed sweep failed"
check_complete "after kills"
grep -q '"cases_done_before_this_run": [1-9]' results/kill.meta.json && pass || fail "meta: resumed run"

# a deterministic interruption: the last case loses its status row and half a row is left
head -n -1 results/kill.csv > cut.csv
printf 'kill,jakstat,forward,rtol=1e-10,%d,loss,1.2' "$repeats" >> cut.csv
cp cut.csv results/kill.csv
"$ODEGRAD" bench kill.spec --results "$work/results" > /dev/null 2> resume.log || fail "resume after cut failed"
grep -q "dropped [0-9]* bytes of a case that was interrupted; it runs again" resume.log && pass ||
  fail "no word about the dropped case: $(cat resume.log)"
check_complete "after a cut tail"

# a finished study re-run runs nothing and changes nothing
before=$(md5sum < results/kill.csv)
"$ODEGRAD" bench kill.spec --results "$work/results" > /dev/null 2>&1
[[ $(md5sum < results/kill.csv) == "$before" ]] && pass || fail "re-running a finished study changed its rows"

# --fresh starts over
"$ODEGRAD" bench kill.spec --results "$work/results" --fresh > /dev/null 2>&1
check_complete "after --fresh"
finish
