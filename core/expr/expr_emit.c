/* expr_emit — a compiled program written out as plain C (see expr_kernel.h).
 *
 * Each sweep of expr_eval.c becomes one C function that visits the same instruction stream in
 * the same order and evaluates, for every scalar node, the same arithmetic in the same order
 * as the interpreter's rule for it — only with the operands' offsets and the constants written
 * in, so the compiler can keep values in registers instead of dispatching on an opcode per
 * node.  Without -ffast-math and with floating-point contraction off (see expr_kbuild.c) the
 * C compiler may not reassociate, so both kernel kinds round identically.  Vector nodes become
 * loops; matrix-vector products (CBLAS), time inputs and data rows are handed back to the
 * interpreter's per-node rule through the context's callback.
 *
 * Every function is cut into pieces of at most EMIT_CHUNK instructions, each its own
 * (non-inlined) function, so the compiler's time grows linearly with the program; how the
 * instructions of a piece are arranged (fused loops, local values) is expr_fuse.c. */
#include "expr_emit_impl.h"
#include "expr_kabi.h"
#include "expr_kernel_impl.h"

#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

_Static_assert(EXPR_K_COUNT == 16, "the table text below has 16 functions");

/* ---- the text buffer ----------------------------------------------------------------------- */

void emit_put(emit_text *b, const char *fmt, ...)
{
    if (b->failed)
        return;
    for (;;) {
        va_list ap;
        va_start(ap, fmt);
        /* an empty buffer is only measured (no pointer arithmetic on NULL) */
        const int n = vsnprintf(b->s ? b->s + b->len : NULL, b->cap - b->len, fmt, ap);
        va_end(ap);
        if (n < 0) {
            b->failed = 1;
            return;
        }
        if ((size_t)n < b->cap - b->len) {
            b->len += (size_t)n;
            return;
        }
        size_t ncap = b->cap ? 2 * b->cap : 65536;
        while (ncap - b->len <= (size_t)n)
            ncap *= 2;
        char *ns = realloc(b->s, ncap);
        if (!ns) {
            b->failed = 1;
            return;
        }
        b->s = ns;
        b->cap = ncap;
    }
}

void emit_text_clear(emit_text *b)
{
    b->len = 0;
    if (b->s)
        b->s[0] = 0;
}

/* a double as a C literal that converts back to exactly the same value */
static const char *lit(char *buf, size_t n, double k)
{
    if (isnan(k))
        snprintf(buf, n, "(0.0/0.0)");
    else if (isinf(k))
        snprintf(buf, n, k > 0 ? "(1.0/0.0)" : "(-1.0/0.0)");
    else
        snprintf(buf, n, "(%a)", k);
    return buf;
}

/* ---- local derivative formulas, as text (the same as unary_value / unary_derivs) ------------ */

/* powc_value(a, k) with a the operand's text */
static void powc_text(char *out, size_t n, const char *a, double k)
{
    char kb[48];
    if (k == 2.0)
        snprintf(out, n, "(%s*%s)", a, a);
    else if (k == 1.0)
        snprintf(out, n, "%s", a);
    else if (k == 3.0)
        snprintf(out, n, "(%s*%s*%s)", a, a, a);
    else if (k == -1.0)
        snprintf(out, n, "(1.0/%s)", a);
    else if (k == 0.5)
        snprintf(out, n, "sqrt(%s)", a);
    else
        snprintf(out, n, "pow(%s,%s)", a, lit(kb, sizeof kb, k));
}

static void value_text(char *out, size_t n, int op, double k, const char *a)
{
    char kb[48];
    switch (op) {
    case OP_NEG: snprintf(out, n, "(-%s)", a); break;
    case OP_SCALE: snprintf(out, n, "(%s*%s)", lit(kb, sizeof kb, k), a); break;
    case OP_SHIFT: snprintf(out, n, "(%s+%s)", a, lit(kb, sizeof kb, k)); break;
    case OP_POWC: powc_text(out, n, a, k); break;
    case OP_EXP: snprintf(out, n, "exp(%s)", a); break;
    case OP_LOG: snprintf(out, n, "log(%s)", a); break;
    case OP_SQRT: snprintf(out, n, "sqrt(%s)", a); break;
    case OP_TANH: snprintf(out, n, "tanh(%s)", a); break;
    case OP_SIN: snprintf(out, n, "sin(%s)", a); break;
    case OP_STEP:   /* the Heaviside step, with its value k at 0 */
        snprintf(out, n, "(%s>0.0?1.0:%s<0.0?0.0:%s)", a, a, lit(kb, sizeof kb, k));
        break;
    case OP_COS: snprintf(out, n, "cos(%s)", a); break;
    /* an operation without a rule here must not compile into a wrong kernel: the compiler
     * rejects this text and the model keeps the interpreter, with a notice */
    default: snprintf(out, n, "odegrad_emit_has_no_rule_for_operation_%d", op); break;
    }
}

