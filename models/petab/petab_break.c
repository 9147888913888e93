/* petab_break — time discontinuities of an SBML model as the model layer's breakpoints
 * (core/model/model_break.c holds the integration side and the sensitivity jumps).
 *
 * Two SBML constructs switch at a time t_e:
 *   - a comparison of time with an expression of parameters and conditions, e.g.
 *     piecewise(a, lt(time, t_e), b) or (time − tau) < 0: where t_e depends on θ the
 *     solution's sensitivities jump at t_e, so the comparison becomes the breakpoint's phase
 *     φ_e (0 before t_e, 1 from t_e on) instead of a step of (t − t_e) inside the graph;
 *     time < t_e and time ≤ t_e read 1 − φ_e, time > t_e and time ≥ t_e read φ_e (the two differ
 *     at t = t_e alone, where the solution is taken right-continuous).  A comparison with a
 *     time that does not depend on θ stays a step in the graph (its sensitivities are
 *     continuous), unless an event already makes that time a breakpoint.
 *   - an event whose trigger is time ≥ t_e (or time > t_e, or t_e ≤ time, …): its event
 *     assignments are the breakpoint's jump x⁺ = g(x⁻), evaluated with the values just before
 *     the event (SBML's default, useValuesFromTriggerTime, without delay).
 * One breakpoint per distinct t_e (by its formula): events at one time and a switch at it
 * share it, and their assignments together form one jump.  Refused with a message: a delay,
 * a priority, a trigger that is not such a comparison, an assignment to something that is not
 * a state, a jump that reads time, two assignments to one state at one time, a switch time
 * that depends on the state or is named inside a function definition's arguments.  An event
 * whose time is at or before the start (t0 = 0) does not fire. */
#include "petab_impl.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static int is_time(const petab_problem *P, const ASTNode_t *n)
{
    if (ASTNode_getType(n) == AST_NAME_TIME)
        return 1;
    return ASTNode_getType(n) == AST_NAME && strcmp(ASTNode_getName(n), "time") == 0 &&
           petab_sym_find(P, "time") < 0;
}

/* n = time + sign·E (E may be NULL): 1 if n has that form */
static int time_form(const petab_problem *P, const ASTNode_t *n, const ASTNode_t **E, int *sign)
{
    *E = NULL;
    *sign = 0;
    if (is_time(P, n))
        return 1;
    const ASTNodeType_t t = ASTNode_getType(n);
    if (ASTNode_getNumChildren(n) != 2 || (t != AST_MINUS && t != AST_PLUS))
        return 0;
    const ASTNode_t *a = ASTNode_getChild(n, 0), *b = ASTNode_getChild(n, 1);
    if (is_time(P, a)) {
        *E = b;
        *sign = t == AST_MINUS ? -1 : 1;
        return 1;
    }
    if (t == AST_PLUS && is_time(P, b)) {
        *E = a;
        *sign = 1;
        return 1;
    }
    return 0;
}

/* Solve the comparison l ⋈ r for time: t_e (a new tree) and whether time is on the left. */
static ASTNode_t *switch_time(const petab_problem *P, const ASTNode_t *l, const ASTNode_t *r,
                              int *time_left)
{
    const ASTNode_t *E;
    int sign;
    const ASTNode_t *other;
    if (time_form(P, l, &E, &sign)) {
        *time_left = 1;
        other = r;          /* time + sE ⋈ r  ⇔  time ⋈ r − sE */
    } else if (time_form(P, r, &E, &sign)) {
        *time_left = 0;
        other = l;          /* l ⋈ time + sE  ⇔  l − sE ⋈ time */
    } else {
        return NULL;
    }
    ASTNode_t *te = ASTNode_deepCopy(other);
    if (!E)
        return te;
    ASTNode_t *sum = ASTNode_createWithType(sign > 0 ? AST_MINUS : AST_PLUS);
    ASTNode_addChild(sum, te);
    ASTNode_addChild(sum, ASTNode_deepCopy(E));
    return sum;
}

/* the breakpoint with time te (taking te), added while the registry is open; -1 if absent */
static int find_or_add(pbreaks *B, ASTNode_t *te)
{
    char *key = SBML_formulaToL3String(te);
    if (!key) {
        ASTNode_free(te);
        return -1;
    }
    for (int e = 0; e < B->n; e++)
        if (strcmp(B->b[e].key, key) == 0) {
            free(key);
            ASTNode_free(te);
            return e;
        }
    if (!B->open || B->n >= PETAB_MAX_BREAKS) {
        free(key);
        ASTNode_free(te);
        return -1;
    }
    pbreak *b = &B->b[B->n];
    memset(b, 0, sizeof *b);
    b->key = key;
    b->time = te;
    return B->n++;
}

