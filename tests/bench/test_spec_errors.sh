# A malformed spec file is rejected with "file:line: reason", exit code 2, before any case
# runs: no results directory, no CSV.
source "$ODEGRAD_SOURCE/tests/cli/lib.sh"
cd "$work"

# spec_error LINE-NUMBER PATTERN <<< spec text
spec_error() {
  local line=$1 pattern=$2
  cat > bad.spec
  expect_error 2 "^odegrad bench: bad\.spec:$line: $pattern" -- bench bad.spec --results out
  [[ ! -e out ]] && pass || fail "a rejected spec created out/ (line $line, $pattern)"
  rm -rf out
}

good="models freefall
backends fd"

spec_error 3 "unknown directive 'modles'" <<< "$good
modles freefall"
spec_error 1 "unknown model 'nope'; known models: freefall" <<< "models nope
backends fd"
spec_error 2 "unknown backend 'nope'; valid backends: fd" <<< "models freefall
backends fd nope"
spec_error 3 "rtol: 'abc' is not a number" <<< "$good
tol 1e-6 abc"
spec_error 3 "rtol must be a positive number, not 0" <<< "$good
tol 0"
spec_error 3 "atol: NaN is not allowed" <<< "$good
tol 1e-6/nan"
spec_error 3 "repeats must lie between 1 and 1000, not 0" <<< "$good
repeats 0"
spec_error 3 "timeout: '10s' is not a number" <<< "$good
timeout 10s"
spec_error 4 "'repeats' is given twice \(first on line 3\)" <<< "$good
repeats 2
repeats 3"
spec_error 3 "backend fd has no option 'bogus'; its options are: " <<< "$good
options fd bogus=1"
spec_error 3 "option scheme of backend fd must be one of central\|forward, not 'sideways'" <<< "$good
options fd scheme=central,sideways"
spec_error 3 "an option needs key=value, not 'scheme'" <<< "$good
options fd scheme"
spec_error 3 "options for backend 'forward', which is not in 'backends'" <<< "$good
options forward mode=staggered"
spec_error 4 "rtol/atol are set by the 'tol' line" <<< "$good
tol 1e-6
options fd rtol=1e-8"
spec_error 1 "model brusselator-\{n\} uses \{n\} but no 'sizes' line gives them" <<< "models brusselator-{n}
backends fd"
spec_error 1 "brusselator-1: the grid size must be" <<< "models brusselator-{n}
backends fd
sizes 1"
spec_error 3 "'sizes' is given but no model name uses \{n\}" <<< "$good
sizes 2 3"
spec_error 1 "'want' is gradient or hessian" <<< "want everything
$good"
spec_error 3 "backend fd cannot compute a full Hessian; backends that can:" <<< "want hessian
$good"
spec_error 1 "a study name may hold only letters" <<< "study ../escape
$good"
spec_error 3 "'theta' takes a model name and its values" <<< "$good
theta freefall"
spec_error 3 "theta for model 'jakstat', which is not in 'models'" <<< "$good
theta jakstat 1,2"
spec_error 3 "theta has 1 value but model freefall has 2 parameters \(g, mu\)" <<< "$good
theta freefall 9.8"
spec_error 3 "theta entry 2: NaN is not allowed" <<< "$good
theta freefall 9.8,nan"
spec_error 4 "theta for model freefall is given twice \(first on line 3\)" <<< "$good
theta freefall 9.8,0.5
theta freefall 9.8,0.4"

# whole-file problems name the file
cat > empty.spec <<< "# nothing here"
expect_error 2 "^odegrad bench: empty\.spec: no models given" -- bench empty.spec --results out
expect_error 2 "^odegrad bench: missing\.spec: cannot read the spec file" -- bench missing.spec --results out
expect_error 2 "give the spec file" -- bench --results out
[[ ! -e out ]] && pass || fail "out/ created"
finish
