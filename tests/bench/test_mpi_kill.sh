# Failures of a sweep under mpirun -n 3:
#  * the whole MPI job killed mid-way, twice: once as Ctrl-C or scancel do (SIGTERM to
#    mpirun, which ends its ranks), once as a lost allocation (SIGKILL of mpirun and of every
#    rank at once): no rank and no case process survives, and the same mpirun again
#    completes the study with every case once, no lost, duplicated or half rows;
#  * one worker rank's child killed mid-case: that case is recorded as crashed with the
#    reason, every other case runs, and the job ends normally.
source "$ODEGRAD_SOURCE/tests/cli/lib.sh"
source "$ODEGRAD_SOURCE/tests/bench/mpi_lib.sh"
cd "$work"
# thirty distinct cases (one per tolerance), each a few tenths of a second
tols=$(for k in $(seq 10 39); do printf '%se-11 ' "$k"; done)
cat > kill.spec <<EOF2
study kill
models jakstat
backends forward
tol $tols
repeats 1
timeout 120
EOF2
cases=30
statuses() { awk -F, '$6=="status"' "$1" 2>/dev/null | wc -l; }

check_complete() {
  local csv=$1 label=$2 sizes
  [[ $(statuses "$csv") == "$cases" ]] && pass || fail "$label: $(statuses "$csv") cases, want $cases"
  [[ $(awk -F, '$6=="status"{print $4}' "$csv" | sort -u | wc -l) == "$cases" ]] && pass ||
    fail "$label: a case recorded twice or missing"
  # every case that ended normally has the same number of rows (none lost or duplicated)
  sizes=$(awk -F, 'NR>1{n[$4]++} $6=="status" && $7!="0"{bad[$4]=1}
                   END{for (c in n) if (!(c in bad)) print n[c]}' "$csv" | sort -u | wc -l)
  [[ $sizes == 1 ]] && pass || fail "$label: cases have different row counts"
  [[ $(grep -c '^study,' "$csv") == 1 ]] && pass || fail "$label: header written more than once"
  awk -F, 'NF != 8' "$csv" | grep -q . && fail "$label: a row is not whole" || pass
}

# pids of the processes whose command line holds a text
pids_of() {
  local f
  for f in /proc/[0-9]*/cmdline; do
    { tr '\0' ' ' < "$f"; } 2>/dev/null | grep -qF -- "$1" && { f=${f#/proc/}; echo "${f%/cmdline}"; }
  done
}

# 1. kill the whole job once a few more cases are done, twice
job="bench kill.spec --results $work/killed"
for signal in TERM KILL; do
  at=$(( $(statuses killed/kill.csv) + 3 ))
  "${mpirun[@]}" 3 "$ODEGRAD" $job > /dev/null 2>> killed.log &
  pid=$!
  for _ in $(seq 2400); do [[ $(statuses killed/kill.csv) -ge $at ]] && break; sleep 0.05; done
  if [[ $signal == TERM ]]; then
    kill -TERM "$pid" 2>/dev/null
  else
    kill -KILL "$pid" $(pids_of "$job") 2>/dev/null
  fi
  wait "$pid" 2>/dev/null
  # every rank and its case processes go with the job
  for _ in $(seq 100); do [[ $(procs "$job") == 0 ]] && break; sleep 0.1; done
  [[ $(procs "$job") == 0 ]] && pass || fail "a rank outlived the job killed by SIG$signal"
  [[ $(procs "$work/killed/kill.ref.tsv") == 0 ]] && pass || fail "a case process of rank 0 outlived the job"
done
done_before=$(statuses killed/kill.csv)
[[ $done_before -ge 6 && $done_before -lt $cases ]] && pass ||
  fail "the kill did not land mid-way ($done_before of $cases cases done); the test proves nothing"
mpi 3 "$ODEGRAD" $job > /dev/null 2> resumed.log && pass ||
  fail "the resumed job failed: $(cat resumed.log)"
check_complete killed/kill.csv "after a killed job"
grep -q '"cases_done_before_this_run": [1-9]' killed/kill.meta.json && pass || fail "meta: not a resumed run"

# 2. kill one worker rank's child mid-case: workers run their cases with a copy of the
#    reference file in their temporary directory, whose name says the rank
mkdir -p tmp
mkdir -p child
cp killed/kill.ref.tsv child/   # the same reference: not computed again
TMPDIR="$work/tmp" "${mpirun[@]}" 3 "$ODEGRAD" bench kill.spec --results "$work/child" > /dev/null 2> child.log &
pid=$!
killed=0
for _ in $(seq 2400); do
  for f in /proc/[0-9]*/cmdline; do
    cmd=$({ tr '\0' ' ' < "$f"; } 2>/dev/null)
    if [[ $cmd == *" case --model jakstat"*"$work/tmp/odegrad-rank"* ]]; then
      p=${f#/proc/}; p=${p%/cmdline}
      kill -KILL "$p" 2>/dev/null && killed=1 && break
    fi
  done
  [[ $killed == 1 ]] && break
  sleep 0.02
done
[[ $killed == 1 ]] && pass || fail "never saw a worker's case process to kill"
# the job ends by itself (the test's time limit would catch a hang)
wait "$pid" && pass || fail "the job failed after a worker's child was killed: $(cat child.log)"
check_complete child/kill.csv "after a worker's child was killed"
[[ $(awk -F, '$6=="status" && $7=="3" && $8=="crashed: Killed"' child/kill.csv | wc -l) == 1 ]] && pass ||
  fail "the killed case is not recorded as crashed: $(grep ',status,' child/kill.csv | grep -v ',0,ok')"
[[ $(awk -F, '$6=="status" && $7=="0"' child/kill.csv | wc -l) == $((cases - 1)) ]] && pass ||
  fail "other cases did not all succeed"
grep -q "^progress: $cases/$cases cases  1 failed" child.log && pass || fail "progress: $(cat child.log)"
# the workers' temporary copies are gone
[[ -z $(ls tmp) ]] && pass || fail "temporary files left: $(ls tmp)"
finish
