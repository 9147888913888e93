#!/usr/bin/env bash
# Inside core/cvodes the files call one another one way only (cvwrap_impl.h draws the order):
# the calls between the objects of the package's archive form no circle, and the forward
# problem's file (cvwrap.c) calls nothing of the backward problems (cvbwd.c, cvadj.c,
# cvsoadj.c) — it frees and sizes them through what they attach to the solver record.
# Run from the build tree (CTest's working directory).
set -euo pipefail
archive=$(pwd)/core/cvodes/libodegrad_cvodes.a
fail() { echo "test_cvodes_calls: $*" >&2; exit 1; }
[[ -f $archive ]] || fail "no $archive"
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
cd "$work"

# "object symbol" for every defined global symbol, and "object symbol" for every undefined one
nm -A --defined-only -g "$archive" 2>/dev/null |
  awk '{split($1, p, ":"); print p[2], $NF}' | sort -k2 > defined.txt
nm -A -u "$archive" 2>/dev/null | awk '{split($1, p, ":"); print p[2], $NF}' | sort -k2 > undefined.txt

# caller callee pairs between the package's own objects
join -1 2 -2 2 -o 1.1,2.1 undefined.txt defined.txt | sort -u > calls.txt
[[ -s calls.txt ]] || fail "found no calls between the objects (nm output changed?)"

# a circle makes tsort complain
if ! tsort calls.txt > order.txt 2> loop.txt; then
  fail "the files of core/cvodes call one another in a circle: $(tr '\n' ' ' < loop.txt)"
fi
[[ ! -s loop.txt ]] || fail "the files of core/cvodes call one another in a circle: $(tr '\n' ' ' < loop.txt)"

named=$(awk '$1 == "cvwrap.c.o" && ($2 == "cvbwd.c.o" || $2 == "cvadj.c.o" || $2 == "cvsoadj.c.o")' calls.txt)
[[ -z $named ]] || fail "cvwrap.c calls the backward problems by name: $named"
echo "ok: $(wc -l < calls.txt) calls between the files of core/cvodes, one way: $(tr '\n' ' ' < order.txt)"
