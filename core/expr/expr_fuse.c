/* expr_fuse — how the instructions of one piece of a generated sweep become C statements
 * (see expr_emit_impl.h): element-wise loops fused, gathers' index tables hoisted, and in an
 * evaluation alone the values nothing else reads kept in local variables.
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
 * Two other kinds of access may join a run.  A scalar [offset] may be read (scalars are
 * computed outside the loops) but not written: a sum into one adjoint would change its order
 * of accumulation.  A gather, [offset+ix[i]], may be read when its source node is not written
 * in the same loop (element ix[i] of it would not be there yet); its index table moves to the
 * top of the piece.  A scatter (a gather's adjoint), a sum, a concatenation or a guarded loop
 * ends the run. */

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

static int written_in_loop(const emit_piece *pc, const char *arr, int off)
{
    for (int k = 0; k < pc->nwrites; k++)
        if (pc->write_off[k] == off && strcmp(pc->write_arr[k], arr) == 0)
            return 1;
    return 0;
}

/* L of a fusible "for(int i=0;i<L;i++)BODY\n" and BODY, or 0.  With record, the body's
 * [offset+i] stores join the open loop's written set; without it, a gather whose source
 * that set holds makes the line not fusible into the open loop. */
static int fusible(emit_piece *pc, const char *line, const char **body, int record)
{
    int len = 0, used = 0;
    if (sscanf(line, "for(int i=0;i<%d;i++)%n", &len, &used) != 1 || used == 0 || len < 2)
        return 0;
    const char *bd = line + used, *nl = strchr(bd, '\n');
    if (!nl || nl[1] != '\0' || strstr(bd, "for("))
        return 0;
    for (const char *q = strchr(bd, '['); q; q = strchr(q + 1, '[')) {
        const char *r = q + 1;
        char arr[8];
        if (r[0] == 'i' && r[1] == ']')   /* an index table's element, inside a gather */
            continue;
        const int off = atoi(r);
        while (*r >= '0' && *r <= '9')
            r++;
        if (r == q + 1)
            return 0;   /* an index other than the forms below */
        array_before(bd, q, arr);
        if (strncmp(r, "+i]", 3) == 0) {   /* element i */
            if (record && is_store(r + 3) && pc->nwrites < EMIT_MAX_WRITES) {
                memcpy(pc->write_arr[pc->nwrites], arr, 8);
                pc->write_off[pc->nwrites++] = off;
            } else if (!record && is_store(r + 3) && pc->nwrites >= EMIT_MAX_WRITES) {
                return 0;   /* the set is full: start a new loop */
            }
        } else if (*r == ']') {            /* a scalar: read only */
            if (is_store(r + 1))
                return 0;
        } else if (r[0] == '+' && r[1] == 'g') {   /* a gather [offset+gK[i]]: read only */
            const char *close = strstr(r, "[i]]");
            if (!close || is_store(close + 4) || (!record && written_in_loop(pc, arr, off)))
                return 0;
            q = close + 2;
        } else {
            return 0;
        }
    }
    *body = bd;
    return len;
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

/* A gather's text "{static const int ix[L]={...};for(...)STMT}\n" as its index table, renamed
 * gK and moved to the piece's declarations, and the loop "for(...)STMT\n" using it; NULL for
 * any other text or when out of memory. */
static char *hoist_gather(emit_piece *pc, const char *line)
{
    static const char head[] = "{static const int ix[";
    const char *decl_end = strstr(line, "};");
    const size_t n = strlen(line);
    if (strncmp(line, head, sizeof head - 1) != 0 || !decl_end || strcmp(line + n - 2, "}\n"))
        return NULL;
    const char *loop = decl_end + 2;
    if (strstr(loop, "ix[i]") == NULL || strstr(strstr(loop, "ix[i]") + 5, "ix[") != NULL)
        return NULL;   /* exactly one use of the table */
    char name[24];
    snprintf(name, sizeof name, "g%d", pc->tables++);
    const char *dims = line + sizeof head - 2;   /* "[L]={...};" */
    emit_put(&pc->decls, "static const int %s%.*s\n", name, (int)(decl_end + 2 - dims), dims);
    const char *use = strstr(loop, "ix[i]");
    emit_text out = {0};
    emit_put(&out, "%.*s%s[i]%.*s\n", (int)(use - loop), loop, name,
             (int)(line + n - 2 - (use + 5)), use + 5);
    return out.failed ? (free(out.s), NULL) : out.s;
}

/* append one instruction's text to the piece, fusing it into the open loop when it can */
void emit_piece_add(emit_piece *pc, const char *line, int node, int scalar)
{
    if (scalar)
        pc->scalar_nodes[pc->nscalar++] = node;
    char *gather = hoist_gather(pc, line);
    const char *text_in = gather ? gather : line;
    const char *bd;
    int len = fusible(pc, text_in, &bd, 0);
    if (len && len == pc->open_len) {
        emit_put(&pc->loop, "%s", bd);
        pc->loop_nodes[pc->nloop++] = node;
    } else {
        piece_close_loop(pc);
        len = fusible(pc, text_in, &bd, 0);
        if (len) {
            emit_put(&pc->body, "for(int i=0;i<%d;i++){", len);
            emit_put(&pc->loop, "%s", bd);
            pc->loop_nodes[pc->nloop++] = node;
            pc->open_len = len;
        } else {
            emit_put(&pc->body, "%s", text_in);
        }
    }
    if (pc->open_len)
        fusible(pc, text_in, &bd, 1);
    free(gather);
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
    pc->instrs = pc->tables = pc->open_len = pc->nloop = pc->nscalar = pc->nwrites = 0;
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