/* φ' and φ'' of c = φ(a), with a and c the texts of the operand and the result */
static void derivs_text(char *f1, char *f2, size_t n, int op, double k, const char *a,
                        const char *c)
{
    char kb[48], kb2[48], pw[160];
    switch (op) {
    case OP_NEG: snprintf(f1, n, "(-1.0)"); snprintf(f2, n, "0.0"); break;
    case OP_SCALE: snprintf(f1, n, "%s", lit(kb, sizeof kb, k)); snprintf(f2, n, "0.0"); break;
    case OP_SHIFT: snprintf(f1, n, "1.0"); snprintf(f2, n, "0.0"); break;
    case OP_POWC:
        if (k == 2.0) {
            snprintf(f1, n, "(2.0*%s)", a);
            snprintf(f2, n, "2.0");
        } else if (k == 1.0) {
            snprintf(f1, n, "1.0");
            snprintf(f2, n, "0.0");
        } else {
            powc_text(pw, sizeof pw, a, k - 1.0);
            snprintf(f1, n, "(%s*%s)", lit(kb, sizeof kb, k), pw);
            powc_text(pw, sizeof pw, a, k - 2.0);
            snprintf(f2, n, "(%s*%s)", lit(kb2, sizeof kb2, k * (k - 1.0)), pw);
        }
        break;
    case OP_EXP: snprintf(f1, n, "%s", c); snprintf(f2, n, "%s", c); break;
    case OP_LOG: snprintf(f1, n, "(1.0/%s)", a); snprintf(f2, n, "(-1.0/(%s*%s))", a, a); break;
    case OP_SQRT: snprintf(f1, n, "(0.5/%s)", c); snprintf(f2, n, "(-0.25/(%s*%s))", c, a); break;
    case OP_TANH:
        snprintf(f1, n, "(1.0-%s*%s)", c, c);
        snprintf(f2, n, "(-2.0*%s*(1.0-%s*%s))", c, c, c);
        break;
    case OP_SIN: snprintf(f1, n, "cos(%s)", a); snprintf(f2, n, "(-%s)", c); break;
    case OP_STEP: snprintf(f1, n, "0.0"); snprintf(f2, n, "0.0"); break;   /* piecewise constant */
    case OP_COS: snprintf(f1, n, "(-sin(%s))", a); snprintf(f2, n, "(-%s)", c); break;
    default:   /* as in value_text: no kernel rather than a wrong one */
        snprintf(f1, n, "odegrad_emit_has_no_rule_for_operation_%d", op);
        snprintf(f2, n, "odegrad_emit_has_no_rule_for_operation_%d", op);
        break;
    }
}

/* partials (φ_a, φ_b, φ_aa, φ_ab, φ_bb) of the scalar binary operations, as declarations of
 * pa .. pbb from the operand texts a, b and the result c (binary_partials) */
static void partials_text(emit_text *b, int op, const char *a, const char *bb, const char *c)
{
    switch (op) {
    case OP_MUL:
        emit_put(b, "const double pa=%s,pb=%s,paa=0.0,pab=1.0,pbb=0.0;", bb, a);
        break;
    case OP_DIV:
        emit_put(b,
                 "const double r=1.0/%s;const double pa=r,pb=-%s*r,paa=0.0,pab=-r*r,"
                 "pbb=2.0*%s*r*r;",
                 bb, c, c);
        break;
    case OP_POW:
        emit_put(b,
                 "const double la=log(%s);const double pa=%s*%s/%s,pb=%s*la,"
                 "paa=%s*(%s-1.0)*%s/(%s*%s),pab=%s*(1.0+%s*la)/%s,pbb=%s*la*la;",
                 a, bb, c, a, c, bb, bb, c, a, a, c, bb, a, c);
        break;
    case OP_ADD: emit_put(b, "const double pa=1.0,pb=1.0,paa=0.0,pab=0.0,pbb=0.0;"); break;
    default: emit_put(b, "const double pa=1.0,pb=-1.0,paa=0.0,pab=0.0,pbb=0.0;"); break;
    }
}

/* ---- vector nodes (value_node, tangent_node and adjoint_node of expr_eval.c) ----------------- */

/* Vector element-wise operations, sums, gathers and concatenations are written as loops with
 * their offsets and lengths in place, in every sweep; matrix-vector products (CBLAS), time
 * inputs and data rows stay with the interpreter's rule. */

/* the element i of a node's operand: the node itself when lengths match, else its one value */
static void elem(char *out, size_t n, const char *arr, const expr_node *op, int len)
{
    if (op->len == len)
        snprintf(out, n, "%s[%d+i]", arr, op->off);
    else
        snprintf(out, n, "%s[%d]", arr, op->off);
}

/* A gather's index table and a constant vector's elements are named after their node — g<node>,
 * k<node> — and the rules only read them, gK[i] and kK[i]; node_table declares them, once per
 * instruction, for the piece that holds the instruction (each sweep has one instruction a node,
 * so the names are unique in every function). */
static int node_index(const expr_prog *P, const expr_node *n)
{
    return (int)(n - P->nodes);
}

static void node_table(emit_text *b, const expr_prog *P, const expr_node *n)
{
    char kb[48];
    const int len = n->len, q = node_index(P, n);
    if (n->op == OP_GATHER) {
        emit_put(b, "static const int g%d[%d]={", q, len);
        for (int i = 0; i < len; i++)
            emit_put(b, i ? ",%d" : "%d", P->ints[n->aux + i]);
    } else {
        emit_put(b, "static const double k%d[%d]={", q, len);
        for (int i = 0; i < len; i++)
            emit_put(b, i ? ",%s" : "%s", lit(kb, sizeof kb, P->consts[n->aux + i]));
    }
    emit_put(b, "};\n");
}

/* partials φ_a, φ_b of DIV and POW as pa, pb (binary_partials) */
static void vector_partials(emit_text *b, int op, const char *a, const char *bb, const char *c)
{
    if (op == OP_DIV)
        emit_put(b, "const double r=1.0/%s;const double pa=r,pb=-%s*r;", bb, c);
    else
        emit_put(b, "const double la=log(%s);const double pa=%s*%s/%s,pb=%s*la;", a, bb, c, a, c);
}

