/* opt_registry — every optimiser of `odegrad fit`, by name.  Adding one is adding its file and
 * one line here. */
#include "opt.h"

extern const opt_type opt_newton_tr;
extern const opt_type opt_gauss_newton;
extern const opt_type opt_bfgs;
extern const opt_type opt_trr;
extern const opt_type opt_ipopt;
extern const opt_type opt_ipopt_lbfgs;

const opt_type *const opt_types[] = {
    &opt_newton_tr,
    &opt_gauss_newton,
    &opt_bfgs,
    &opt_trr,
    &opt_ipopt,
    &opt_ipopt_lbfgs,
    NULL
};
