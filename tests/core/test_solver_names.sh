#!/usr/bin/env bash
# The integrator registry is the one place our solver names are written: every name of
# core/ode/integrator.c appears there exactly once, and in no string literal of any other
# source file of the suite (comments, #include lines and the tests do not count).  Option
# lists, help texts, defaults and error messages read the registry instead.
set -euo pipefail
src=${ODEGRAD_SOURCE:?ODEGRAD_SOURCE must name the source tree}
cd "$src"
registry=core/ode/integrator.c
fail() { echo "test_solver_names: $*" >&2; exit 1; }

names=$(sed -n 's/^ *\.name = "\([a-z0-9]*\)",.*/\1/p' "$registry")
[[ $(wc -w <<<"$names") -ge 5 ]] || fail "fewer than 5 names found in $registry: $names"
for name in $names; do
  count=$(grep -c "\"$name\"" "$registry")
  [[ $count == 1 ]] || fail "'$name' is written $count times in $registry"
done
pattern=$(tr ' \n' '||' <<<"$names" | sed 's/|*$//')

# every string literal of every other source file, comments and #include lines stripped
sources=$(find core models methods fit bench cli -name '*.[ch]' ! -path "$registry" | sort)
[[ -n $sources ]] || fail "no sources found"
hits=$(NAMES="$pattern" perl -0777 -ne '
    s{/\*.*?\*/}{ }gs;              # block comments
    s{//[^\n]*}{}g;                 # line comments
    s{^\s*#\s*include[^\n]*}{}mg;   # header names
    while (/"((?:[^"\\\n]|\\.)*)"/g) {
        my $text = $1;
        print "$ARGV: \"$text\"\n" if $text =~ /\b(?:$ENV{NAMES})\b/;
    }
  ' $sources)
[[ -z $hits ]] || fail "solver names outside the registry:
$hits"
echo "ok: $(wc -w <<<"$names") solver names ($(echo $names)), each written once, in $registry only"
