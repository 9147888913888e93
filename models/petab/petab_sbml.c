/* petab_sbml — reading an SBML model (libSBML's C API) into the problem's symbols.
 *
 * Every id the maths can name becomes a symbol: compartments and parameters are constant
 * values; species are states (a species no reaction changes just has a zero derivative);
 * the target of an assignment rule is that rule; the target of a rate rule is a state whose
 * derivative is the rule.  Reactions are kept as their rate laws and a sparse stoichiometry;
 * petab_problem.c assembles the right-hand side
 *     dx_s/dt = Σ_r N_sr v_r / V_s     (V_s = 1 for a species with only substance units),
 * because a species' value in the maths is its concentration unless it has only substance
 * units, while a rate law counts amount per time.
 *
 * Time-triggered events become breakpoints (petab_break.c).
 * Refused with a message naming the file and the id: other events, algebraic rules, conversion
 * factors, stoichiometry set by maths or rules, species in a compartment whose size changes. */
#include "petab_impl.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static int fail(char *err, size_t errlen, const char *path, const char *what, const char *id)
{
    if (err && errlen) {
        if (id)
            snprintf(err, errlen, "%s: '%s': %s", path, id, what);
        else
            snprintf(err, errlen, "%s: %s", path, what);
    }
    return -1;
}

int petab_sym_find(const petab_problem *P, const char *id)
{
    for (int i = 0; i < P->nsym; i++)
        if (strcmp(P->sym[i].id, id) == 0)
            return i;
    return -1;
}

int petab_sym_add(petab_problem *P, const char *id)
{
    psym *s = realloc(P->sym, sizeof *s * (size_t)(P->nsym + 1));
    if (!s)
        return -1;
    P->sym = s;
    psym *n = &s[P->nsym];
    memset(n, 0, sizeof *n);
    n->id = malloc(strlen(id) + 1);
    if (!n->id)
        return -1;
    strcpy(n->id, id);
    n->kind = PSYM_VALUE;
    n->theta = -1;
    n->cond_col = -1;
    n->compartment = -1;
    n->value = NAN;
    return P->nsym++;
}

static int add_stoich(petab_problem *P, int r, int state, double coef)
{
    int *a = realloc(P->st_react, sizeof *a * (size_t)(P->nstoich + 1));
    if (a)
        P->st_react = a;
    int *b = realloc(P->st_state, sizeof *b * (size_t)(P->nstoich + 1));
    if (b)
        P->st_state = b;
    double *c = realloc(P->st_coef, sizeof *c * (size_t)(P->nstoich + 1));
    if (c)
        P->st_coef = c;
    if (!a || !b || !c)
        return -1;
    P->st_react[P->nstoich] = r;
    P->st_state[P->nstoich] = state;
    P->st_coef[P->nstoich] = coef;
    P->nstoich++;
    return 0;
}

/* the species references of one side of a reaction, with sign ±1 */
static int reaction_side(petab_problem *P, Reaction_t *re, int r, int products, const char *path,
                         char *err, size_t errlen)
{
    const unsigned n = products ? Reaction_getNumProducts(re) : Reaction_getNumReactants(re);
    for (unsigned k = 0; k < n; k++) {
        SpeciesReference_t *sr = products ? Reaction_getProduct(re, k) : Reaction_getReactant(re, k);
        const char *sp = SpeciesReference_getSpecies(sr);
        const int i = petab_sym_find(P, sp);
        if (i < 0 || !P->sym[i].species)
            return fail(err, errlen, path, "a reaction names an unknown species", sp);
        if (SpeciesReference_isSetStoichiometryMath(sr))
            return fail(err, errlen, path, "stoichiometryMath is not supported",
                        Reaction_getId(re));
        if (SpeciesReference_isSetId(sr)) {
            const int j = petab_sym_find(P, SpeciesReference_getId(sr));
            if (j >= 0 && (P->sym[j].math || P->sym[j].init))
                return fail(err, errlen, path,
                            "stoichiometry changed by a rule or initial assignment is not "
                            "supported", SpeciesReference_getId(sr));
        }
        double coef = SpeciesReference_getStoichiometry(sr);
        if (!isfinite(coef))
            coef = 1.0;
        const psym *s = &P->sym[i];
        if (Species_getBoundaryCondition(Model_getSpeciesById(P->sbml, sp)) ||
            s->kind != PSYM_STATE || s->math)
            continue;   /* boundary species and rule targets are not changed by reactions */
        if (add_stoich(P, r, i, products ? coef : -coef) != 0)
            return fail(err, errlen, path, "out of memory", NULL);
    }
    return 0;
}

