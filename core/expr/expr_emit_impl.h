/* expr_emit_impl — what the two halves of writing kernels as C share: the text buffer, and the
 * piece of a sweep into which expr_emit.c (one node's rule as text) hands its instructions and
 * expr_fuse.c (loops fused, values kept local) arranges them.  Not part of the public
 * interface. */
#ifndef ODEGRAD_EXPR_EMIT_IMPL_H
#define ODEGRAD_EXPR_EMIT_IMPL_H

#include <stddef.h>

#include "expr_impl.h"

/* instructions per piece (one non-inlined function each): the compiler's time stays linear */
enum { EMIT_CHUNK = 200, EMIT_MAX_WRITES = 64 };

/* the call that hands one node back to the interpreter */
#define EMIT_CALLBACK "K->node"

/* a growing text; after a failed allocation every later write is dropped and `failed` set */
typedef struct {
    char *s;
    size_t len, cap;
    int failed;
} emit_text;

void emit_put(emit_text *b, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
void emit_text_clear(emit_text *b);

/* One piece of a sweep, being written.  In an evaluation alone (`P` and `uses` set), values
 * nothing else reads may stay local. */
typedef struct {
    emit_text body;    /* the piece's statements */
    emit_text decls;   /* the tables its instructions read (gathers' indices, constants) */
    emit_text loop;    /* the open loop's statements, one a line */
    int instrs;        /* instructions added */
    int open_len;      /* length of the fused loop left open, or 0 */
    int loop_nodes[EMIT_CHUNK];   /* the node of each of the open loop's statements */
    int nloop;
    int scalar_nodes[EMIT_CHUNK];   /* the nodes of the piece's scalar instructions, in order */
    int nscalar;
    int nwrites;       /* the [offset+i] the open loop writes: array name and offset */
    char write_arr[EMIT_MAX_WRITES][8];
    int write_off[EMIT_MAX_WRITES];
    const expr_prog *P;   /* set for an evaluation alone */
    int *uses;            /* then: how many operands (and the output) each node is */
} emit_piece;

/* an evaluation's piece (0, or -1 out of memory: then an ordinary one) */
int emit_piece_for_evaluation(emit_piece *pc, const expr_prog *P);
/* one instruction's text, of `node`, and the declarations of the tables it reads (or NULL);
 * scalar: a scalar instruction (reads its operands v[O]) */
void emit_piece_add(emit_piece *pc, const char *tables, const char *line, int node, int scalar);
/* close the open loop and keep what may stay local; then body and decls are the piece */
void emit_piece_finish(emit_piece *pc);
/* empty, for the next piece of the same sweep */
void emit_piece_reset(emit_piece *pc);
void emit_piece_free(emit_piece *pc);

#endif
