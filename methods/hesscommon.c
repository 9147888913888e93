/* hesscommon — result arrays and symmetry measurement for the Hessian backends. */
#include "hesscommon.h"

#include <math.h>
#include <stdlib.h>

method_status hess_outputs(const char *name, const method_options *o, method_result *r)
{
    const size_t np = (size_t)(r->np > 0 ? r->np : 1);
    r->gradient = calloc(np, sizeof(double));
    if (o->want == WANT_HESSIAN)
        r->hessian = calloc(np * np, sizeof(double));
    else if (o->want == WANT_HVP)
        r->hvp = calloc(np, sizeof(double));
    if (!r->gradient || (o->want == WANT_HESSIAN && !r->hessian) ||
        (o->want == WANT_HVP && !r->hvp))
        return method_fail(r, METHOD_EMEMORY, "%s: out of memory for the results (%d "
                           "parameters)", name, r->np);
    return METHOD_OK;
}

double hess_asymmetry(const double *H, int np)
{
    double diff = 0.0, scale = 0.0;
    for (int i = 0; i < np; i++)
        for (int j = 0; j < np; j++) {
            diff = fmax(diff, fabs(H[i * np + j] - H[j * np + i]));
            scale = fmax(scale, fabs(H[i * np + j]));
        }
    return scale > 0 ? diff / scale : 0.0;
}

void hess_report_asymmetry(method_result *r)
{
    if (r->hessian)
        method_extra_add(r, "hessian_asymmetry", hess_asymmetry(r->hessian, r->np), "1");
}