int petab_sbml_load(petab_problem *P, const char *path, char *err, size_t errlen)
{
    snprintf(P->sbml_path, sizeof P->sbml_path, "%s", path);
    FILE *probe = fopen(path, "r");
    if (!probe)
        return fail(err, errlen, path, "cannot open the SBML file", NULL);
    fclose(probe);
    P->doc = readSBMLFromFile(path);
    if (!P->doc)
        return fail(err, errlen, path, "cannot read the SBML file", NULL);
    const unsigned nerr = SBMLDocument_getNumErrors(P->doc);
    for (unsigned i = 0; i < nerr; i++) {
        const SBMLError_t *e = SBMLDocument_getError(P->doc, i);
        if (XMLError_getSeverity((const XMLError_t *)e) >= LIBSBML_SEV_ERROR) {
            char what[400];
            char *msg = strdup(XMLError_getMessage((const XMLError_t *)e));
            for (char *c = msg; c && *c; c++)
                if (*c == '\n' || *c == '\r')
                    *c = ' ';
            snprintf(what, sizeof what, "malformed SBML (line %u): %.300s",
                     XMLError_getLine((const XMLError_t *)e), msg ? msg : "");
            free(msg);
            return fail(err, errlen, path, what, NULL);
        }
    }
    P->sbml = SBMLDocument_getModel(P->doc);
    if (!P->sbml)
        return fail(err, errlen, path, "the SBML file holds no model", NULL);
    Model_t *m = P->sbml;
    if (Model_isSetConversionFactor(m))
        return fail(err, errlen, path, "conversion factors are not supported", NULL);

    for (unsigned i = 0; i < Model_getNumCompartments(m); i++) {
        Compartment_t *c = Model_getCompartment(m, i);
        const int k = petab_sym_add(P, Compartment_getId(c));
        if (k < 0)
            return fail(err, errlen, path, "out of memory", NULL);
        P->sym[k].value = Compartment_isSetSize(c) ? Compartment_getSize(c) : 1.0;
    }
    for (unsigned i = 0; i < Model_getNumParameters(m); i++) {
        Parameter_t *p = Model_getParameter(m, i);
        const int k = petab_sym_add(P, Parameter_getId(p));
        if (k < 0)
            return fail(err, errlen, path, "out of memory", NULL);
        P->sym[k].value = Parameter_isSetValue(p) ? Parameter_getValue(p) : NAN;
    }
    for (unsigned i = 0; i < Model_getNumSpecies(m); i++) {
        Species_t *s = Model_getSpecies(m, i);
        const char *id = Species_getId(s);
        if (Species_isSetConversionFactor(s))
            return fail(err, errlen, path, "conversion factors are not supported", id);
        const int k = petab_sym_add(P, id);
        if (k < 0)
            return fail(err, errlen, path, "out of memory", NULL);
        psym *y = &P->sym[k];
        y->kind = PSYM_STATE;
        y->species = 1;
        y->hosu = Species_getHasOnlySubstanceUnits(s);
        y->compartment = petab_sym_find(P, Species_getCompartment(s));
        if (y->compartment < 0)
            return fail(err, errlen, path, "the species' compartment is unknown", id);
        if (Species_isSetInitialAmount(s)) {
            y->init_amount = 1;
            y->value = Species_getInitialAmount(s);
        } else if (Species_isSetInitialConcentration(s)) {
            y->value = Species_getInitialConcentration(s);
        }
    }
    for (unsigned i = 0; i < Model_getNumRules(m); i++) {
        Rule_t *r = Model_getRule(m, i);
        if (Rule_isAlgebraic(r))
            return fail(err, errlen, path, "algebraic rules are not supported", NULL);
        const char *v = Rule_getVariable(r);
        const int k = petab_sym_find(P, v);
        if (k < 0)
            return fail(err, errlen, path, "a rule names an unknown variable", v);
        if (!Rule_getMath(r))
            return fail(err, errlen, path, "a rule has no maths", v);
        P->sym[k].math = Rule_getMath(r);
        P->sym[k].kind = Rule_isAssignment(r) ? PSYM_ASSIGN : PSYM_STATE;
    }
    for (unsigned i = 0; i < Model_getNumInitialAssignments(m); i++) {
        InitialAssignment_t *a = Model_getInitialAssignment(m, i);
        const char *v = InitialAssignment_getSymbol(a);
        const int k = petab_sym_find(P, v);
        if (k < 0)
            return fail(err, errlen, path, "an initial assignment names an unknown symbol", v);
        if (!InitialAssignment_getMath(a))
            return fail(err, errlen, path, "an initial assignment has no maths", v);
        P->sym[k].init = InitialAssignment_getMath(a);
    }
    /* species concentrations need a fixed compartment size */
    for (int k = 0; k < P->nsym; k++) {
        const psym *s = &P->sym[k];
        if (s->species && P->sym[s->compartment].kind != PSYM_VALUE)
            return fail(err, errlen, path,
                        "species in a compartment whose size changes are not supported", s->id);
    }
    /* the states, in symbol order */
    for (int k = 0; k < P->nsym; k++)
        if (P->sym[k].kind == PSYM_STATE)
            P->nx++;
    if (P->nx == 0)
        return fail(err, errlen, path, "the model has no state (no species or rate rule)", NULL);
    P->state_sym = malloc(sizeof(int) * (size_t)P->nx);
    if (!P->state_sym)
        return fail(err, errlen, path, "out of memory", NULL);
    for (int k = 0, n = 0; k < P->nsym; k++)
        if (P->sym[k].kind == PSYM_STATE) {
            P->sym[k].state = n;
            P->state_sym[n++] = k;
        }
    /* reactions */
    P->nreact = (int)Model_getNumReactions(m);
    P->rate = calloc((size_t)(P->nreact ? P->nreact : 1), sizeof *P->rate);
    P->law = calloc((size_t)(P->nreact ? P->nreact : 1), sizeof *P->law);
    if (!P->rate || !P->law)
        return fail(err, errlen, path, "out of memory", NULL);
    for (int r = 0; r < P->nreact; r++) {
        Reaction_t *re = Model_getReaction(m, (unsigned)r);
        KineticLaw_t *kl = Reaction_getKineticLaw(re);
        if (!kl || !KineticLaw_getMath(kl))
            return fail(err, errlen, path, "a reaction has no rate law", Reaction_getId(re));
        P->law[r] = kl;
        P->rate[r] = KineticLaw_getMath(kl);
        if (reaction_side(P, re, r, 0, path, err, errlen) != 0 ||
            reaction_side(P, re, r, 1, path, err, errlen) != 0)
            return -1;
    }
    /* time-triggered events become breakpoints (petab_break.c) */
    return petab_breaks_load_events(P, err, errlen);
}

void petab_sbml_free(petab_problem *P)
{
    petab_breaks_free(P);
    for (int i = 0; i < P->nsym; i++)
        free(P->sym[i].id);
    free(P->sym);
    free(P->state_sym);
    free(P->rate);
    free(P->law);
    free(P->st_react);
    free(P->st_state);
    free(P->st_coef);
    if (P->doc)
        SBMLDocument_free(P->doc);
}
