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
deterministic_rows() {
  awk -F, 'NR > 1 && $6 !~ /seconds|^wall|^peak_rss$|^time_per/' "$1" | sort
}

# processes whose command line holds a text (read from /proc: no ps needed)
procs() {
  local n=0 f
  for f in /proc/[0-9]*/cmdline; do
    { tr '\0' ' ' < "$f"; } 2>/dev/null | grep -qF -- "$1" && n=$((n + 1))
  done
  echo "$n"
}
