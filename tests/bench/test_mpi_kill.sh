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
# forty distinct cases (one per tolerance), each a few tenths of a second even on an idle
# machine with compiled kernels (fd: some 200 forward solves at these tolerances), so that
# the kills below land while cases are still running
tols=$(for k in $(seq 10 49); do printf '%se-11 ' "$k"; done)
cat > kill.spec <<EOF2
study kill
models jakstat
backends fd
tol $tols
repeats 1
timeout 120
EOF2
cases=40
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

# every process of these jobs (mpirun, ranks, case processes) has $work/ in an argument:
# the results directory, the reference file, or a worker's copy of it in TMPDIR
mkdir -p tmp
export TMPDIR="$work/tmp"
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
    kill -KILL "$pid" $(pids_of "$work/") 2>/dev/null
  fi
  wait "$pid" 2>/dev/null
  # every rank and its case processes go with the job
  for _ in $(seq 100); do [[ $(procs "$work/") == 0 ]] && break; sleep 0.1; done
  [[ $(procs "$work/") == 0 ]] && pass || fail "a process of the job killed by SIG$signal outlived it"
done
done_before=$(statuses killed/kill.csv)
echo "the killed jobs finished $done_before of $cases cases"
[[ $done_before -ge 6 && $done_before -lt $cases ]] && pass ||
  fail "the kill did not land mid-way ($done_before of $cases cases done); the test proves nothing"
mpi 3 "$ODEGRAD" $job > /dev/null 2> resumed.log && pass ||
  fail "the resumed job failed: $(cat resumed.log)"
check_complete killed/kill.csv "after a killed job"
grep -q '"cases_done_before_this_run": [1-9]' killed/kill.meta.json && pass || fail "meta: not a resumed run"

# 2. kill one worker rank's child mid-case: workers run their cases with a copy of the
#    reference file in their temporary directory, whose name says the rank
mkdir -p child tmp2
cp killed/kill.ref.tsv child/   # the same reference: not computed again
TMPDIR="$work/tmp2" "${mpirun[@]}" 3 "$ODEGRAD" bench kill.spec --results "$work/child" > /dev/null 2> child.log &
pid=$!
killed=0
while kill -0 "$pid" 2>/dev/null; do
  for p in $(pids_of "$work/tmp2/odegrad-rank"); do
    kill -KILL "$p" 2>/dev/null && killed=1 && break
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
# the workers' temporary copies are gone (those of the killed jobs above stay in tmp/)
[[ -z $(ls tmp2 | grep odegrad-rank) ]] && pass || fail "temporary files left: $(ls tmp2)"
finish
