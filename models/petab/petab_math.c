/* petab_math — SBML maths (libSBML ASTNode trees) translated into expression graphs.
 *
 * Each symbol is translated once per graph and mode (a cache), so an assignment rule used by
 * many rate laws becomes one shared sub-graph.  Two modes: DYN, the value at time t (states
 * are x), and INIT, the value at t0 (states are their initial values, so initial assignments
 * that read species see the species' initial values).
 *
 * Comparisons and logic become 0/1 values built on the step node H(a) (expr_step):
 *     a > b  = H(a − b)         a ≥ b = H₀(a − b)   (H₀ counts 0 as 1)
 *     a = b  = H₀(a − b) H₀(b − a)       not a = 1 − a       a and b = a b
 *     a or b = 1 − (1 − a)(1 − b)        a xor b = a + b − 2ab
 * and piecewise(v1, c1, …, otherwise) = c1 v1 + (1 − c1)(c2 v2 + (1 − c2)(… otherwise)).
 * H has derivative 0, so every derivative is that of the branch taken — exact as long as the
 * switch does not move with θ or x: a condition on the states would make the solution's
 * sensitivities jump, so it is refused; a comparison of time with a parameter-dependent
 * t_e becomes a time breakpoint's phase (petab_break.c), whose jump the model layer carries.
 * A condition on time alone (a switch at a fixed time) keeps the sensitivities continuous. */
#include "petab_impl.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define CACHE_UNSET (-2)
#define CACHE_BUSY (-3)

int ptrans_init(ptrans *T, expr_graph *g, const petab_problem *P)
{
    memset(T, 0, sizeof *T);
    T->g = g;
    T->P = P;
    const size_t n = (size_t)(P->nsym ? P->nsym : 1);
    for (int m = 0; m < 2; m++) {
        T->cache[m] = malloc(sizeof(expr) * n);
        T->cdep[m] = calloc(n, sizeof(unsigned));
        if (!T->cache[m] || !T->cdep[m])
            return -1;
        for (size_t i = 0; i < n; i++)
            T->cache[m][i] = CACHE_UNSET;
    }
    return 0;
}

void ptrans_free(ptrans *T)
{
    for (int m = 0; m < 2; m++) {
        free(T->cache[m]);
        free(T->cdep[m]);
    }
}

static expr tfail(ptrans *T, const char *what, const char *id)
{
    if (!T->err[0])
        snprintf(T->err, sizeof T->err, "%.400s: '%.200s': %.300s",
                 T->file ? T->file : T->P->sbml_path,
                 id ? id : "?", what);
    return EXPR_NONE;
}

/* the condition override of column c applied to the default value e */
static expr override(ptrans *T, const pcolumn *c, expr e, unsigned *dep)
{
    expr_graph *g = T->g;
    if (c->flag < 0) {
        *dep = 0;
        return expr_constant(g, c->num);
    }
    expr keep = expr_sub(g, expr_num(g, 1.0), expr_constant(g, c->flag));
    expr sum = expr_constant(g, c->num);
    for (int q = 0; q < c->nref; q++) {
        unsigned d = 0;
        expr v = ptrans_sym(T, c->ref_sym[q], PMODE_DYN, &d);
        *dep |= d;
        expr w = expr_constant(g, c->ref_c[q]);
        sum = expr_add(g, sum, expr_mul(g, w, v));
        keep = expr_sub(g, keep, w);
    }
    return expr_add(g, sum, expr_mul(g, keep, e));
}

/* a state's initial value (before any condition override) */
static expr initial_value(ptrans *T, int i, unsigned *dep)
{
    const psym *s = &T->P->sym[i];
    if (s->init)
        return ptrans_math(T, s->init, PMODE_INIT, NULL, dep);
    if (!isfinite(s->value))
        return tfail(T, "has no initial value", s->id);
    expr v = expr_num(T->g, s->value);
    if (!s->species || (s->hosu == s->init_amount))
        return v;
    unsigned d = 0;
    expr V = ptrans_sym(T, s->compartment, PMODE_INIT, &d);
    *dep |= d;
    /* amount given, concentration wanted: divide; concentration given, amount wanted: multiply */
    return s->init_amount ? expr_div(T->g, v, V) : expr_mul(T->g, v, V);
}