static int vector_value(emit_text *b, const expr_prog *P, const expr_node *n)
{
    const int o = n->off, len = n->len;
    char ea[48], eb[48], e[400];
    switch (n->op) {
    case OP_X: case OP_P: case OP_C:
        emit_put(b, "for(int i=0;i<%d;i++)v[%d+i]=%s[%d+i];\n", len, o,
                 n->op == OP_X ? "x" : n->op == OP_P ? "p" : "c", n->aux);
        return 1;
    case OP_CONST_VEC:
        emit_put(b, "for(int i=0;i<%d;i++)v[%d+i]=k%d[i];\n", len, o, node_index(P, n));
        return 1;
    case OP_GATHER:
        emit_put(b, "for(int i=0;i<%d;i++)v[%d+i]=v[%d+g%d[i]];\n", len, o, P->nodes[n->a].off,
                 node_index(P, n));
        return 1;
    case OP_CONCAT: {
        int pos = o;
        for (int k = 0; k < n->a; k++) {
            const expr_node *part = &P->nodes[P->ints[n->aux + k]];
            if (part->len == 1)
                emit_put(b, "v[%d]=v[%d];", pos, part->off);
            else
                emit_put(b, "for(int i=0;i<%d;i++)v[%d+i]=v[%d+i];", part->len, pos, part->off);
            pos += part->len;
        }
        emit_put(b, "\n");
        return 1;
    }
    case OP_SUM: {
        const expr_node *na = &P->nodes[n->a];
        emit_put(b, "{double s=0.0;for(int i=0;i<%d;i++)s+=v[%d+i];v[%d]=s;}\n", na->len, na->off,
                 o);
        return 1;
    }
    default: break;
    }
    if (n->op >= OP_NEG && n->op <= OP_STEP) {
        elem(ea, sizeof ea, "v", &P->nodes[n->a], len);
        value_text(e, sizeof e, n->op, n->k, ea);
        emit_put(b, "for(int i=0;i<%d;i++)v[%d+i]=%s;\n", len, o, e);
        return 1;
    }
    if (n->op >= OP_ADD && n->op <= OP_POW) {
        elem(ea, sizeof ea, "v", &P->nodes[n->a], len);
        elem(eb, sizeof eb, "v", &P->nodes[n->b], len);
        if (n->op == OP_POW)
            emit_put(b, "for(int i=0;i<%d;i++)v[%d+i]=pow(%s,%s);\n", len, o, ea, eb);
        else
            emit_put(b, "for(int i=0;i<%d;i++)v[%d+i]=%s%c%s;\n", len, o, ea,
                     "+-*/"[n->op - OP_ADD], eb);
        return 1;
    }
    return 0;
}

static int vector_tangent(emit_text *b, const expr_prog *P, const expr_node *n)
{
    const int o = n->off, len = n->len;
    char ea[48], eb[48], da[48], db[48], co[48], f1[400], f2[400];
    switch (n->op) {
    case OP_X: case OP_P:
        emit_put(b, "for(int i=0;i<%d;i++)d[%d+i]=%s[%d+i];\n", len, o, n->op == OP_X ? "dx" : "dp",
                 n->aux);
        return 1;
    case OP_GATHER:
        emit_put(b, "for(int i=0;i<%d;i++)d[%d+i]=d[%d+g%d[i]];\n", len, o, P->nodes[n->a].off,
                 node_index(P, n));
        return 1;
    case OP_CONCAT: {
        int pos = o;
        for (int k = 0; k < n->a; k++) {
            const expr_node *part = &P->nodes[P->ints[n->aux + k]];
            emit_put(b, "for(int i=0;i<%d;i++)d[%d+i]=d[%d+i];", part->len, pos, part->off);
            pos += part->len;
        }
        emit_put(b, "\n");
        return 1;
    }
    case OP_SUM: {
        const expr_node *na = &P->nodes[n->a];
        emit_put(b, "{double s=0.0;for(int i=0;i<%d;i++)s+=d[%d+i];d[%d]=s;}\n", na->len, na->off,
                 o);
        return 1;
    }
    default: break;
    }
    snprintf(co, sizeof co, "v[%d+i]", o);
    if (n->op >= OP_NEG && n->op <= OP_STEP) {
        elem(ea, sizeof ea, "v", &P->nodes[n->a], len);
        elem(da, sizeof da, "d", &P->nodes[n->a], len);
        derivs_text(f1, f2, sizeof f1, n->op, n->k, ea, co);
        emit_put(b, "for(int i=0;i<%d;i++){const double f1=%s;d[%d+i]=f1*%s;}\n", len, f1, o, da);
        return 1;
    }
    if (n->op >= OP_ADD && n->op <= OP_POW) {
        elem(ea, sizeof ea, "v", &P->nodes[n->a], len);
        elem(eb, sizeof eb, "v", &P->nodes[n->b], len);
        elem(da, sizeof da, "d", &P->nodes[n->a], len);
        elem(db, sizeof db, "d", &P->nodes[n->b], len);
        emit_put(b, "for(int i=0;i<%d;i++){", len);
        switch (n->op) {
        case OP_ADD: emit_put(b, "d[%d+i]=%s+%s;}\n", o, da, db); break;
        case OP_SUB: emit_put(b, "d[%d+i]=%s-%s;}\n", o, da, db); break;
        case OP_MUL: emit_put(b, "d[%d+i]=%s*%s+%s*%s;}\n", o, da, eb, ea, db); break;
        default:
            vector_partials(b, n->op, ea, eb, co);
            emit_put(b, "d[%d+i]=pa*%s+pb*%s;}\n", o, da, db);
            break;
        }
        return 1;
    }
    return 0;
}

