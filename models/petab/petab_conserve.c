/* petab_conserve — conserved totals of the reaction network: the left null space of the
 * stoichiometry matrix N (species changed by reactions × reactions).  A vector w with
 * wᵀN = 0 makes wᵀ(compartment-scaled) f vanish identically, so the rate Jacobian f_x is
 * singular at every state: a steady state is then not isolated (it depends on the initial
 * totals), Newton's method has no well-defined step and implicit differentiation of the steady
 * state does not exist.  Counted from the rank of N by its singular values. */
#include "petab_impl.h"

#include <gsl/gsl_linalg.h>
#include <math.h>
#include <stdlib.h>

int petab_conserved_totals(const petab_problem *P)
{
    int *row = malloc(sizeof(int) * (size_t)P->nx);
    if (!row)
        return -1;
    int ns = 0;
    for (int i = 0; i < P->nx; i++)
        row[i] = P->sym[P->state_sym[i]].math ? -1 : ns++;   /* rate rules are not in N */
    const int nr = P->nreact;
    if (ns == 0) {
        free(row);
        return 0;
    }
    /* A = Nᵀ padded to at least ns rows (GSL's SVD needs rows ≥ columns) */
    const int m = nr > ns ? nr : ns;
    gsl_matrix *A = gsl_matrix_calloc((size_t)m, (size_t)ns);
    gsl_matrix *V = gsl_matrix_alloc((size_t)ns, (size_t)ns);
    gsl_vector *S = gsl_vector_alloc((size_t)ns), *work = gsl_vector_alloc((size_t)ns);
    int laws = -1;
    if (A && V && S && work) {
        for (int k = 0; k < P->nstoich; k++)
            for (int i = 0; i < P->nx; i++)
                if (P->state_sym[i] == P->st_state[k] && row[i] >= 0)
                    gsl_matrix_set(A, (size_t)P->st_react[k], (size_t)row[i],
                                   gsl_matrix_get(A, (size_t)P->st_react[k], (size_t)row[i]) +
                                       P->st_coef[k]);
        gsl_linalg_SV_decomp(A, V, S, work);
        const double smax = gsl_vector_get(S, 0);
        int rank = 0;
        for (int i = 0; i < ns; i++)
            rank += gsl_vector_get(S, (size_t)i) > 1e-10 * smax && smax > 0.0;
        laws = ns - rank;
    }
    gsl_matrix_free(A);
    gsl_matrix_free(V);
    gsl_vector_free(S);
    gsl_vector_free(work);
    free(row);
    return laws;
}