expr ptrans_sym(ptrans *T, int i, int mode, unsigned *dep)
{
    const psym *s = &T->P->sym[i];
    expr *slot = &T->cache[mode][i];
    if (*slot == CACHE_BUSY)
        return tfail(T, "is defined in terms of itself", s->id);
    if (*slot != CACHE_UNSET) {
        *dep |= T->cdep[mode][i];
        return *slot;
    }
    *slot = CACHE_BUSY;
    const char *outer = T->where;
    T->where = s->id;
    unsigned d = 0;
    expr e = EXPR_NONE;
    int overridable = 1;
    switch (s->kind) {
    case PSYM_STATE:
        if (mode == PMODE_DYN) {
            e = expr_state(T->g, s->state);
            d = PDEP_X;
            overridable = 0;   /* a condition sets the initial value, not the trajectory */
        } else {
            e = initial_value(T, i, &d);
        }
        break;
    case PSYM_ASSIGN:
        e = ptrans_math(T, s->math, mode, NULL, &d);
        overridable = 0;
        break;
    case PSYM_VALUE:
        if (s->theta >= 0) {
            e = expr_param(T->g, s->theta);
            d = PDEP_P;
        } else if (s->init) {
            e = ptrans_math(T, s->init, PMODE_INIT, NULL, &d);
        } else if (isfinite(s->value)) {
            e = expr_num(T->g, s->value);
        } else if (s->cond_col >= 0 && T->P->col[s->cond_col].flag < 0) {
            e = expr_num(T->g, 0.0);   /* every condition sets it */
        } else {
            e = tfail(T, "has no value", s->id);
        }
        break;
    }
    if (overridable && s->cond_col >= 0 && e != EXPR_NONE)
        e = override(T, &T->P->col[s->cond_col], e, &d);
    T->where = outer;
    *slot = e == EXPR_NONE ? CACHE_UNSET : e;
    T->cdep[mode][i] = d;
    *dep |= d;
    return e;
}

static expr step(ptrans *T, expr a, unsigned da, int at_zero, const char *where)
{
    if (da & PDEP_X)
        return tfail(T, "a comparison on the state (a state-dependent switch) is not supported",
                     where);
    if ((da & PDEP_T) && (da & PDEP_P))
        return tfail(T, "a switch at a parameter-dependent time is not supported", where);
    return expr_step(T->g, a, at_zero);
}

/* is the node a plain number (then return it in *v) */
static int constant_node(const ASTNode_t *n, double *v)
{
    switch (ASTNode_getType(n)) {
    case AST_INTEGER: *v = (double)ASTNode_getInteger(n); return 1;
    case AST_REAL: case AST_REAL_E: case AST_RATIONAL: *v = ASTNode_getReal(n); return 1;
    case AST_MINUS:
        if (ASTNode_getNumChildren(n) == 1 && constant_node(ASTNode_getChild(n, 0), v)) {
            *v = -*v;
            return 1;
        }
        return 0;
    default: return 0;
    }
}

/* 1 if the two trees print as the same formula */
static int same_formula(const ASTNode_t *a, const ASTNode_t *b)
{
    char *fa = SBML_formulaToL3String(a), *fb = SBML_formulaToL3String(b);
    const int same = fa && fb && strcmp(fa, fb) == 0;
    free(fa);
    free(fb);
    return same;
}

/* piecewise(a − b, a > b, 0) (or ≥; or b − a with a < b, a ≤ b) is max(a − b, 0): continuous
 * where the comparison switches, so even a switch on the state leaves the solution's
 * sensitivities continuous, and the derivative of the branch taken is exact.  Returns
 * H(a − b)(a − b), or EXPR_NONE when n is not of this form. */