static int vector_adjoint(emit_text *b, const expr_prog *P, const expr_node *n, int want)
{
    const int o = n->off, len = n->len;
    char ea[48], eb[48], ba[48], bb[48], co[48], f1[400], f2[400];
    switch (n->op) {
    case OP_X: case OP_P:
        emit_put(b, "if(%s)for(int i=0;i<%d;i++)%s[%d+i]+=bar[%d+i];\n",
                 n->op == OP_X ? "gx" : "gp", len, n->op == OP_X ? "gx" : "gp", n->aux, o);
        return 1;
    case OP_GATHER:   /* a scatter */
        emit_put(b, "for(int i=0;i<%d;i++)bar[%d+g%d[i]]+=bar[%d+i];\n", len, P->nodes[n->a].off,
                 node_index(P, n), o);
        return 1;
    case OP_CONCAT: {
        int pos = o;
        for (int k = 0; k < n->a; k++) {
            const expr_node *part = &P->nodes[P->ints[n->aux + k]];
            if (part->dep & want)
                emit_put(b, "for(int i=0;i<%d;i++)bar[%d+i]+=bar[%d+i];", part->len, part->off,
                         pos);
            pos += part->len;
        }
        emit_put(b, "\n");
        return 1;
    }
    case OP_SUM: {
        const expr_node *na = &P->nodes[n->a];
        emit_put(b, "for(int i=0;i<%d;i++)bar[%d+i]+=bar[%d];\n", na->len, na->off, o);
        return 1;
    }
    default: break;
    }
    snprintf(co, sizeof co, "v[%d+i]", o);
    if (n->op >= OP_NEG && n->op <= OP_STEP) {
        if (!(P->nodes[n->a].dep & want))
            return 1;
        elem(ea, sizeof ea, "v", &P->nodes[n->a], len);
        elem(ba, sizeof ba, "bar", &P->nodes[n->a], len);
        derivs_text(f1, f2, sizeof f1, n->op, n->k, ea, co);
        emit_put(b, "for(int i=0;i<%d;i++){const double f1=%s;%s+=bar[%d+i]*f1;}\n", len, f1, ba,
                 o);
        return 1;
    }
    if (n->op >= OP_ADD && n->op <= OP_POW) {
        const int to_a = (P->nodes[n->a].dep & want) != 0, to_b = (P->nodes[n->b].dep & want) != 0;
        elem(ea, sizeof ea, "v", &P->nodes[n->a], len);
        elem(eb, sizeof eb, "v", &P->nodes[n->b], len);
        elem(ba, sizeof ba, "bar", &P->nodes[n->a], len);
        elem(bb, sizeof bb, "bar", &P->nodes[n->b], len);
        emit_put(b, "for(int i=0;i<%d;i++){const double cb=bar[%d+i];", len, o);
        switch (n->op) {
        case OP_ADD:
            if (to_a) emit_put(b, "%s+=cb;", ba);
            if (to_b) emit_put(b, "%s+=cb;", bb);
            break;
        case OP_SUB:
            if (to_a) emit_put(b, "%s+=cb;", ba);
            if (to_b) emit_put(b, "%s-=cb;", bb);
            break;
        case OP_MUL:
            if (to_a) emit_put(b, "%s+=cb*%s;", ba, eb);
            if (to_b) emit_put(b, "%s+=cb*%s;", bb, ea);
            break;
        default:
            vector_partials(b, n->op, ea, eb, co);
            if (to_a) emit_put(b, "%s+=cb*pa;", ba);
            if (to_b) emit_put(b, "%s+=cb*pb;", bb);
            break;
        }
        emit_put(b, "}\n");
        return 1;
    }
    return 0;
}

/* The second-order sweeps' rules for vector nodes (adjoint_node with dbar, and second_node, of
 * expr_eval.c), with the interpreter's expressions in its order; matrix-vector products, time
 * inputs and data rows stay with the interpreter's rule. */

/* the linear nodes (gather, concatenation, sum) move the array `arr` as a tangent does */
static int vector_linear(emit_text *b, const expr_prog *P, const expr_node *n, const char *arr)
{
    const int o = n->off, len = n->len;
    switch (n->op) {
    case OP_GATHER:
        emit_put(b, "for(int i=0;i<%d;i++)%s[%d+i]=%s[%d+g%d[i]];\n", len, arr, o, arr,
                 P->nodes[n->a].off, node_index(P, n));
        return 1;
    case OP_CONCAT: {
        int pos = o;
        for (int k = 0; k < n->a; k++) {
            const expr_node *part = &P->nodes[P->ints[n->aux + k]];
            emit_put(b, "for(int i=0;i<%d;i++)%s[%d+i]=%s[%d+i];", part->len, arr, pos, arr,
                     part->off);
            pos += part->len;
        }
        emit_put(b, "\n");
        return 1;
    }
    case OP_SUM: {
        const expr_node *na = &P->nodes[n->a];
        emit_put(b, "{double s=0.0;for(int i=0;i<%d;i++)s+=%s[%d+i];%s[%d]=s;}\n", na->len, arr,
                 na->off, arr, o);
        return 1;
    }
    default: return 0;
    }
}

static int vector_second(emit_text *b, const expr_prog *P, const expr_node *n)
{
    const int o = n->off, len = n->len;
    char ea[48], eb[48], co[48], a1[48], a2[48], a12[48], b1[48], b2[48], b12[48];
    char f1[400], f2[400];
    switch (n->op) {
    case OP_X: case OP_P: {
        const char *src = n->op == OP_X ? "K->d12x" : "K->d12p";
        emit_put(b,
                 "if(%s)for(int i=0;i<%d;i++)d12[%d+i]=%s[%d+i];"
                 "else for(int i=0;i<%d;i++)d12[%d+i]=0.0;\n",
                 src, len, o, src, n->aux, len, o);
        return 1;
    }
    case OP_GATHER: case OP_CONCAT: case OP_SUM:
        return vector_linear(b, P, n, "d12");
    default: break;
    }
    snprintf(co, sizeof co, "v[%d+i]", o);
    const expr_node *na = n->a >= 0 ? &P->nodes[n->a] : NULL;
    if (n->op >= OP_NEG && n->op <= OP_STEP) {
        elem(ea, sizeof ea, "v", na, len);
        elem(a1, sizeof a1, "d1", na, len);
        elem(a2, sizeof a2, "d2", na, len);
        elem(a12, sizeof a12, "d12", na, len);
        derivs_text(f1, f2, sizeof f1, n->op, n->k, ea, co);
        emit_put(b, "for(int i=0;i<%d;i++){const double f1=%s,f2=%s;d12[%d+i]=f1*%s+f2*%s*%s;}\n",
                 len, f1, f2, o, a12, a1, a2);
        return 1;
    }
    if (n->op >= OP_ADD && n->op <= OP_POW) {
        const expr_node *nb = &P->nodes[n->b];
        elem(ea, sizeof ea, "v", na, len);
        elem(eb, sizeof eb, "v", nb, len);
        elem(a1, sizeof a1, "d1", na, len);
        elem(a2, sizeof a2, "d2", na, len);
        elem(a12, sizeof a12, "d12", na, len);
        elem(b1, sizeof b1, "d1", nb, len);
        elem(b2, sizeof b2, "d2", nb, len);
        elem(b12, sizeof b12, "d12", nb, len);
        emit_put(b, "for(int i=0;i<%d;i++){", len);
        partials_text(b, n->op, ea, eb, co);
        emit_put(b, "d12[%d+i]=pa*%s+pb*%s+paa*%s*%s+pab*(%s*%s+%s*%s)+pbb*%s*%s;}\n", o, a12, b12,
                 a1, a2, a1, b2, a2, b1, b1, b2);
        return 1;
    }
    return 0;
}

