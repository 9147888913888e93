/* reference — the gradient a run is measured against: the model's closed form where it has
 * one, otherwise the consensus of several witnesses at tight tolerance (reference.c: `forward`
 * at two tolerances, `adjoint`, and where they do not agree closely `interp` and `tape`), with
 * its own estimated accuracy.  When no independent witness confirms the forward gradient,
 * there is no reference and the reason says why — an error is never invented.
 *
 * The Hessian likewise: the closed form, otherwise (on request, for Hessian studies) a
 * tight-tolerance `soadjoint` run confirmed by an independent `soforward` run. */
#ifndef ODEGRAD_REFERENCE_H
#define ODEGRAD_REFERENCE_H

#include "model.h"

typedef struct {
    int have;              /* 1: gradient (and maybe hessian) hold the reference */
    char source[320];      /* "closed form", "forward at rtol 1e-12 ..., accuracy 3e-10",
                              or "none: <reason>" */
    double accuracy;       /* estimated relative 2-norm error of gradient (0: exact to
                              rounding, a closed form); an error below it is not measurable */
    double loss;
    double *gradient;      /* np, owned */
    double *hessian;       /* np×np (closed form, or reference_add_hessian), owned; or NULL */
    char hessian_source[320];  /* how the Hessian was made, "none: <reason>", or "" when
                                  nobody asked */
} reference;

/* Compute the reference at θ.  Always returns a usable record (have = 0 with a reason when
 * there is none). */
void reference_compute(reference *ref, const model *m, const double *theta);
/* Add the Hessian to a reference computed by reference_compute: nothing to do for a closed
 * form; otherwise soadjoint at tight tolerance confirmed by soforward, or hessian_source
 * says why there is none. */
void reference_add_hessian(reference *ref, const model *m, const double *theta);
/* Give ref the Hessian (np×np values copied) with its source; hessian may be NULL (then
 * source says why there is none).  0, or -1 if out of memory. */
int reference_set_hessian(reference *ref, int np, const double *hessian, const char *source);
/* A reference given from elsewhere (e.g. a cache): copies np values. */
int reference_set(reference *ref, int np, const double *gradient, const char *source);
void reference_free(reference *ref);
/* The accuracy a source text states ("..., accuracy 3e-10"; an older "..., adjoint agrees to
 * 3e-10" states the agreement), or 0 when it states none (a closed form). */
double reference_accuracy_of(const char *source);

#endif