static int has_scoped_name(const ASTNode_t *n, const pscope *scope)
{
    if (ASTNode_getType(n) == AST_NAME)
        for (const pscope *s = scope; s; s = s->next)
            if (strcmp(s->name, ASTNode_getName(n)) == 0)
                return 1;
    for (unsigned k = 0; k < ASTNode_getNumChildren(n); k++)
        if (has_scoped_name(ASTNode_getChild(n, k), scope))
            return 1;
    return 0;
}

expr petab_break_compare(ptrans *T, const ASTNode_t *n, const pscope *scope, unsigned dep,
                         const char **why)
{
    const petab_problem *P = T->P;
    pbreaks *B = P->brk;
    *why = NULL;
    if (ASTNode_getNumChildren(n) != 2)
        return EXPR_NONE;
    int time_left;
    ASTNode_t *te = switch_time(P, ASTNode_getChild(n, 0), ASTNode_getChild(n, 1), &time_left);
    if (!te) {
        if (dep & PDEP_P)
            *why = "a switch at a parameter-dependent time must compare time (or time - x) "
                   "with an expression of parameters";
        return EXPR_NONE;
    }
    const ASTNodeType_t type = ASTNode_getType(n);
    if (type == AST_RELATIONAL_EQ || type == AST_RELATIONAL_NEQ) {
        ASTNode_free(te);
        if (dep & PDEP_P)
            *why = "an equality with a parameter-dependent time is not supported";
        return EXPR_NONE;
    }
    if (scope && has_scoped_name(te, scope)) {
        ASTNode_free(te);
        if (dep & PDEP_P)
            *why = "a switch time named by a function argument or a local parameter is not "
                   "supported";
        return EXPR_NONE;
    }
    /* a fixed time stays a step in the graph unless an event made it a breakpoint */
    const int open = B->open;
    if (!(dep & PDEP_P))
        B->open = 0;
    const int e = find_or_add(B, te);
    B->open = open;
    if (e < 0) {
        if (dep & PDEP_P)
            *why = B->n >= PETAB_MAX_BREAKS ? "too many switch times"
                                            : "a switch time found after the import";
        return EXPR_NONE;
    }
    expr phi = expr_constant(T->g, B->phase + e);
    const int after = (type == AST_RELATIONAL_GT || type == AST_RELATIONAL_GEQ) == time_left;
    return after ? phi : expr_sub(T->g, expr_num(T->g, 1.0), phi);
}

static int fail(char *err, size_t errlen, const char *path, const char *id, const char *what)
{
    snprintf(err, errlen, "%s: event '%s': %s", path, id ? id : "?", what);
    return -1;
}

int petab_breaks_load_events(petab_problem *P, char *err, size_t errlen)
{
    pbreaks *B = calloc(1, sizeof *B);
    if (!B)
        return fail(err, errlen, P->sbml_path, NULL, "out of memory");
    P->brk = B;
    B->open = 1;
    const unsigned nev = Model_getNumEvents(P->sbml);
    for (unsigned q = 0; q < nev; q++) {
        Event_t *ev = Model_getEvent(P->sbml, q);
        const char *id = Event_getId(ev);
        if (Event_isSetDelay(ev))
            return fail(err, errlen, P->sbml_path, id, "an event with a delay is not supported");
        if (Event_isSetPriority(ev))
            return fail(err, errlen, P->sbml_path, id,
                        "an event with a priority is not supported");
        Trigger_t *tr = Event_getTrigger(ev);
        const ASTNode_t *m = tr ? Trigger_getMath(tr) : NULL;
        const ASTNodeType_t t = m ? ASTNode_getType(m) : AST_UNKNOWN;
        int time_left = 0;
        ASTNode_t *te = NULL;
        if (t == AST_RELATIONAL_GT || t == AST_RELATIONAL_GEQ || t == AST_RELATIONAL_LT ||
            t == AST_RELATIONAL_LEQ)
            te = switch_time(P, ASTNode_getChild(m, 0), ASTNode_getChild(m, 1), &time_left);
        /* the trigger must turn true as time passes t_e: time ≥ t_e, or t_e ≤ time */
        const int rising = (t == AST_RELATIONAL_GT || t == AST_RELATIONAL_GEQ) == time_left;
        if (!te || !rising) {
            ASTNode_free(te);
            return fail(err, errlen, P->sbml_path, id,
                        "only time-triggered events (trigger: time >= t_e) are supported; "
                        "a state-triggered event is not");
        }
        const int e = find_or_add(B, te);
        if (e < 0)
            return fail(err, errlen, P->sbml_path, id, "too many event times");
        pbreak *b = &B->b[e];
        if (!b->event)
            b->event = id;
        const unsigned na = Event_getNumEventAssignments(ev);
        for (unsigned k = 0; k < na; k++) {
            EventAssignment_t *ea = Event_getEventAssignment(ev, k);
            const char *var = EventAssignment_getVariable(ea);
            const int s = petab_sym_find(P, var);
            if (s < 0 || P->sym[s].kind != PSYM_STATE)
                return fail(err, errlen, P->sbml_path, id, "an event assignment to something "
                            "that is not a species or a rate-rule target is not supported");
            const int state = P->sym[s].state;
            for (int r = 0; r < b->nassign; r++)
                if (b->target[r] == state)
                    return fail(err, errlen, P->sbml_path, id,
                                "two events assign one state at the same time");
            int *tg = realloc(b->target, sizeof *tg * (size_t)(b->nassign + 1));
            if (tg)
                b->target = tg;
            const ASTNode_t **vl = realloc(b->value, sizeof *vl * (size_t)(b->nassign + 1));
            if (vl)
                b->value = vl;
            if (!tg || !vl)
                return fail(err, errlen, P->sbml_path, id, "out of memory");
            b->target[b->nassign] = state;
            b->value[b->nassign] = EventAssignment_getMath(ea);
            b->nassign++;
        }
    }
    return 0;
}