static int vector_adjoint2(emit_text *b, const expr_prog *P, const expr_node *n, int want)
{
    const int o = n->off, len = n->len;
    char ea[48], eb[48], co[48], ba[48], bb[48], dba[48], dbb[48], da[48], db[48];
    char f1[400], f2[400];
    switch (n->op) {
    case OP_X: case OP_P: {
        const char *g = n->op == OP_X ? "gx" : "gp", *dg = n->op == OP_X ? "dgx" : "dgp";
        emit_put(b, "if(%s)for(int i=0;i<%d;i++)%s[%d+i]+=bar[%d+i];", g, len, g, n->aux, o);
        emit_put(b, "if(%s)for(int i=0;i<%d;i++)%s[%d+i]+=dbar[%d+i];\n", dg, len, dg, n->aux, o);
        return 1;
    }
    case OP_GATHER: {   /* two scatters */
        const int src = P->nodes[n->a].off, q = node_index(P, n);
        emit_put(b, "for(int i=0;i<%d;i++)bar[%d+g%d[i]]+=bar[%d+i];", len, src, q, o);
        emit_put(b, "for(int i=0;i<%d;i++)dbar[%d+g%d[i]]+=dbar[%d+i];\n", len, src, q, o);
        return 1;
    }
    case OP_CONCAT: {
        int pos = o;
        for (int k = 0; k < n->a; k++) {
            const expr_node *part = &P->nodes[P->ints[n->aux + k]];
            if (part->dep & want) {
                emit_put(b, "for(int i=0;i<%d;i++)bar[%d+i]+=bar[%d+i];", part->len, part->off,
                         pos);
                emit_put(b, "for(int i=0;i<%d;i++)dbar[%d+i]+=dbar[%d+i];", part->len, part->off,
                         pos);
            }
            pos += part->len;
        }
        emit_put(b, "\n");
        return 1;
    }
    case OP_SUM: {
        const expr_node *na = &P->nodes[n->a];
        emit_put(b, "for(int i=0;i<%d;i++)bar[%d+i]+=bar[%d];", na->len, na->off, o);
        emit_put(b, "for(int i=0;i<%d;i++)dbar[%d+i]+=dbar[%d];\n", na->len, na->off, o);
        return 1;
    }
    default: break;
    }
    snprintf(co, sizeof co, "v[%d+i]", o);
    const expr_node *na = n->a >= 0 ? &P->nodes[n->a] : NULL;
    if (n->op >= OP_NEG && n->op <= OP_STEP) {
        if (!(na->dep & want))
            return 1;
        elem(ea, sizeof ea, "v", na, len);
        elem(ba, sizeof ba, "bar", na, len);
        elem(dba, sizeof dba, "dbar", na, len);
        elem(da, sizeof da, "d1", na, len);
        derivs_text(f1, f2, sizeof f1, n->op, n->k, ea, co);
        emit_put(b,
                 "for(int i=0;i<%d;i++){const double f1=%s,f2=%s;const double cb=bar[%d+i],"
                 "dcb=dbar[%d+i];%s+=cb*f1;%s+=dcb*f1+cb*f2*%s;}\n",
                 len, f1, f2, o, o, ba, dba, da);
        return 1;
    }
    if (n->op >= OP_ADD && n->op <= OP_POW) {
        const expr_node *nb = &P->nodes[n->b];
        const int to_a = (na->dep & want) != 0, to_b = (nb->dep & want) != 0;
        elem(ea, sizeof ea, "v", na, len);
        elem(eb, sizeof eb, "v", nb, len);
        elem(ba, sizeof ba, "bar", na, len);
        elem(bb, sizeof bb, "bar", nb, len);
        elem(dba, sizeof dba, "dbar", na, len);
        elem(dbb, sizeof dbb, "dbar", nb, len);
        elem(da, sizeof da, "d1", na, len);
        elem(db, sizeof db, "d1", nb, len);
        emit_put(b, "for(int i=0;i<%d;i++){const double cb=bar[%d+i],dcb=dbar[%d+i];", len, o, o);
        partials_text(b, n->op, ea, eb, co);
        if (to_a)
            emit_put(b, "%s+=cb*pa;%s+=dcb*pa+cb*(paa*%s+pab*%s);", ba, dba, da, db);
        if (to_b)
            emit_put(b, "%s+=cb*pb;%s+=dcb*pb+cb*(pab*%s+pbb*%s);", bb, dbb, da, db);
        emit_put(b, "}\n");
        return 1;
    }
    return 0;
}

/* ---- one instruction of each sweep --------------------------------------------------------- */


static void emit_value(emit_text *b, const expr_prog *P, const expr_ins *I)
{
    const int o = I->out, a = I->a, bb = I->b;
    char kb[48], va[32], e[256];
    switch (I->op) {
    case OP_X: emit_put(b, "v[%d]=x[%d];\n", o, a); return;
    case OP_P: emit_put(b, "v[%d]=p[%d];\n", o, a); return;
    case OP_C: emit_put(b, "v[%d]=c[%d];\n", o, a); return;
    case OP_TIME: emit_put(b, "v[%d]=K->t;\n", o); return;
    case OP_CONST: emit_put(b, "v[%d]=%s;\n", o, lit(kb, sizeof kb, I->k)); return;
    case OP_ADD: emit_put(b, "v[%d]=v[%d]+v[%d];\n", o, a, bb); return;
    case OP_SUB: emit_put(b, "v[%d]=v[%d]-v[%d];\n", o, a, bb); return;
    case OP_MUL: emit_put(b, "v[%d]=v[%d]*v[%d];\n", o, a, bb); return;
    case OP_DIV: emit_put(b, "v[%d]=v[%d]/v[%d];\n", o, a, bb); return;
    case OP_NODE:
        if (!vector_value(b, P, &P->nodes[I->node]))
            emit_put(b, EMIT_CALLBACK "(K->host,%d);\n", I->node);
        return;
    default:
        snprintf(va, sizeof va, "v[%d]", a);
        value_text(e, sizeof e, I->op, I->k, va);
        emit_put(b, "v[%d]=%s;\n", o, e);
        return;
    }
}