static expr continuous_ramp(ptrans *T, const ASTNode_t *n, int mode, const pscope *scope,
                            unsigned *dep)
{
    double zero;
    if (ASTNode_getNumChildren(n) != 3 || !constant_node(ASTNode_getChild(n, 2), &zero) ||
        zero != 0.0)
        return EXPR_NONE;
    const ASTNode_t *v = ASTNode_getChild(n, 0), *c = ASTNode_getChild(n, 1);
    const ASTNodeType_t ct = ASTNode_getType(c);
    if (ASTNode_getType(v) != AST_MINUS || ASTNode_getNumChildren(v) != 2 ||
        ASTNode_getNumChildren(c) != 2)
        return EXPR_NONE;
    const int greater = ct == AST_RELATIONAL_GT || ct == AST_RELATIONAL_GEQ;
    const int less = ct == AST_RELATIONAL_LT || ct == AST_RELATIONAL_LEQ;
    const ASTNode_t *hi = ASTNode_getChild(c, greater ? 0 : 1);
    const ASTNode_t *lo = ASTNode_getChild(c, greater ? 1 : 0);
    if (!(greater || less) || !same_formula(ASTNode_getChild(v, 0), hi) ||
        !same_formula(ASTNode_getChild(v, 1), lo))
        return EXPR_NONE;
    expr diff = ptrans_math(T, v, mode, scope, dep);
    return expr_mul(T->g, expr_step(T->g, diff, 0), diff);
}

/* a user function: bind its arguments, translate its body */
static expr call(ptrans *T, const ASTNode_t *n, int mode, const pscope *scope, unsigned *dep)
{
    const char *name = ASTNode_getName(n);
    FunctionDefinition_t *fd = Model_getFunctionDefinitionById(T->P->sbml, name);
    if (!fd || !FunctionDefinition_getBody(fd))
        return tfail(T, "calls an unknown function", name);
    const unsigned na = FunctionDefinition_getNumArguments(fd);
    if (na != ASTNode_getNumChildren(n))
        return tfail(T, "is called with the wrong number of arguments", name);
    pscope *bind = calloc(na ? na : 1, sizeof *bind);
    if (!bind)
        return tfail(T, "out of memory", name);
    for (unsigned k = 0; k < na; k++) {
        const ASTNode_t *arg = FunctionDefinition_getArgument(fd, k);
        bind[k].name = ASTNode_getName(arg);
        bind[k].dep = 0;
        bind[k].value = ptrans_math(T, ASTNode_getChild(n, k), mode, scope, &bind[k].dep);
        bind[k].next = k + 1 < na ? &bind[k + 1] : NULL;   /* a function body sees only its arguments */
    }
    expr e = ptrans_math(T, FunctionDefinition_getBody(fd), mode, na ? bind : NULL, dep);
    free(bind);
    return e;
}

static expr name_value(ptrans *T, const ASTNode_t *n, int mode, const pscope *scope,
                       unsigned *dep)
{
    const char *name = ASTNode_getName(n);
    for (const pscope *s = scope; s; s = s->next)
        if (strcmp(s->name, name) == 0) {
            *dep |= s->dep;
            return s->value;
        }
    const int i = petab_sym_find(T->P, name);
    if (i >= 0)
        return ptrans_sym(T, i, mode, dep);
    if (strcmp(name, "time") == 0 || strcmp(name, "t") == 0) {
        if (mode == PMODE_INIT)
            return expr_num(T->g, 0.0);
        *dep |= PDEP_T;
        T->uses_time = 1;
        return expr_time(T->g);
    }
    char what[300];
    snprintf(what, sizeof what, "unknown id '%.200s' in a formula", name);
    return tfail(T, what, T->where ? T->where : name);
}

