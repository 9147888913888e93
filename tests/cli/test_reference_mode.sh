# grad/hess --reference auto|compute|none|FILE: auto takes the closed form or a cached
# reference and otherwise says in one line how to get one, at no cost beyond the backend's;
# compute computes it; none measures nothing; FILE reads a cache.  Each mode's reference is
# the same numbers where it has one.
source "$ODEGRAD_SOURCE/tests/cli/lib.sh"
cd "$work"    # no results/ here: auto finds no cache

g() { "$ODEGRAD" grad --model jakstat --method forward "$@"; }
ref_line() { grep '^reference ' | sed 's/^reference *//'; }

# a model with a closed form: auto is the closed form
[[ $("$ODEGRAD" grad --model freefall --method fd | ref_line) == "closed form" ]] && pass || fail "freefall auto: not the closed form"
[[ $("$ODEGRAD" hess --model freefall --method fim | ref_line) == "closed form" ]] && pass || fail "freefall hess auto: not the closed form"

# jakstat has none: auto says how to get one, in the reference line, and measures nothing
auto=$(g)
[[ $(printf '%s\n' "$auto" | ref_line) == "none: no closed form and no cached reference at this theta; --reference compute computes one"* ]] \
  && pass || fail "jakstat auto: $(printf '%s\n' "$auto" | ref_line)"
g --format csv > auto.csv
grep -q grad_rel_err auto.csv && fail "auto without a reference reported an error" || pass
# ... and costs what the backend costs: the same counts as --reference none
g --format csv --reference none > none.csv
[[ $(grep -E 'fwd\.|bwd\.|steps' auto.csv) == $(grep -E 'fwd\.|bwd\.|steps' none.csv) ]] && pass || fail "auto and none differ in counts"
grep -q grad_rel_err none.csv && fail "--reference none reported an error" || pass
[[ $(g --reference none | ref_line) == "none: not asked for (--reference none)" ]] && pass || fail "none: wrong reference line"

# compute, then the same reference from a cache file, and auto finding it under results/
g --format csv --reference compute > compute.csv
"$ODEGRAD" reference --model jakstat > jak.ref.tsv || fail "odegrad reference failed"
g --format csv --reference jak.ref.tsv > file.csv
e_compute=$(grep ',grad_rel_err,' compute.csv | cut -d, -f5)
e_file=$(grep ',grad_rel_err,' file.csv | cut -d, -f5)
[[ -n $e_compute && $e_compute == "$e_file" ]] && pass || fail "compute ($e_compute) and FILE ($e_file) disagree"
mkdir -p results && cp jak.ref.tsv results/study.ref.tsv
g --format csv > cached.csv
[[ $(grep ',grad_rel_err,' cached.csv | cut -d, -f5) == "$e_compute" ]] && pass || fail "auto did not use results/*.ref.tsv"
# a cache without this θ: none, saying so
g --theta "$(printf '0.5%.0s,' {1..16})0.5" --reference jak.ref.tsv 2>&1 | ref_line | grep -q "has no reference of jakstat at this theta" \
  && pass || fail "FILE without the theta"
rm -rf results
expect_error 2 "--reference is auto, compute, none or a readable reference cache, not 'nofile'" -- grad --model jakstat --method forward --reference nofile
expect_error 2 "--reference is auto, compute, none" -- hess --model freefall --method fim --reference bogus
finish