static void emit_tangent(emit_text *b, const expr_prog *P, const expr_ins *I)
{
    const int o = I->out, a = I->a, bb = I->b;
    char kb[48], va[32], vo[32], f1[256], f2[256];
    switch (I->op) {
    case OP_X: emit_put(b, "d[%d]=dx[%d];\n", o, a); return;
    case OP_P: emit_put(b, "d[%d]=dp[%d];\n", o, a); return;
    case OP_ADD: emit_put(b, "d[%d]=d[%d]+d[%d];\n", o, a, bb); return;
    case OP_SUB: emit_put(b, "d[%d]=d[%d]-d[%d];\n", o, a, bb); return;
    case OP_MUL: emit_put(b, "d[%d]=d[%d]*v[%d]+v[%d]*d[%d];\n", o, a, bb, a, bb); return;
    case OP_DIV: emit_put(b, "d[%d]=(d[%d]-v[%d]*d[%d])/v[%d];\n", o, a, o, bb, bb); return;
    case OP_NEG: emit_put(b, "d[%d]=-d[%d];\n", o, a); return;
    case OP_SCALE: emit_put(b, "d[%d]=%s*d[%d];\n", o, lit(kb, sizeof kb, I->k), a); return;
    case OP_SHIFT: emit_put(b, "d[%d]=d[%d];\n", o, a); return;
    case OP_EXP: emit_put(b, "d[%d]=v[%d]*d[%d];\n", o, o, a); return;
    case OP_NODE:
        if (!vector_tangent(b, P, &P->nodes[I->node]))
            emit_put(b, EMIT_CALLBACK "(K->host,%d);\n", I->node);
        return;
    default:
        snprintf(va, sizeof va, "v[%d]", a);
        snprintf(vo, sizeof vo, "v[%d]", o);
        derivs_text(f1, f2, sizeof f1, I->op, I->k, va, vo);
        emit_put(b, "{const double f1=%s;d[%d]=f1*d[%d];}\n", f1, o, a);
        return;
    }
}

static void emit_adjoint(emit_text *b, const expr_prog *P, const expr_ins *I, int want)
{
    const int o = I->out, a = I->a, bb = I->b;
    char kb[48], va[32], vo[32], f1[256], f2[256];
    if (I->op == OP_NODE) {
        if (!vector_adjoint(b, P, &P->nodes[I->node], want))
            emit_put(b, EMIT_CALLBACK "(K->host,%d);\n", I->node);
        return;
    }
    emit_put(b, "{const double cb=bar[%d];", o);
    switch (I->op) {
    case OP_X: emit_put(b, "if(gx)gx[%d]+=cb;", a); break;
    case OP_P: emit_put(b, "if(gp)gp[%d]+=cb;", a); break;
    case OP_ADD: emit_put(b, "bar[%d]+=cb;bar[%d]+=cb;", a, bb); break;
    case OP_SUB: emit_put(b, "bar[%d]+=cb;bar[%d]-=cb;", a, bb); break;
    case OP_MUL: emit_put(b, "bar[%d]+=cb*v[%d];bar[%d]+=cb*v[%d];", a, bb, bb, a); break;
    case OP_DIV: emit_put(b, "bar[%d]+=cb/v[%d];bar[%d]-=cb*v[%d]/v[%d];", a, bb, bb, o, bb); break;
    case OP_NEG: emit_put(b, "bar[%d]-=cb;", a); break;
    case OP_SCALE: emit_put(b, "bar[%d]+=%s*cb;", a, lit(kb, sizeof kb, I->k)); break;
    case OP_SHIFT: emit_put(b, "bar[%d]+=cb;", a); break;
    case OP_EXP: emit_put(b, "bar[%d]+=cb*v[%d];", a, o); break;
    default:
        snprintf(va, sizeof va, "v[%d]", a);
        snprintf(vo, sizeof vo, "v[%d]", o);
        derivs_text(f1, f2, sizeof f1, I->op, I->k, va, vo);
        emit_put(b, "const double f1=%s;bar[%d]+=cb*f1;", f1, a);
        break;
    }
    emit_put(b, "}\n");
}

/* adjoint_node with the tangent of the adjoint (tangent-over-adjoint) for one scalar node */
static void emit_adjoint2(emit_text *b, const expr_prog *P, const expr_ins *I, int want)
{
    const expr_node *n = &P->nodes[I->node];
    const int o = n->off;
    if (I->op == OP_NODE) {
        if (!vector_adjoint2(b, P, n, want))
            emit_put(b, EMIT_CALLBACK "(K->host,%d);\n", I->node);
        return;
    }
    emit_put(b, "{const double cb=bar[%d],dcb=dbar[%d];", o, o);
    switch (n->op) {
    case OP_X: emit_put(b, "if(gx)gx[%d]+=cb;if(dgx)dgx[%d]+=dcb;", n->aux, n->aux); break;
    case OP_P: emit_put(b, "if(gp)gp[%d]+=cb;if(dgp)dgp[%d]+=dcb;", n->aux, n->aux); break;
    case OP_ADD: case OP_SUB: case OP_MUL: case OP_DIV: {
        const int a = n->aoff, bo = n->boff;
        char va[32], vb[32], vo[32];
        snprintf(va, sizeof va, "v[%d]", a);
        snprintf(vb, sizeof vb, "v[%d]", bo);
        snprintf(vo, sizeof vo, "v[%d]", o);
        partials_text(b, n->op, va, vb, vo);
        if (P->nodes[n->a].dep & want)
            emit_put(b, "bar[%d]+=cb*pa;dbar[%d]+=dcb*pa+cb*(paa*d1[%d]+pab*d1[%d]);", a, a, a, bo);
        if (P->nodes[n->b].dep & want)
            emit_put(b, "bar[%d]+=cb*pb;dbar[%d]+=dcb*pb+cb*(pab*d1[%d]+pbb*d1[%d]);", bo, bo, a,
                     bo);
        break;
    }
    default: {
        if (!(P->nodes[n->a].dep & want))
            break;
        const int a = n->aoff;
        char va[32], vo[32], f1[256], f2[256];
        snprintf(va, sizeof va, "v[%d]", a);
        snprintf(vo, sizeof vo, "v[%d]", o);
        derivs_text(f1, f2, sizeof f1, n->op, n->k, va, vo);
        emit_put(b, "const double f1=%s,f2=%s;bar[%d]+=cb*f1;dbar[%d]+=dcb*f1+cb*f2*d1[%d];", f1,
                 f2, a, a, a);
        break;
    }
    }
    emit_put(b, "}\n");
}

