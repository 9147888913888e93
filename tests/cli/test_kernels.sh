# --kernels and the kernel cache through the command: the same gradient with compiled and
# interpreted kernels; a first run fills an empty cache, a second run compiles nothing; a
# damaged cache file is rebuilt with a one-line notice; with no compiler on PATH the command
# says so in one line and gives the same gradient with the interpreter.
source "$ODEGRAD_SOURCE/tests/cli/lib.sh"
cd "$work"
export ODEGRAD_KERNEL_CACHE="$work/cache"
unset ODEGRAD_KERNELS ODEGRAD_CC
# the loss and gradient of one run (the compiler, when there is one, runs with PATH as given)
grad() { "$ODEGRAD" grad --model jakstat --method adjoint --rtol 1e-8 --format csv "$@" > run.csv &&
  awk -F, '$4 ~ /^gradient\./ || $4 == "loss" {print $4, $5}' run.csv; }

grad --kernels interpreted > interpreted.txt 2> interpreted.err || fail "interpreted run"
[[ ! -e cache ]] && pass || fail "--kernels interpreted wrote a kernel cache"
[[ -s interpreted.txt ]] && pass || fail "no gradient printed"

grad > cold.txt 2> cold.err || fail "first compiled run"
ls cache/k-*.so > /dev/null 2>&1 && pass || fail "the first run left no cache entry"
cmp -s cold.txt interpreted.txt && pass || fail "compiled and interpreted gradients differ: $(diff cold.txt interpreted.txt | head -4)"
[[ ! -s cold.err ]] && pass || fail "first run printed: $(cat cold.err)"

before=$(ls -l --time-style=+%s.%N cache)
grad --kernels=compiled > warm.txt 2> warm.err || fail "second compiled run"
[[ $(ls -l --time-style=+%s.%N cache) == "$before" ]] && pass || fail "the second run touched the cache (compiled again?)"
cmp -s warm.txt cold.txt && pass || fail "cached kernels give another gradient"

entry=$(ls cache/k-*.so | head -1)
printf 'garbage' | dd of="$entry" bs=1 seek=200 conv=notrunc status=none
grad > rebuilt.txt 2> rebuilt.err || fail "run after damaging the cache"
[[ $(wc -l < rebuilt.err) == 1 ]] && grep -q "is corrupt; rebuilding it" rebuilt.err && pass ||
  fail "damaged entry: expected one notice, got: $(cat rebuilt.err)"
cmp -s rebuilt.txt cold.txt && pass || fail "rebuilt kernels give another gradient"

rm -rf cache
PATH=/nonexistent "$ODEGRAD" grad --model jakstat --method adjoint --rtol 1e-8 --format csv \
  > run.csv 2> nocc.err || fail "run without a compiler"
awk -F, '$4 ~ /^gradient\./ || $4 == "loss" {print $4, $5}' run.csv > nocc.txt
[[ $(wc -l < nocc.err) == 1 ]] && grep -q "no C compiler (cc) on PATH; model kernels are interpreted" nocc.err &&
  pass || fail "no compiler: expected one notice, got: $(cat nocc.err)"
cmp -s nocc.txt interpreted.txt && pass || fail "the fallback gives another gradient"

expect_error 2 "--kernels takes compiled or interpreted, not 'fast'" -- grad --model freefall --method fd --kernels fast
ODEGRAD_KERNELS=fast "$ODEGRAD" grad --model freefall --method fd > /dev/null 2> bad.err &&
  fail "ODEGRAD_KERNELS=fast accepted" || pass
grep -q "ODEGRAD_KERNELS is 'fast'; expected compiled or interpreted" bad.err && pass ||
  fail "ODEGRAD_KERNELS=fast: $(cat bad.err)"
finish
