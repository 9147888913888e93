/* handrhs — the study's right-hand sides written by hand in plain C, straight from the
 * equations of docs/models.md: the baseline of the model-layer microbenchmark (microbench.c), and
 * an implementation independent of the expression graphs against which the tests check the
 * models' values (tests/models/test_model_values.c).  p holds the natural parameter values
 * (10^θ for log10 parameters), in each model's parameter order. */
#ifndef ODEGRAD_HANDRHS_H
#define ODEGRAD_HANDRHS_H

#include "spline.h"
#include "neural.h"

/* jakstat (9 states, 17 parameters): the input spline is the model's basis on the nodes
 * jakstat_spline_times. */
void hand_jakstat_rhs(double t, const double *x, const double *p, const spline_basis *input,
                      double *f);
/* rafmekerk (3 states, 28 parameters), c = (Sora, UO) */
void hand_rafmekerk_rhs(double t, const double *x, const double *p, const double *c,
                        double *f);
/* brusselator-N (2N² states, 4N² parameters) */
void hand_brusselator_rhs(int N, double t, const double *x, const double *p, double *f);
/* the tanh MLP of a neural model; work holds 2H doubles */
void hand_mlp_rhs(const neural_net *net, const double *x, const double *p, double *f,
                  double *work);

#endif
