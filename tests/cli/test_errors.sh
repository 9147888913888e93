# Every user error of `odegrad grad` (and the front end) is one line on stderr saying what is
# wrong, exit code 2, nothing on stdout and nothing written to results/.
source "$ODEGRAD_SOURCE/tests/cli/lib.sh"
cd "$work"
mkdir -p results && echo "sentinel" > results/keep.txt   # a results/ that must stay as it is

ok=(grad --model freefall --method fd)
expect_error 2 "unknown model 'nope'; known models: .*freefall" -- grad --model nope --method fd
expect_error 2 "unknown backend 'nope'; valid backends: .*fd" -- grad --model freefall --method nope
expect_error 2 "^odegrad grad: --model is required" -- grad --method fd
expect_error 2 "^odegrad grad: --method is required" -- grad --model freefall
expect_error 2 "--theta entry 2: 'abc' is not a number" -- "${ok[@]}" --theta 9.8,abc
expect_error 2 "--theta entry 1: NaN is not allowed" -- "${ok[@]}" --theta nan,0.5
expect_error 2 "--theta entry 2: NaN is not allowed" -- "${ok[@]}" --theta 9.8,NaN
expect_error 2 "--theta entry 2: '-inf' is not finite" -- "${ok[@]}" --theta 9.8,-inf
expect_error 2 "--theta entry 1: '1e999' is out of range" -- "${ok[@]}" --theta 1e999,0.5
expect_error 2 "--theta entry 2 is empty" -- "${ok[@]}" --theta 9.8,
expect_error 2 "--theta has 3 values but model freefall has 2 parameters \(g, mu\)" -- "${ok[@]}" --theta 1,2,3
expect_error 2 "--theta has 1 value but model freefall has 2 parameters" -- "${ok[@]}" --theta 1
expect_error 2 "--rtol must be a positive number, not 0" -- "${ok[@]}" --rtol 0
expect_error 2 "--rtol must be a positive number, not -1e-8" -- "${ok[@]}" --rtol -1e-8
expect_error 2 "--atol must be a positive number, not 0" -- "${ok[@]}" --atol 0
expect_error 2 "--rtol: 'abc' is not a number" -- "${ok[@]}" --rtol abc
expect_error 2 "--rtol: NaN is not allowed" -- "${ok[@]}" --rtol nan
expect_error 2 "--rtol-b: '1e-8x' is not a number" -- "${ok[@]}" --rtol-b 1e-8x
expect_error 2 "--max-steps: '1.5' is not a whole number" -- "${ok[@]}" --max-steps 1.5
expect_error 2 "--max-steps must lie between 1 and" -- "${ok[@]}" --max-steps 0
expect_error 2 "--mem-cap: 'lots' is not a number" -- "${ok[@]}" --mem-cap lots
expect_error 2 "backend fd has no option 'bogus'; its options are: " -- "${ok[@]}" --opt bogus=1
expect_error 2 "--opt needs key=value, not 'step'" -- "${ok[@]}" --opt step
expect_error 2 "option scheme of backend fd must be one of central\|forward, not 'sideways'" -- "${ok[@]}" --opt scheme=sideways
expect_error 2 "option step of backend fd must lie in \[0, 1\], not 2" -- "${ok[@]}" --opt step=2
expect_error 2 "option step of backend fd needs a finite number, not 'nan'" -- "${ok[@]}" --opt step=nan
expect_error 2 "option scheme of backend fd is given twice" -- "${ok[@]}" --opt scheme=central --opt scheme=forward
expect_error 2 "option --rtol is given twice; give it once" -- "${ok[@]}" --rtol 1e-6 --rtol 1e-8
expect_error 2 "unknown option '--bogus'" -- "${ok[@]}" --bogus
expect_error 2 "unknown option '-x'" -- "${ok[@]}" -x
expect_error 2 "option --theta needs a value" -- "${ok[@]}" --theta
expect_error 2 "unexpected argument 'extra'" -- "${ok[@]}" extra
expect_error 2 "--format must be one of table\|csv\|json, not 'xml'" -- "${ok[@]}" --format xml
expect_error 2 "^odegrad: unknown command 'frobnicate'; commands: list, grad" -- frobnicate
expect_error 2 "^odegrad: no command given" --
expect_error 2 "unknown option '--bogus'" -- list --bogus

# a solver failure is one line and exit 1, not 2
expect_error 1 "^odegrad grad: fd: .*failed" -- "${ok[@]}" --max-steps 3

[[ $(cat results/keep.txt) == sentinel && $(ls results) == keep.txt ]] && pass || fail "results/ was touched"
finish