/* second_node (tangent-over-tangent) for one scalar node */
static void emit_second(emit_text *b, const expr_prog *P, const expr_ins *I)
{
    const expr_node *n = &P->nodes[I->node];
    const int o = n->off, a = n->aoff, bo = n->boff;
    char va[32], vb[32], vo[32], f1[256], f2[256];
    if (I->op == OP_NODE) {
        if (!vector_second(b, P, n))
            emit_put(b, EMIT_CALLBACK "(K->host,%d);\n", I->node);
        return;
    }
    snprintf(va, sizeof va, "v[%d]", a);
    snprintf(vb, sizeof vb, "v[%d]", bo);
    snprintf(vo, sizeof vo, "v[%d]", o);
    switch (n->op) {
    case OP_X: emit_put(b, "d12[%d]=K->d12x?K->d12x[%d]:0.0;\n", o, n->aux); return;
    case OP_P: emit_put(b, "d12[%d]=K->d12p?K->d12p[%d]:0.0;\n", o, n->aux); return;
    case OP_ADD: case OP_SUB: case OP_MUL: case OP_DIV:
        emit_put(b, "{");
        partials_text(b, n->op, va, vb, vo);
        emit_put(b,
                 "d12[%d]=pa*d12[%d]+pb*d12[%d]+paa*d1[%d]*d2[%d]+pab*(d1[%d]*d2[%d]+d2[%d]*d1[%d])"
                 "+pbb*d1[%d]*d2[%d];}\n",
                 o, a, bo, a, a, a, bo, a, bo, bo, bo);
        return;
    default:
        derivs_text(f1, f2, sizeof f1, n->op, n->k, va, vo);
        emit_put(b, "{const double f1=%s,f2=%s;d12[%d]=f1*d12[%d]+f2*d1[%d]*d2[%d];}\n", f1, f2, o,
                 a, a, a);
        return;
    }
}

/* ---- whole sweeps ----------------------------------------------------------------------------- */

/* the context fields each kind of sweep reads (and only those: the caller sets no others).
 * The work arrays (values, tangents, adjoints) are declared restrict — no input or gradient
 * array points into them — so the compiler may keep values in registers across the stores;
 * a node handed back to the interpreter, which writes them through the context's own
 * pointers, is a call between two pieces (emit_sweep). */
static const char *locals(int kind)
{
    switch (kind) {
    case EXPR_K_VALUES_ALL: case EXPR_K_EVAL_ALL:
        return "const double*x=K->x;const double*p=K->p;const double*c=K->c;"
               "double*restrict v=K->v;(void)x;(void)p;(void)c;\n";
    case EXPR_K_TANGENT:
        return "const double*restrict v=K->v;double*restrict d=K->d;const double*dx=K->dx;"
               "const double*dp=K->dp;(void)v;(void)dx;(void)dp;\n";
    case EXPR_K_ADJOINT:
        return "const double*restrict v=K->v;double*restrict bar=K->bar;double*gx=K->gx;"
               "double*gp=K->gp;(void)v;(void)gx;(void)gp;\n";
    case EXPR_K_ADJOINT2:
        return "const double*restrict v=K->v;const double*restrict d1=K->d1;"
               "double*restrict bar=K->bar;double*restrict dbar=K->dbar;double*gx=K->gx;"
               "double*gp=K->gp;double*dgx=K->dgx;double*dgp=K->dgp;(void)v;(void)d1;(void)dbar;"
               "(void)gx;(void)gp;(void)dgx;(void)dgp;\n";
    default:
        return "const double*restrict v=K->v;const double*restrict d1=K->d1;"
               "const double*restrict d2=K->d2;double*restrict d12=K->d12;(void)v;(void)d1;"
               "(void)d2;\n";
    }
}

/* one instruction of a sweep of `kind`, as text, and the tables it reads as declarations */
static void emit_instruction(emit_text *t, emit_text *tab, const expr_prog *P, const expr_ins *I,
                             int kind, int mask)
{
    const int values = kind == EXPR_K_VALUES_ALL || kind == EXPR_K_EVAL_ALL;
    switch (kind) {
    case EXPR_K_VALUES_ALL: case EXPR_K_EVAL_ALL: emit_value(t, P, I); break;
    case EXPR_K_TANGENT: emit_tangent(t, P, I); break;
    case EXPR_K_ADJOINT: emit_adjoint(t, P, I, mask); break;
    case EXPR_K_ADJOINT2: emit_adjoint2(t, P, I, mask); break;
    default: emit_second(t, P, I); break;
    }
    if (I->op == OP_NODE) {   /* every sweep's gather reads its table; only values, constants */
        const expr_node *n = &P->nodes[I->node];
        if (n->op == OP_GATHER || (values && n->op == OP_CONST_VEC))
            node_table(tab, P, n);
    }
}

