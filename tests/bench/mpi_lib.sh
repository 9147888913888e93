# mpi_lib.sh — running odegrad under OpenMPI's mpirun in the shell tests (sourced after
# tests/cli/lib.sh, not a test).  CI runs as root, which OpenMPI refuses unless told; the
# tests oversubscribe the machine's cores.  OpenMPI keeps memory until exit that the leak
# checker of a sanitizer build would report, so leak checking is off under mpirun only.
command -v mpirun > /dev/null || { fail "mpirun not found: install openmpi-bin (./run does)"; finish; exit 1; }
# "${mpirun[@]}" N command...: through env, so that `... &` gives mpirun's own pid in $!
mpirun=(env "ASAN_OPTIONS=${ASAN_OPTIONS:-}${ASAN_OPTIONS:+:}detect_leaks=0"
        mpirun --allow-run-as-root --oversubscribe -n)
mpi() { "${mpirun[@]}" "$@"; }

# the rows of a study that do not depend on timing or memory, sorted: every case's key,
# counts, steps, bytes, errors, gradients, objectives and its status row with its reason
# (not a case's integrity checksum, case_check, which covers its timing rows too)
deterministic_rows() {
  awk -F, 'NR > 1 && $6 !~ /seconds|^wall|^peak_rss$|^time_per|^case_check$/' "$1" | sort
}

# pids of the processes one of whose arguments holds a text (one grep over /proc: fast enough
# to catch a case process of a few tenths of a second; grep itself left out)
pids_of() {
  local f first
  for f in $(grep -l -a -z -F -- "$1" /proc/[0-9]*/cmdline 2>/dev/null); do
    IFS= read -r -d '' first < "$f" 2>/dev/null || continue
    [[ $first == grep ]] && continue
    f=${f#/proc/}
    echo "${f%/cmdline}"
  done
}
procs() { pids_of "$1" | wc -l; }
