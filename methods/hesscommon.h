/* hesscommon — what the Hessian backends (soadjoint, soforward, fdhess, fim) share: the
 * result arrays a request needs, and the measured asymmetry of a computed Hessian. */
#ifndef ODEGRAD_HESSCOMMON_H
#define ODEGRAD_HESSCOMMON_H

#include "method.h"

/* Allocate (zeroed) the gradient and, for WANT_HESSIAN, the np×np Hessian or, for WANT_HVP,
 * the product H·v.  METHOD_OK, or METHOD_EMEMORY with the message in r->error. */
method_status hess_outputs(const char *name, const method_options *o, method_result *r);

/* max_ij |H_ij − H_ji| / max_ij |H_ij| (0 for a zero matrix): how far a Hessian computed
 * column by column is from the symmetry the exact one has — reported, never imposed. */
double hess_asymmetry(const double *H, int np);

/* Record the asymmetry of r->hessian as the extra "hessian_asymmetry" (when there is one). */
void hess_report_asymmetry(method_result *r);

#endif