void petab_breaks_free(petab_problem *P)
{
    pbreaks *B = P->brk;
    if (!B)
        return;
    for (int e = 0; e < B->n; e++) {
        free(B->b[e].key);
        ASTNode_free(B->b[e].time);
        free(B->b[e].target);
        free(B->b[e].value);
    }
    free(B);
    P->brk = NULL;
}

static void record(petab_problem *P, const ptrans *T, expr_graph *g)
{
    if (T->err[0] && !P->err[0])
        snprintf(P->err, sizeof P->err, "%s", T->err);
    if (T->err[0])
        expr_state(g, -1);   /* make the graph fail so that compilation reports an error */
}

/* (p, c) -> t_e for every breakpoint */
expr petab_break_times(expr_graph *g, const model *m)
{
    petab_problem *P = m->data;
    const pbreaks *B = P->brk;
    ptrans T;
    expr out = EXPR_NONE;
    expr *te = malloc(sizeof(expr) * (size_t)(B->n ? B->n : 1));
    if (ptrans_init(&T, g, P) == 0 && te) {
        for (int e = 0; e < B->n && !T.err[0]; e++) {
            unsigned dep = 0;
            T.where = B->b[e].key;
            te[e] = ptrans_math(&T, B->b[e].time, PMODE_DYN, NULL, &dep);
            if (dep & (PDEP_X | PDEP_T)) {
                snprintf(T.err, sizeof T.err, "%.400s: the switch or event time '%.200s' "
                         "depends on %s; only times given by parameters are supported",
                         P->sbml_path, B->b[e].key, dep & PDEP_X ? "the state" : "time");
            }
        }
        if (!T.err[0])
            out = expr_concat(g, B->n, te);
    }
    record(P, &T, g);
    free(te);
    ptrans_free(&T);
    return out;
}

/* (t, x, p, c) -> x⁺ for every breakpoint: the event assignments, other states unchanged */
expr petab_break_jumps(expr_graph *g, const model *m)
{
    petab_problem *P = m->data;
    const pbreaks *B = P->brk;
    const int nx = P->nx;
    ptrans T;
    expr out = EXPR_NONE;
    expr *x = malloc(sizeof(expr) * (size_t)(B->n ? B->n : 1) * (size_t)nx);
    if (ptrans_init(&T, g, P) == 0 && x) {
        for (int e = 0; e < B->n && !T.err[0]; e++) {
            const pbreak *b = &B->b[e];
            for (int i = 0; i < nx; i++)
                x[(size_t)e * nx + i] = expr_state(g, i);
            for (int r = 0; r < b->nassign && !T.err[0]; r++) {
                unsigned dep = 0;
                T.where = b->event;
                expr v = ptrans_math(&T, b->value[r], PMODE_DYN, NULL, &dep);
                if (dep & PDEP_T)
                    snprintf(T.err, sizeof T.err, "%.400s: event '%.200s': an event assignment "
                             "that reads time is not supported", P->sbml_path, b->event);
                x[(size_t)e * nx + b->target[r]] = v;
            }
        }
        if (!T.err[0])
            out = expr_concat(g, B->n * nx, x);
    }
    record(P, &T, g);
    free(x);
    ptrans_free(&T);
    return out;
}

int petab_break_has_jumps(const petab_problem *P)
{
    for (int e = 0; P->brk && e < P->brk->n; e++)
        if (P->brk->b[e].nassign > 0)
            return 1;
    return 0;
}