/* One sweep: function `name`.  Its instructions are cut into pieces name_0, name_1, ... of
 * at most EMIT_CHUNK instructions, and a node handed back to the interpreter is a call of its
 * own between two pieces, so every piece may declare the work arrays restrict.  A sweep that
 * is one piece and nothing else is that piece, one call less. */
static void emit_sweep(emit_text *b, const expr_prog *P, const expr_stream *S, int kind,
                       int mask, const char *name)
{
    emit_text calls = {0}, ins = {0}, tab = {0};
    emit_piece pc = {0};
    int pieces = 0, handed_back = 0, alone = 0;
    if (kind == EXPR_K_EVAL_ALL && emit_piece_for_evaluation(&pc, P) != 0)
        b->failed = 1;   /* the caller reports it and the program stays interpreted */
    for (int k = 0; k <= S->n; k++) {
        emit_text_clear(&ins);
        emit_text_clear(&tab);
        if (k < S->n)
            emit_instruction(&ins, &tab, P, &S->ins[k], kind, mask);
        const int callback = k < S->n && ins.s && strstr(ins.s, EMIT_CALLBACK) != NULL;
        /* close the piece at a callback, at its size limit and at the end */
        if (pc.instrs && (callback || pc.instrs == EMIT_CHUNK || k == S->n)) {
            emit_piece_finish(&pc);
            alone = k == S->n && !pieces && !handed_back;
            if (alone)
                emit_put(b, "static void %s(kctx *K){\n", name);
            else
                emit_put(b, "__attribute__((noinline)) static void %s_%d(kctx *K){\n", name,
                         pieces);
            emit_put(b, "%s%s%s}\n", locals(kind), pc.decls.s ? pc.decls.s : "",
                     pc.body.s ? pc.body.s : "");
            b->failed |= pc.body.failed | pc.decls.failed | pc.loop.failed;
            if (alone)
                break;
            emit_put(&calls, "%s_%d(K);\n", name, pieces++);
            emit_piece_reset(&pc);
        }
        if (k == S->n)
            break;
        if (callback) {
            emit_put(&calls, "%s", ins.s);
            handed_back++;
        } else if (ins.len) {
            emit_piece_add(&pc, tab.s, ins.s, S->ins[k].node, S->ins[k].op != OP_NODE);
        }
    }
    b->failed |= ins.failed | tab.failed | calls.failed;
    if (!alone)
        emit_put(b, "static void %s(kctx *K){\n%s}\n", name, calls.s ? calls.s : "");
    emit_piece_free(&pc);
    free(ins.s);
    free(tab.s);
    free(calls.s);
}

/* the functions of program number q: q<q>_values_all, ... */
static void emit_program(emit_text *b, const expr_prog *P, int q)
{
    static const char *const mname[] = {"", "x", "p", "xp"};
    char name[48];
    emit_put(b, "/* program %d: %d nodes, %d values */\n", q, P->nnodes, P->nvals);
    snprintf(name, sizeof name, "q%d_values_all", q);
    emit_sweep(b, P, &P->value_all, EXPR_K_VALUES_ALL, 0, name);
    snprintf(name, sizeof name, "q%d_values_varying", q);
    emit_sweep(b, P, &P->value_varying, EXPR_K_VALUES_ALL, 0, name);
    snprintf(name, sizeof name, "q%d_eval_all", q);
    emit_sweep(b, P, &P->value_all, EXPR_K_EVAL_ALL, 0, name);
    snprintf(name, sizeof name, "q%d_eval_varying", q);
    emit_sweep(b, P, &P->value_varying, EXPR_K_EVAL_ALL, 0, name);
    for (int m = 1; m < STREAM_MASKS; m++) {
        snprintf(name, sizeof name, "q%d_tangent_%s", q, mname[m]);
        emit_sweep(b, P, &P->tangent[m], EXPR_K_TANGENT, m, name);
        snprintf(name, sizeof name, "q%d_adjoint_%s", q, mname[m]);
        emit_sweep(b, P, &P->adjoint[m], EXPR_K_ADJOINT, m, name);
        snprintf(name, sizeof name, "q%d_adjoint2_%s", q, mname[m]);
        emit_sweep(b, P, &P->adjoint[m], EXPR_K_ADJOINT2, m, name);
        snprintf(name, sizeof name, "q%d_second_%s", q, mname[m]);
        emit_sweep(b, P, &P->tangent[m], EXPR_K_SECOND, m, name);
    }
}

char *expr_emit(expr_prog *const *P, int n, size_t *len)
{
    emit_text b = {0};
    emit_put(&b, "/* odegrad compiled kernels of %d program(s) */\n#include <math.h>\n", n);
    emit_put(&b, "typedef struct kctx kctx;\nstruct kctx { %s };\n", EXPR_KTEXT(EXPR_KCTX_FIELDS));
    emit_put(&b, "typedef kctx expr_kctx;\ntypedef struct { %s } ktable;\n",
             EXPR_KTEXT(EXPR_KTABLE_FIELDS));
    for (int q = 0; q < n; q++)
        emit_program(&b, P[q], q);
    if (b.failed) {
        free(b.s);
        return NULL;
    }
    *len = b.len;
    return b.s;
}

char *expr_emit_tables(int n, const char *key, size_t *len)
{
    emit_text b = {0};
    for (int q = 0; q < n; q++)
        emit_put(
            &b,
            "const ktable odegrad_kernels_%d = {%d, \"%s\", {q%d_values_all, q%d_values_varying,"
            "\nq%d_tangent_x, q%d_tangent_p, q%d_tangent_xp, q%d_adjoint_x, q%d_adjoint_p,"
            " q%d_adjoint_xp,\nq%d_adjoint2_x, q%d_adjoint2_p, q%d_adjoint2_xp, q%d_second_x,"
            " q%d_second_p, q%d_second_xp,\nq%d_eval_all, q%d_eval_varying}};\n",
            q, EXPR_KABI_VERSION, key, q, q, q, q, q, q, q, q, q, q, q, q, q, q, q, q);
    if (b.failed) {
        free(b.s);
        return NULL;
    }
    *len = b.len;
    return b.s;
}
