/* expr_fuse — how the instructions of one piece of a generated sweep become C statements
 * (see expr_emit_impl.h): element-wise loops fused, the tables the instructions read declared at
 * the top, and in an evaluation alone the values nothing else reads kept in local variables.
 *
 * The rules of expr_emit.c hand over each instruction as text in a small set of forms; this
 * file recognises those forms, and falls back to the instruction's text as it is for any other,
 * so a rule it does not know only loses the optimisation. */
#include "expr_emit_impl.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* ---- element-wise loop fusion -------------------------------------------------------------
 * A vector node's rule that touches every array only at [offset+i] — element i of each operand
 * to element i of the result — is written as one line "for(int i=0;i<L;i++)BODY".  A run of
 * such lines of the same length L becomes one loop whose body does the lines' statements in
 * their order: element i of every node gets exactly the same operations in the same order as
 * before (so the same rounding), only the elements interleave, and nodes never share storage.
 * Fused, a value one node computes is used by the next from a register instead of memory,
 * which is what separates a vectorised graph from hand-written loops.
 *
 * Three other kinds of access may join a run.  A scalar [offset] may be read (scalars are
 * computed outside the loops) but not written: a sum into one adjoint would change its order
 * of accumulation.  A gather, [offset+gK[i]], may be read when its source node is not written
 * in the same loop (element gK[i] of it would not be there yet).  A constant vector's kK[i]
 * may be read.  The tables gK and kK are declared at the top of the piece.  A scatter (a
 * gather's adjoint), a sum, a concatenation or a guarded loop ends the run. */

/* the array name that ends just before s[at] (letters and digits), into out */
static void array_before(const char *s, const char *at, char out[8])
{
    const char *q = at;
    while (q > s && ((q[-1] >= 'a' && q[-1] <= 'z') || (q[-1] >= '0' && q[-1] <= '9')))
        q--;
    const size_t n = (size_t)(at - q) < 7 ? (size_t)(at - q) : 7;
    memcpy(out, q, n);
    out[n] = 0;
}

static int is_store(const char *after)   /* the text after a closing ']' */
{
    return after[0] == '=' || ((after[0] == '+' || after[0] == '-') && after[1] == '=');
}

/* One instruction's line "for(int i=0;i<L;i++)BODY\n", scanned once: L and BODY, the arrays
 * and offsets of its element-i stores, and the sources of the gathers it reads. */
enum { LINE_MAX_REFS = 16 };
typedef struct {
    int len;
    const char *body;
    int nstores, ngathers;
    char store_arr[LINE_MAX_REFS][8], gather_arr[LINE_MAX_REFS][8];
    int store_off[LINE_MAX_REFS], gather_off[LINE_MAX_REFS];
} loop_line;

/* 1 when the line is element-wise — every access one of the forms above — else 0 */
static int scan_line(const char *line, loop_line *L)
{
    int used = 0;
    L->nstores = L->ngathers = 0;
    if (sscanf(line, "for(int i=0;i<%d;i++)%n", &L->len, &used) != 1 || used == 0 || L->len < 2)
        return 0;
    const char *bd = line + used, *nl = strchr(bd, '\n');
    if (!nl || nl[1] != '\0' || strstr(bd, "for("))
        return 0;
    L->body = bd;
    for (const char *q = strchr(bd, '['); q; q = strchr(q + 1, '[')) {
        const char *r = q + 1;
        if (r[0] == 'i' && r[1] == ']')   /* a constant table's element kK[i] */
            continue;
        const int off = atoi(r);
        while (*r >= '0' && *r <= '9')
            r++;
        if (r == q + 1)
            return 0;   /* an index other than the forms below */
        if (strncmp(r, "+i]", 3) == 0) {   /* element i */
            if (is_store(r + 3)) {
                if (L->nstores == LINE_MAX_REFS)
                    return 0;
                array_before(bd, q, L->store_arr[L->nstores]);
                L->store_off[L->nstores++] = off;
            }
        } else if (*r == ']') {   /* a scalar: read only */
            if (is_store(r + 1))
                return 0;
        } else if (r[0] == '+' && r[1] == 'g') {   /* a gather [offset+gK[i]]: read only */
            const char *close = strstr(r, "[i]]");
            if (!close || is_store(close + 4) || L->ngathers == LINE_MAX_REFS)
                return 0;
            array_before(bd, q, L->gather_arr[L->ngathers]);
            L->gather_off[L->ngathers++] = off;
            q = close + 2;
        } else {
            return 0;
        }
    }
    return 1;
}

/* whether an element-wise line may join the open loop: the same length, room in its written
 * set, and no gather whose source the loop writes */
static int joins_open_loop(const emit_piece *pc, const loop_line *L)
{
    if (L->len != pc->open_len || pc->nwrites + L->nstores > EMIT_MAX_WRITES)
        return 0;
    for (int g = 0; g < L->ngathers; g++)
        for (int k = 0; k < pc->nwrites; k++)
            if (pc->write_off[k] == L->gather_off[g] &&
                strcmp(pc->write_arr[k], L->gather_arr[g]) == 0)
                return 0;
    return 1;
}

/* the first `pattern` in s from `from` on that is a whole name (not the tail of another
 * array's name), or NULL */
static const char *find_name(const char *s, const char *from, const char *pattern)
{
    for (const char *q = strstr(from, pattern); q; q = strstr(q + 1, pattern))
        if (q == s || !((q[-1] >= 'a' && q[-1] <= 'z') || (q[-1] >= '0' && q[-1] <= '9')))
            return q;
    return NULL;
}

/* operands among the loop's statements after the k-th that are node n */
static int uses_in_loop(const emit_piece *pc, int k, int n)
{
    const expr_prog *P = pc->P;
    int u = 0;
    for (int j = k + 1; j < pc->nloop; j++) {
        const expr_node *c = &P->nodes[pc->loop_nodes[j]];
        if (c->op == OP_CONCAT)
            return -1;   /* not an element-wise reader */
        u += (c->a == n) + (c->b == n);
    }
    return u;
}

/* In an evaluation alone, a node that varies, is not the output, and whose every reader is a
 * later statement of the same loop needs no store: it becomes a local tO of the loop body, the
 * same value rounded the same way.  Writes the loop's statements into the piece. */
static void put_loop_statements(emit_piece *pc)
{
    char *lines = pc->loop.s;
    if (!pc->uses || !lines) {
        emit_put(&pc->body, "%s", lines ? lines : "");
        return;
    }
    const expr_prog *P = pc->P;
    char pattern[40], local[40];
    int k = 0;
    for (char *line = lines; *line; line = strchr(line, '\n') + 1, k++) {
        char *end = strchr(line, '\n');
        const int n = k < pc->nloop ? pc->loop_nodes[k] : -1;
        if (n >= 0)
            snprintf(pattern, sizeof pattern, "v[%d+i]=", P->nodes[n].off);
        if (n < 0 || n == P->nnodes - 1 || !(P->nodes[n].dep & DEP_VARY) ||
            strncmp(line, pattern, strlen(pattern)) != 0 ||
            uses_in_loop(pc, k, n) != pc->uses[n]) {
            emit_put(&pc->body, "%.*s", (int)(end + 1 - line), line);
            continue;
        }
        /* declare it, then rename every later read */
        const size_t plen = strlen(pattern) - 1;   /* without the '=' */
        snprintf(local, sizeof local, "t%d", P->nodes[n].off);
        emit_put(&pc->body, "const double %s%.*s\n", local, (int)(end - line - (long)plen),
                 line + plen);
        pattern[plen] = 0;
        emit_text rest = {0};
        const char *q = end + 1;
        for (const char *hit; (hit = find_name(lines, q, pattern)) != NULL; q = hit + plen)
            emit_put(&rest, "%.*s%s", (int)(hit - q), q, local);
        emit_put(&rest, "%s", q);
        pc->body.failed |= rest.failed;
        if (rest.s)
            memcpy(end + 1, rest.s, rest.len + 1);   /* never longer than before */
        free(rest.s);
    }
}

static void piece_close_loop(emit_piece *pc)
{
    if (pc->open_len) {
        put_loop_statements(pc);
        emit_put(&pc->body, "}\n");
    }
    emit_text_clear(&pc->loop);
    pc->nloop = 0;
    pc->open_len = 0;
    pc->nwrites = 0;
}

/* append one instruction's text to the piece, fusing it into the open loop when it can */
void emit_piece_add(emit_piece *pc, const char *tables, const char *line, int node, int scalar)
{
    if (scalar)
        pc->scalar_nodes[pc->nscalar++] = node;
    if (tables)
        emit_put(&pc->decls, "%s", tables);
    loop_line L;
    const int element_wise = scan_line(line, &L);
    if (!element_wise || !joins_open_loop(pc, &L)) {
        piece_close_loop(pc);
        if (!element_wise) {
            emit_put(&pc->body, "%s", line);
            pc->instrs++;
            return;
        }
        emit_put(&pc->body, "for(int i=0;i<%d;i++){", L.len);
        pc->open_len = L.len;
    }
    emit_put(&pc->loop, "%s", L.body);
    pc->loop_nodes[pc->nloop++] = node;
    for (int k = 0; k < L.nstores; k++) {
        memcpy(pc->write_arr[pc->nwrites], L.store_arr[k], 8);
        pc->write_off[pc->nwrites++] = L.store_off[k];
    }
    pc->instrs++;
}

/* In an evaluation alone, a scalar node that varies, is not the output, and whose every
 * reader is a later scalar instruction of the same piece becomes a local tO of the piece:
 * scalar instructions read their operands as v[O] and nothing else does, so renaming those
 * reads is complete. */
static void localize_scalars(emit_piece *pc)
{
    const expr_prog *P = pc->P;
    char *local = calloc((size_t)(P->nvals ? P->nvals : 1), 1);   /* by offset */
    if (!local || !pc->body.s) {
        pc->body.failed |= !local;
        free(local);
        return;
    }
    int any = 0;
    for (int k = 0; k < pc->nscalar; k++) {
        const int n = pc->scalar_nodes[k];
        int u = 0;
        for (int j = k + 1; j < pc->nscalar; j++)
            u += (P->nodes[pc->scalar_nodes[j]].a == n) + (P->nodes[pc->scalar_nodes[j]].b == n);
        if (n != P->nnodes - 1 && (P->nodes[n].dep & DEP_VARY) && u == pc->uses[n])
            local[P->nodes[n].off] = any = 1;
    }
    if (!any) {
        free(local);
        return;
    }
    emit_text out = {0};
    const char *q = pc->body.s;
    for (const char *hit = find_name(pc->body.s, q, "v["); hit;
         hit = find_name(pc->body.s, q, "v[")) {
        char *end;
        const long off = strtol(hit + 2, &end, 10);
        const int is_local = end != hit + 2 && *end == ']' && off < P->nvals && local[off];
        if (!is_local) {
            emit_put(&out, "%.*s", (int)(hit + 2 - q), q);
            q = hit + 2;
            continue;
        }
        /* its store opens a line: a declaration; anywhere else: a read */
        const int store = (hit == pc->body.s || hit[-1] == '\n') && end[1] == '=';
        emit_put(&out, "%.*s%st%ld", (int)(hit - q), q, store ? "const double " : "", off);
        q = end + 1;
    }
    emit_put(&out, "%s", q);
    pc->body.failed |= out.failed;
    if (!out.failed) {
        free(pc->body.s);
        pc->body = out;
    } else {
        free(out.s);
    }
    free(local);
}

/* every node's readers: operands of other nodes, and the output */
int emit_piece_for_evaluation(emit_piece *pc, const expr_prog *P)
{
    int *uses = expr_prog_uses(P);
    if (!uses)
        return -1;
    uses[P->nnodes - 1]++;
    pc->P = P;
    pc->uses = uses;
    return 0;
}

void emit_piece_finish(emit_piece *pc)
{
    piece_close_loop(pc);
    if (pc->uses)
        localize_scalars(pc);
}

void emit_piece_reset(emit_piece *pc)
{
    emit_text_clear(&pc->body);
    emit_text_clear(&pc->decls);
    emit_text_clear(&pc->loop);
    pc->instrs = pc->open_len = pc->nloop = pc->nscalar = pc->nwrites = 0;
}

void emit_piece_free(emit_piece *pc)
{
    free(pc->body.s);
    free(pc->decls.s);
    free(pc->loop.s);
    free(pc->uses);
    pc->body.s = pc->decls.s = pc->loop.s = NULL;
    pc->uses = NULL;
}
