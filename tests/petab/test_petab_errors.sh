# Bad PEtab input: every case is one line on stderr naming the file (and line or id) and
# what is wrong, exit code 2, nothing on stdout and nothing written.  Each case is the toy
# problem (tests/petab/toy) with one thing broken.
source "$ODEGRAD_SOURCE/tests/cli/lib.sh"
cd "$work"
mkdir -p results && echo "sentinel" > results/keep.txt
toy="$ODEGRAD_SOURCE/tests/petab/toy"

# broken NAME: a fresh copy of the toy in ./NAME
broken() { rm -rf "$1"; cp -r "$toy" "$1"; }
run() { expect_error 2 "$1" -- grad --model "petab:$work/$2" --method forward; }

run "nope/toy.yaml: No such file or directory" nope/toy.yaml
broken empty; rm empty/toy.yaml
run "empty: holds no PEtab problem \(.yaml\) file" empty

broken yaml; printf 'format_version: 1\nproblems: [ {sbml_files: [toy.xml]\n' > yaml/toy.yaml
run "yaml/toy.yaml: malformed YAML at line" yaml
broken version; sed -i 's/format_version: 1/format_version: 2/' version/toy.yaml
run "version/toy.yaml: format_version must be 1" version
broken key; sed -i '/observable_files/,+1d' key/toy.yaml
run "key/toy.yaml: 'observable_files' is missing" key

broken tsv; printf 'y_lin_normal\tc0\t1.9\t1\t\t\textra\n' >> tsv/measurements.tsv
run "tsv/measurements.tsv: line 14: more cells than the header has columns" tsv
broken column; sed -i 's/nominalValue/nominal/' column/parameters.tsv
run "column/parameters.tsv: the required column 'nominalValue' is missing" column
broken number; sed -i 's/^k\tlog\t0.001\t100\t0.7/k\tlog\t0.001\t100\tabc/' number/parameters.tsv
run "number/parameters.tsv: line 2: 'k': nominalValue is not a finite number" number
broken scale; sed -i 's/^k\tlog\t/k\tlog2\t/' scale/parameters.tsv
run "scale/parameters.tsv: line 2: 'k': parameterScale must be lin, log or log10" scale
broken prior; sed -i '1s/$/\tobjectivePriorType/; 2s/$/\tgamma/' prior/parameters.tsv
run "prior/parameters.tsv: line 2: 'k': objectivePriorType 'gamma' is not one of" prior
broken priorpar; sed -i '1s/$/\tobjectivePriorType\tobjectivePriorParameters/; 2s/$/\tnormal\t1/' priorpar/parameters.tsv
run "priorpar/parameters.tsv: line 2: 'k': objectivePriorParameters must be two numbers" priorpar
broken priorsd; sed -i '1s/$/\tobjectivePriorType\tobjectivePriorParameters/; 2s/$/\tlaplace\t1;-2/' priorsd/parameters.tsv
run "priorsd/parameters.tsv: line 2: 'k': laplace prior: its scale \(the second parameter\) must be positive" priorsd

broken sbml; sed -i 's|</listOfSpecies>|</listOfSpeciess>|' sbml/toy.xml
run "sbml/toy.xml: malformed SBML" sbml
broken nosbml; rm nosbml/toy.xml
run "nosbml/toy.xml: cannot open the SBML file" nosbml

broken formula; sed -i 's/scale \* A + offset/scale * B + offset/' formula/observables.tsv
run "formula/observables.tsv: 'y_lin_normal': unknown id 'B' in a formula" formula
broken parse; sed -i 's/scale \* A + offset/scale * (A + offset/' parse/observables.tsv
run "parse/observables.tsv: line 2: 'y_lin_normal': cannot parse the observable formula" parse
broken dist; sed -i 's/\tlin\tlaplace/\tlin\tcauchy/' dist/observables.tsv
run "dist/observables.tsv: line 5: 'y_lin_laplace': noiseDistribution 'cauchy' is not normal or laplace" dist

