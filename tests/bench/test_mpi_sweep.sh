# odegrad bench under mpirun -n 3 (rank 0 hands the cases out, largest first; ranks 1 and 2
# and a thread of rank 0 run them) writes the same study as the serial sweep: the same cases,
# the same status rows (failed cases and their repeats recorded "not run again" alike), and
# bit-identical deterministic metrics (counts, steps, bytes, errors, gradients).  Rank 0
# reports progress as a line with the failures counted; the other ranks write nothing.
source "$ODEGRAD_SOURCE/tests/cli/lib.sh"
source "$ODEGRAD_SOURCE/tests/bench/mpi_lib.sh"
cd "$work"
cat > small.spec <<EOF2
study small
models freefall jakstat
backends adjoint forward tape
options forward max-steps=3,100000
tol 1e-6 1e-8
repeats 2
timeout 60
EOF2
# 2 models x (adjoint, forward x 2 option sets, tape) x 2 tolerances x 2 repeats
cases=32

"$ODEGRAD" bench small.spec --results serial > serial.txt 2> serial.err && pass ||
  fail "serial sweep failed: $(cat serial.err)"
mpi 3 "$ODEGRAD" bench small.spec --results mpi > mpi.txt 2> mpi.err && pass ||
  fail "sweep under mpirun -n 3 failed: $(cat mpi.err)"

statuses() { awk -F, '$6=="status"' "$1" | wc -l; }
[[ $(statuses serial/small.csv) == "$cases" ]] && pass || fail "serial: $(statuses serial/small.csv) cases, want $cases"
[[ $(statuses mpi/small.csv) == "$cases" ]] && pass || fail "mpi: $(statuses mpi/small.csv) cases, want $cases"
[[ $(awk -F, '$6=="status"{print $2,$3,$4,$5}' mpi/small.csv | sort -u | wc -l) == "$cases" ]] && pass ||
  fail "mpi: a case recorded twice"
[[ $(grep -c '^study,' mpi/small.csv) == 1 ]] && pass || fail "mpi: header written more than once"
# every row whole: 8 fields
awk -F, 'NF < 8' mpi/small.csv | grep -q . && fail "mpi: a row cut short" || pass
diff <(deterministic_rows serial/small.csv) <(deterministic_rows mpi/small.csv) > rows.diff && pass ||
  fail "deterministic rows differ between serial and mpirun -n 3: $(head -5 rows.diff)"
# the comparison covers what it should: errors against the reference the workers read,
# and the failed forward cases with the first failure's reason carried to the second repeat
[[ $(awk -F, '$6=="grad_rel_err"' mpi/small.csv | wc -l) == 24 ]] && pass ||
  fail "mpi: grad_rel_err rows: $(awk -F, '$6=="grad_rel_err"' mpi/small.csv | wc -l), want 24"
[[ $(awk -F, '$6=="status" && $7=="1" && $5=="2" && /not run again/' mpi/small.csv | wc -l) == 4 ]] && pass ||
  fail "mpi: failed repeats not recorded as 'not run again'"
# the progress line of the distributed run (the serial run writes none: stderr is no terminal)
grep -q "^progress: $cases/$cases cases  8 failed" mpi.err && pass || fail "no final progress line: $(cat mpi.err)"
[[ ! -s serial.err || $(grep -c progress serial.err) == 0 ]] && pass || fail "serial run printed progress lines"
# the same ranked table (timing columns aside, its rows name the same cases)
[[ $(awk '{print $1, $2}' serial.txt | sort) == "$(awk '{print $1, $2}' mpi.txt | sort)" ]] && pass ||
  fail "tables differ: $(diff serial.txt mpi.txt | head -5)"
# one rank under mpirun is the serial sweep
mpi 1 "$ODEGRAD" bench small.spec --results one > /dev/null 2> one.err && pass || fail "mpirun -n 1 failed: $(cat one.err)"
diff <(deterministic_rows serial/small.csv) <(deterministic_rows one/small.csv) > /dev/null && pass ||
  fail "mpirun -n 1 differs from the serial sweep"
# a finished study under mpirun runs nothing and changes nothing
before=$(md5sum < mpi/small.csv)
mpi 3 "$ODEGRAD" bench small.spec --results mpi > /dev/null 2>&1 && pass || fail "re-run of a finished study failed"
[[ $(md5sum < mpi/small.csv) == "$before" ]] && pass || fail "re-running a finished study under mpirun changed it"
finish
