#!/usr/bin/env bash
# The layers are enforced by the build: each package is configured and built with nothing above
# it (ODEGRAD_UPTO), bottom to top in one build tree, so an include of a higher package's header
# fails to compile and a call into a higher package fails to link.  Includes name headers bare
# ("model.h"): a relative path ("../methods/method.h") would walk around the include path, so
# none may appear.
set -euo pipefail
src=${ODEGRAD_SOURCE:?ODEGRAD_SOURCE must name the source tree}
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
fail() { echo "test_layers: $*" >&2; exit 1; }

cd "$src"
relative=$(git ls-files '*.c' '*.h' 2>/dev/null | xargs grep -n '#include "[^"]*/' || true)
[[ -z $relative ]] || fail "includes with a path (write the bare header name): $relative"

packages=$(sed -n 's/^set(ODEGRAD_PACKAGES \(.*\))$/\1/p' CMakeLists.txt)
[[ -n $packages ]] || fail "no ODEGRAD_PACKAGES list in CMakeLists.txt"
for package in $packages; do
  [[ $package == cli ]] && break   # the whole build, which the suite itself is built from
  cmake -S "$src" -B "$work" -DODEGRAD_UPTO="$package" -DODEGRAD_WERROR=ON >"$work.log" 2>&1 ||
    { cat "$work.log"; fail "configuring up to $package failed"; }
  # each library alone: an archive links nothing, so link a probe executable against it to
  # catch a call into a package above
  cmake --build "$work" -j 2 >"$work.log" 2>&1 ||
    { tail -30 "$work.log"; fail "package $package does not build without the packages above it"; }
  echo "ok: $package builds alone"
done
rm -f "$work.log"