broken obs; sed -i '2s/^y_lin_normal/y_unknown/' obs/measurements.tsv
run "obs/measurements.tsv: line 2: unknown observable 'y_unknown'" obs
broken cond; sed -i '3s/\tc0\t/\tc9\t/' cond/measurements.tsv
run "cond/measurements.tsv: line 3: unknown simulation condition 'c9'" cond
broken override; sed -i 's/\t2\tsigma$/\t2\tsigmaa/' override/measurements.tsv
run "override/measurements.tsv: line 13: noiseParameters: unknown parameter 'sigmaa'" override
broken target; printf 'conditionId\tconditionName\tnope\nc0\t\t1\n' > target/conditions.tsv
run "target/conditions.tsv: column 'nope': unknown id" target
broken steady; sed -i '2s/\t1\t\t$/\tinf\t\t/' steady/measurements.tsv
run "steady/measurements.tsv: line 3: measurements at time inf \(steady-state data\) are supported only when every measurement is at time inf" steady
rm -rf steadyt; cp -r "$ODEGRAD_SOURCE/tests/petab/steady" steadyt
sed -i 's/scale \* A/scale * A * time/' steadyt/observables.tsv
run "steadyt/measurements.tsv: measurements at time inf \(steady-state data\) need dynamics and observables that do not depend on time" steadyt
# the steady toy's four reactions turned into conversions between A and B (B -> A, A -> B,
# A -> B, B -> A): they conserve A + B, so its steady state is not isolated
rm -rf steadyc; cp -r "$ODEGRAD_SOURCE/tests/petab/steady" steadyc
ref() { printf '<speciesReference species="%s" stoichiometry="1" constant="true"/>' "$1"; }
sed -i -e "/id=\"make_A\"/,/<\/reaction>/ s|<listOfProducts>|<listOfReactants>$(ref B)</listOfReactants><listOfProducts>|" \
  -e "/id=\"lose_A\"/,/<\/reaction>/ s|</listOfReactants>|</listOfReactants><listOfProducts>$(ref B)</listOfProducts>|" \
  -e "/id=\"make_B\"/,/<\/reaction>/ s|<listOfProducts>|<listOfReactants>$(ref A)</listOfReactants><listOfProducts>|" \
  -e "/id=\"lose_B\"/,/<\/reaction>/ s|</listOfReactants>|</listOfReactants><listOfProducts>$(ref A)</listOfProducts>|" \
  steadyc/steady.xml
run "steadyc/measurements.tsv: measurements at time inf \(steady-state data\) need an isolated steady state; the reactions of .*steady.xml conserve 1 total, so" steadyc

# unsupported SBML: a state-triggered event; an event with a delay; a switch on the state
broken event; sed -i 's|</listOfReactions>|</listOfReactions><listOfEvents><event id="kick" useValuesFromTriggerTime="true"><trigger initialValue="true" persistent="true"><math xmlns="http://www.w3.org/1998/Math/MathML"><apply><gt/><ci>A</ci><cn>1</cn></apply></math></trigger><listOfEventAssignments><eventAssignment variable="A"><math xmlns="http://www.w3.org/1998/Math/MathML"><cn>1</cn></math></eventAssignment></listOfEventAssignments></event></listOfEvents>|' event/toy.xml
run "event/toy.xml: event 'kick': only time-triggered events \(trigger: time >= t_e\) are supported; a state-triggered event is not" event
broken evdelay; sed -i 's|</listOfReactions>|</listOfReactions><listOfEvents><event id="late" useValuesFromTriggerTime="true"><trigger initialValue="true" persistent="true"><math xmlns="http://www.w3.org/1998/Math/MathML"><apply><geq/><csymbol encoding="text" definitionURL="http://www.sbml.org/sbml/symbols/time">t</csymbol><cn>1</cn></apply></math></trigger><delay><math xmlns="http://www.w3.org/1998/Math/MathML"><cn>1</cn></math></delay><listOfEventAssignments><eventAssignment variable="A"><math xmlns="http://www.w3.org/1998/Math/MathML"><cn>1</cn></math></eventAssignment></listOfEventAssignments></event></listOfEvents>|' evdelay/toy.xml
run "evdelay/toy.xml: event 'late': an event with a delay is not supported" evdelay
broken switch; sed -i 's|<apply><times/><ci>cell</ci><ci>k</ci><ci>A</ci></apply>|<piecewise><piece><ci>k</ci><apply><gt/><ci>A</ci><cn>1</cn></apply></piece><otherwise><cn>0</cn></otherwise></piecewise>|' switch/toy.xml
run "switch/toy.xml: 'decay': a comparison on the state \(a state-dependent switch\) is not supported" switch
broken delay; sed -i 's|<apply><times/><ci>cell</ci><ci>k</ci><ci>A</ci></apply>|<apply><csymbol encoding="text" definitionURL="http://www.sbml.org/sbml/symbols/delay">delay</csymbol><ci>A</ci><cn>1</cn></apply>|' delay/toy.xml
run "delay/toy.xml: 'decay': unsupported maths: delay" delay

# a backend that does not carry the jumps of time breakpoints refuses such a model
expect_error 2 "backend tape does not support time breakpoints" -- grad \
  --model "petab:$ODEGRAD_SOURCE/tests/petab/events/events.yaml" --method tape

[[ $(cat results/keep.txt) == sentinel ]] || fail "results/ was changed"
finish
