/* neural — neural ODEs: the report's `neural-freefall` and the scalable `mlp-D-H[-L]` family
 * (see neural.c). */
#ifndef ODEGRAD_NEURAL_H
#define ODEGRAD_NEURAL_H

#include <stddef.h>
#include <stdint.h>
#include "model.h"

int neural_freefall_create(model *m, const char *name, char *err, size_t errlen);
int neural_mlp_create(model *m, const char *name, char *err, size_t errlen);

/* The network of a neural model (its m->data):
 *     x' = W_{L+1} tanh(W_L … tanh(W_1 x + b_1) … + b_L) + b_{L+1}
 * with state dimension D and L hidden layers of width H.  θ holds, layer after layer, W_l
 * (row-major, rows × cols) and then b_l. */
typedef struct {
    int D, H, L;
    int ny;        /* observables: 1 (the first state, a position) or D (every state) */
    double *x0;    /* D fixed initial values */
} neural_net;

/* Shape of layer l = 1..L+1 and the offsets of W_l and b_l in θ. */
int neural_layer_rows(const neural_net *net, int l);
int neural_layer_cols(const neural_net *net, int l);
long neural_weight_offset(const neural_net *net, int l);
long neural_bias_offset(const neural_net *net, int l);
long neural_param_count(const neural_net *net);

/* SplitMix64 (Steele, Lea & Flood, OOPSLA 2014): a small documented generator whose whole
 * state is one 64-bit word carried by the caller — the seeded initialisation and the
 * synthetic data are the same on every machine. */
typedef struct {
    uint64_t state;
} neural_rng;
double neural_rng_uniform(neural_rng *rng);   /* in [0, 1), 53 random bits */

#endif
