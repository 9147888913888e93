/* adam — the Adam optimiser (Kingma & Ba, ICLR 2015, Algorithm 1), as Flux's ADAM applies
 * it: with g the gradient at step t = 1, 2, …
 *     m ← β1 m + (1 − β1) g,     v ← β2 v + (1 − β2) g²
 *     θ ← θ − η · (m / (1 − β1^t)) / (√(v / (1 − β2^t)) + ε)
 * The state (moments, step count) lives in the handle; nothing global. */
#ifndef ODEGRAD_ADAM_H
#define ODEGRAD_ADAM_H

typedef struct {
    double learning_rate;   /* η, default 0.001 (Kingma & Ba) */
    double beta1;           /* default 0.9 */
    double beta2;           /* default 0.999 */
    double epsilon;         /* default 1e-8 */
} adam_options;

typedef struct {
    int n;
    long step;              /* t: updates done so far */
    adam_options options;
    double *m, *v;          /* first and second moment estimates, n each */
    double beta1_power, beta2_power;   /* β1^t, β2^t */
} adam_state;

void adam_options_default(adam_options *o);
/* Returns 0, or -1 if out of memory or an option is out of range (η > 0, 0 ≤ β < 1, ε ≥ 0). */
int adam_init(adam_state *s, int n, const adam_options *o);
/* One update of theta (n values) with the gradient at theta. */
void adam_step(adam_state *s, double *theta, const double *gradient);
void adam_free(adam_state *s);

#endif
