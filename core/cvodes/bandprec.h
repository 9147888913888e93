/* bandprec — the Newton matrix M = I + c·J (or I + c·Jᵀ) of a sparse Jacobian J, factored
 * as a band matrix after a bandwidth-reducing reordering, and solved.  The Krylov linear
 * solver of cvlinsol.c uses it as its preconditioner.
 *
 * Why band: a stencil's Jacobian is not banded in the model's own state order (the
 * Brusselator stores all u, then all v, on a periodic grid: entries N² and (N−1)N apart), but
 * the reverse Cuthill–McKee order of its graph (Cuthill & McKee 1969; George & Liu 1981) keeps
 * every entry within a few grid rows of the diagonal.  The band LU is then exact — the
 * preconditioner is M itself at the time it was set up — at O(n·b²) work for bandwidth b
 * instead of the dense O(n³).  The ordering is computed once, from the symmetrised pattern
 * (so J and Jᵀ have the same band), when the object is made.  LU with partial pivoting by
 * SUNDIALS's band solver (SUNLinSol_Band). */
#ifndef ODEGRAD_BANDPREC_H
#define ODEGRAD_BANDPREC_H

#include <stddef.h>
#include <sundials/sundials_context.h>
#include "sparsejac.h"

typedef struct bp_band bp_band;

/* Reverse Cuthill–McKee order of the symmetrised pattern (diagonal ignored), each connected
 * component started from a pseudo-peripheral node: order[k] is the index placed at
 * position k.  Returns 0, or -1 when out of memory. */
int bp_rcm(const sj_pattern *p, int *order);
/* max |position[i] − position[j]| over the entries (i, j) of the pattern */
int bp_bandwidth(const sj_pattern *p, const int *position);

/* The band of p's pattern under its RCM order.  NULL when out of memory. */
bp_band *bp_new(const sj_pattern *p, SUNContext sunctx);
void bp_free(bp_band *b);
/* Factor M = I + c·J (transpose = 0) or I + c·Jᵀ (transpose = 1), J on the pattern given
 * to bp_new.  Returns 0, or 1 if M is singular (a recoverable failure for CVODES). */
int bp_factor(bp_band *b, const sj_jacobian *J, double c, int transpose);
/* z = M⁻¹ r (z may equal r) with the last factorisation. */
void bp_solve(bp_band *b, const double *r, double *z);
int bp_half_bandwidth(const bp_band *b);
size_t bp_bytes(const bp_band *b);

#endif