expr ptrans_math(ptrans *T, const ASTNode_t *n, int mode, const pscope *scope, unsigned *dep)
{
    expr_graph *g = T->g;
    if (!n || T->err[0])
        return EXPR_NONE;
    const unsigned nc = ASTNode_getNumChildren(n);
    expr a[2] = {EXPR_NONE, EXPR_NONE};
    unsigned da[2] = {0, 0};
    double v;
    if (constant_node(n, &v))
        return expr_num(g, v);
    const ASTNodeType_t type = ASTNode_getType(n);
    switch (type) {
    case AST_NAME: return name_value(T, n, mode, scope, dep);
    case AST_NAME_TIME:
        if (mode == PMODE_INIT)
            return expr_num(g, 0.0);
        *dep |= PDEP_T;
        T->uses_time = 1;
        return expr_time(g);
    case AST_NAME_AVOGADRO: return expr_num(g, 6.02214076e23);
    case AST_CONSTANT_E: return expr_num(g, M_E);
    case AST_CONSTANT_PI: return expr_num(g, M_PI);
    case AST_CONSTANT_TRUE: return expr_num(g, 1.0);
    case AST_CONSTANT_FALSE: return expr_num(g, 0.0);
    case AST_FUNCTION: return call(T, n, mode, scope, dep);
    case AST_PLUS: case AST_TIMES: case AST_LOGICAL_AND: case AST_LOGICAL_OR:
    case AST_LOGICAL_XOR: {
        const int times = type == AST_TIMES || type == AST_LOGICAL_AND;
        expr acc = expr_num(g, times ? 1.0 : 0.0);
        if (type == AST_LOGICAL_OR)
            acc = expr_num(g, 1.0);   /* Π (1 − c_k), complemented at the end */
        for (unsigned k = 0; k < nc; k++) {
            expr c = ptrans_math(T, ASTNode_getChild(n, k), mode, scope, dep);
            if (k == 0 && (type == AST_PLUS || times || type == AST_LOGICAL_XOR)) {
                acc = c;
                continue;
            }
            switch (type) {
            case AST_PLUS: acc = expr_add(g, acc, c); break;
            case AST_LOGICAL_OR: acc = expr_mul(g, acc, expr_sub(g, expr_num(g, 1.0), c)); break;
            case AST_LOGICAL_XOR:
                acc = expr_sub(g, expr_add(g, acc, c), expr_scale(g, expr_mul(g, acc, c), 2.0));
                break;
            default: acc = expr_mul(g, acc, c); break;
            }
        }
        if (type == AST_LOGICAL_OR)
            acc = expr_sub(g, expr_num(g, 1.0), acc);
        return acc;
    }
    default:
        break;
    }
    if (type == AST_FUNCTION_PIECEWISE) {
        expr ramp = continuous_ramp(T, n, mode, scope, dep);
        if (ramp != EXPR_NONE || T->err[0])
            return ramp;
    }
    /* fixed-arity operations: translate the (first two) children */
    for (unsigned k = 0; k < nc && k < 2; k++)
        a[k] = ptrans_math(T, ASTNode_getChild(n, k), mode, scope, &da[k]);
    *dep |= da[0] | da[1];
    const char *where = T->where ? T->where : "maths";
    switch (type) {
    case AST_MINUS:
        if (nc == 1)
            return expr_neg(g, a[0]);
        if (nc == 2)
            return expr_sub(g, a[0], a[1]);
        break;
    case AST_DIVIDE:
        if (nc == 2)
            return expr_div(g, a[0], a[1]);
        break;
    case AST_POWER: case AST_FUNCTION_POWER:
        if (nc == 2) {
            if (constant_node(ASTNode_getChild(n, 1), &v))
                return v == 1.0 ? a[0] : expr_powc(g, a[0], v);
            return expr_pow(g, a[0], a[1]);
        }
        break;
    case AST_FUNCTION_ROOT:
        if (nc == 1)
            return expr_sqrt(g, a[0]);
        if (nc == 2 && constant_node(ASTNode_getChild(n, 0), &v))
            return v == 2.0 ? expr_sqrt(g, a[1]) : expr_powc(g, a[1], 1.0 / v);
        if (nc == 2)
            return expr_pow(g, a[1], expr_div(g, expr_num(g, 1.0), a[0]));
        break;
    case AST_FUNCTION_EXP: if (nc == 1) return expr_exp(g, a[0]); break;
    case AST_FUNCTION_LN: if (nc == 1) return expr_log(g, a[0]); break;
    case AST_FUNCTION_LOG:
        if (nc == 1)
            return expr_scale(g, expr_log(g, a[0]), 1.0 / M_LN10);
        if (nc == 2) {
            if (constant_node(ASTNode_getChild(n, 0), &v))
                return expr_scale(g, expr_log(g, a[1]), 1.0 / log(v));
            return expr_div(g, expr_log(g, a[1]), expr_log(g, a[0]));
        }
        break;
    case AST_FUNCTION_SIN: if (nc == 1) return expr_sin(g, a[0]); break;
    case AST_FUNCTION_COS: if (nc == 1) return expr_cos(g, a[0]); break;
    case AST_FUNCTION_TAN:
        if (nc == 1)
            return expr_div(g, expr_sin(g, a[0]), expr_cos(g, a[0]));
        break;
    case AST_FUNCTION_TANH: if (nc == 1) return expr_tanh(g, a[0]); break;
    case AST_FUNCTION_ABS:
        if (nc == 1) {
            /* |a| = a (2 H(a) − 1): the sign has derivative 0 away from a = 0 */
            expr sign = expr_shift(g, expr_scale(g, expr_step(g, a[0], 0), 2.0), -1.0);
            return expr_mul(g, a[0], sign);
        }
        break;
    case AST_FUNCTION_MAX: case AST_FUNCTION_MIN:
        if (nc == 2) {
            /* max(a, b) = b + H(a − b)(a − b); min likewise with the comparison turned */
            expr diff = expr_sub(g, a[0], a[1]);
            expr h = step(T, type == AST_FUNCTION_MAX ? diff : expr_neg(g, diff), da[0] | da[1],
                          0, where);
            return expr_add(g, a[1], expr_mul(g, h, diff));
        }
        break;
    case AST_LOGICAL_NOT:
        if (nc == 1)
            return expr_sub(g, expr_num(g, 1.0), a[0]);
        break;
    case AST_RELATIONAL_GT: case AST_RELATIONAL_GEQ: case AST_RELATIONAL_LT:
    case AST_RELATIONAL_LEQ: case AST_RELATIONAL_EQ: case AST_RELATIONAL_NEQ: {
        if (nc != 2)
            break;
        const unsigned d = da[0] | da[1];
        if (mode == PMODE_DYN && (d & PDEP_T) && !(d & PDEP_X)) {
            /* a switch in time: a breakpoint's phase where its time moves with θ */
            const char *why;
            expr phase = petab_break_compare(T, n, scope, d, &why);
            if (phase != EXPR_NONE)
                return phase;
            if (why)
                return tfail(T, why, where);
        }
        expr ab = expr_sub(g, a[0], a[1]), ba = expr_sub(g, a[1], a[0]);
        switch (type) {
        case AST_RELATIONAL_GT: return step(T, ab, d, 0, where);
        case AST_RELATIONAL_GEQ: return step(T, ab, d, 1, where);
        case AST_RELATIONAL_LT: return step(T, ba, d, 0, where);
        case AST_RELATIONAL_LEQ: return step(T, ba, d, 1, where);
        default: {
            expr eq = expr_mul(g, step(T, ab, d, 1, where), step(T, ba, d, 1, where));
            return type == AST_RELATIONAL_EQ ? eq : expr_sub(g, expr_num(g, 1.0), eq);
        }
        }
    }
    case AST_FUNCTION_PIECEWISE: {
        /* fold from the last pair: acc = c_k v_k + (1 − c_k) acc */
        expr acc;
        int k = (int)nc;
        if (nc % 2 == 1) {
            acc = ptrans_math(T, ASTNode_getChild(n, nc - 1), mode, scope, dep);
            k = (int)nc - 1;
        } else {
            acc = expr_num(g, 0.0);
        }
        for (k -= 2; k >= 0; k -= 2) {
            expr val = ptrans_math(T, ASTNode_getChild(n, (unsigned)k), mode, scope, dep);
            expr cond = ptrans_math(T, ASTNode_getChild(n, (unsigned)k + 1), mode, scope, dep);
            acc = expr_add(g, expr_mul(g, cond, val),
                           expr_mul(g, expr_sub(g, expr_num(g, 1.0), cond), acc));
        }
        return acc;
    }
    default:
        break;
    }
    char what[160];
    char *formula = SBML_formulaToL3String(n);
    snprintf(what, sizeof what, "unsupported maths: %.100s", formula ? formula : "?");
    free(formula);
    return tfail(T, what, where);
}
