/* ilu0 — incomplete LU factorisation without fill, ILU(0), of the Newton matrix
 * M = I + c·J (or I + c·Jᵀ) of a sparse Jacobian J: L and U keep exactly the pattern of M,
 * so set-up and solve cost O(Σ row lengths²) and O(nnz) — against O(n·b²) and O(n·b) of the
 * exact band LU (bandprec.h).  As a preconditioner it is not exact: GMRES needs a few
 * iterations instead of one, but each costs about one right-hand side evaluation.
 * Saad, "Iterative Methods for Sparse Linear Systems", 2nd ed., §10.3 (Algorithm 10.4, the
 * IKJ variant), in the model's own state order. */
#ifndef ODEGRAD_ILU0_H
#define ODEGRAD_ILU0_H

#include <stddef.h>
#include "sparsejac.h"

typedef struct ilu0 ilu0;

/* The structure of M for J on pattern p (transpose: of I + c·Jᵀ): p's entries (transposed)
 * plus the diagonal.  NULL when out of memory. */
ilu0 *ilu0_new(const sj_pattern *p, int transpose);
void ilu0_free(ilu0 *f);
/* Factor M = I + c·J (or Jᵀ, as given to ilu0_new) with J's values on p.  Returns 0, or 1
 * when a pivot is zero or not finite (a recoverable failure for CVODES). */
int ilu0_factor(ilu0 *f, const sj_jacobian *J, double c);
/* z = (LU)⁻¹ r  (z may equal r). */
void ilu0_solve(const ilu0 *f, const double *r, double *z);
size_t ilu0_bytes(const ilu0 *f);

#endif
